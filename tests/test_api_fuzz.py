"""The bounded schemathesis run of `make test`: every operation of the OpenAPI
schema, as reception then as admin (token auth), on the live test server, with a
fixed seed and a fixed number of examples; any HTTP 500 or any response that
the schema does not describe fails it. `make fuzz` runs the same thing longer
(FUZZ_EXAMPLES) and prints the counts.

The organizations are throwaway (the live server's database is emptied after
the test). Reception runs first, and in each run DELETEs come after every
other operation, so nothing the rest depends on is gone before it is tried."""

import os
import sys

from django.test import override_settings

from tests.fuzz import Tally, obtain_token, run
from tests.test_permissions import objects_of

# make test: per operation, one valid request (and one on a real object) and
# 4 invalid ones from the coverage phase. make fuzz: FUZZ_EXAMPLES valid and as
# many invalid ones drawn by Hypothesis, plus FUZZ_COVERAGE coverage cases
# (default: all of them, about 6,800 per role).
FUZZ = int(os.environ.get("FUZZ_EXAMPLES") or 0)
SEED = int(os.environ.get("FUZZ_SEED") or 20261202)
COVERAGE = os.environ.get("FUZZ_COVERAGE", "all")  # coverage cases per operation in make fuzz
SETTINGS = (
    {
        "examples": FUZZ,
        "negative": FUZZ,
        "coverage": None if COVERAGE == "all" else int(COVERAGE),
        "advisory": True,
    }
    if FUZZ
    else {"examples": 1, "negative": 0, "coverage": 4, "advisory": False}
)


# The fuzzer sends more per minute than any member may (make fuzz: thousands):
# it is here to try every operation, not to meet the request budgets, which
# tests/test_rate_limits.py covers.
@override_settings(RATE_LIMITS=dict.fromkeys(("member", "member_search", "ip", "ip_search"), "off"))
def test_the_api_answers_every_generated_request_as_its_schema_says(live_server, orgs, capsys):
    objects_of(orgs.a)
    objects_of(orgs.b)
    tokens = {
        role: obtain_token(live_server.url, f"{role}@org-a.test", "pw-Secret-123", "org-a")
        for role in ("reception", "admin")
    }
    tallies = run(live_server.url, tokens, run_seed=SEED, **SETTINGS)
    reports = [f"as {role}: {tally.report()}" for role, tally in tallies.items()]
    total = Tally()
    for tally in tallies.values():
        total.add(tally)
    with capsys.disabled():
        sys.stdout.write(f"\nschemathesis {SETTINGS}, seed {SEED}\n" + "\n".join(reports) + "\n")
    assert total.server_errors == 0 and not total.violations, "\n".join(reports)
