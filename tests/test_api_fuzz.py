"""The bounded schemathesis run of `make test`: every operation of the OpenAPI
schema, as reception then as admin (token auth), on the live test server, with a
fixed seed and a fixed number of examples; any HTTP 500 or any response that
the schema does not describe fails it. `make fuzz` runs the same thing longer
(FUZZ_EXAMPLES) and prints the counts.

The organizations are throwaway (the live server's database is emptied after
the test). Reception runs first: admin's DELETEs (sites, tokens...) come last
in its own run, so nothing the rest depends on is gone before it is tried."""

import os
import sys

from tests.fuzz import Tally, obtain_token, run
from tests.test_permissions import objects_of

FUZZ = bool(os.environ.get("FUZZ_EXAMPLES"))
# make test: one valid request per operation (and one on a real object), one invalid.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 1)
SEED = int(os.environ.get("FUZZ_SEED") or 20261202)


def test_the_api_answers_every_generated_request_as_its_schema_says(live_server, orgs, capsys):
    objects_of(orgs.a)
    objects_of(orgs.b)
    total, reports = Tally(), []
    for role in ("reception", "admin"):
        token = obtain_token(live_server.url, f"{role}@org-a.test", "pw-Secret-123", "org-a")
        tally = run(live_server.url, token, examples=EXAMPLES, run_seed=SEED, advisory=FUZZ)
        reports.append(f"as {role}: {tally.report()}")
        total.add(tally)
    with capsys.disabled():
        sys.stdout.write(f"\nschemathesis, {EXAMPLES} example(s) per operation and mode, seed {SEED}\n")
        sys.stdout.write("\n".join(reports) + "\n")
    assert total.server_errors == 0 and not total.violations, "\n".join(reports)
