"""Schemathesis over the whole OpenAPI schema (/api/schema/), on a live server.

`run(base_url, {role: token}, ...)` builds, once, the requests to send to every
operation of the schema (see `cases_for`: valid ones drawn with a fixed seed,
invalid ones from schemathesis's coverage phase and, in the longer run, drawn
too), sends them as each role, checks each response against the schema, and
returns a `Tally` per role: requests sent, statuses, failures per check with up
to three examples each. Used by tests/test_api_fuzz.py: the bounded run of
`make test`, and the longer one of `make fuzz` (FUZZ_EXAMPLES), which prints
the counts.

Operations whose path has an `{id}` are also tried on a real object: the id
of the first row their list answers (`/api/v1/sites/{id}/` takes one from
`/api/v1/sites/`), so that details, edits and actions are tried past the 404.
DELETE operations run after all the others, so the objects they remove do not
turn the rest of the run into 404s.
"""

import contextlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# The checks that can fail on any single response, whatever the data: a server
# error, a status, content type, header or body the schema does not state.
# (positive_data_acceptance / negative_data_rejection judge the data itself and
# disagree with rules the schema cannot say, such as "a visit's end after its
# start"; use_after_free and the like need schemathesis's stateful runner.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Counted by the longer run (`make fuzz`) and printed, without failing it: a
# valid request refused (positive_data_acceptance) may be a rule the schema
# cannot state; an invalid one accepted (negative_data_rejection) may be lenient
# parsing. Each is worth a look, not a red build.
ADVISORY = [positive_data_acceptance, negative_data_rejection]
ADVISORY_NAMES = {"positive_data_acceptance", "negative_data_rejection"}

# Its own token is deleted by a DELETE of auth/tokens/{id}: that operation runs last.
LAST = ("/api/v1/auth/tokens/{id}/",)


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=lambda: defaultdict(list))
    unsatisfiable: list = field(default_factory=list)

    def add(self, other: "Tally"):
        self.requests += other.requests
        self.statuses.update(other.statuses)
        self.failures.update(other.failures)
        self.unsatisfiable += other.unsatisfiable
        for key, found in other.examples.items():
            self.examples[key].extend(found[: 3 - len(self.examples[key])])

    @property
    def violations(self) -> dict:
        """Failures of the checks that fail the run (not the advisory ones)."""
        return {check: n for check, n in self.failures.items() if check not in ADVISORY_NAMES}

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def report(self) -> str:
        lines = [f"requests: {self.requests}, HTTP 5xx: {self.server_errors}"]
        lines += [f"  {check}: {n}" for check, n in sorted(self.failures.items())]
        for (operation, check), found in sorted(self.examples.items()):
            for example in found:
                lines.append(f"- {operation} [{check}] {example}")
        return "\n".join(lines)


def obtain_token(base_url: str, email: str, password: str, organization: str) -> str:
    response = requests.post(
        f"{base_url}/api/v1/auth/token/",
        json={"email": email, "password": password, "organization": organization},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["token"]


def _order(operation) -> tuple:
    return (operation.path in LAST, operation.method.upper() == "DELETE", operation.path, operation.method)


def _real_id(session, base_url: str, path: str) -> int | None:
    """The id of the first row of the list that the path's `{id}` comes from."""
    match = re.fullmatch(r"(.*/)\{id\}/.*", path)
    if not match or "{" in match.group(1):
        return None
    response = session.get(f"{base_url}{match.group(1)}", params={"limit": 1}, timeout=30)
    if response.status_code != 200:
        return None
    body = response.json()
    rows = body.get("results") if isinstance(body, dict) else body
    if rows and isinstance(rows[0], dict) and isinstance(rows[0].get("id"), int):
        return rows[0]["id"]
    return None


def _drawn(strategy, count: int, run_seed: int) -> list:
    """`count` cases drawn from a Hypothesis strategy, with a fixed seed."""
    cases = []

    @seed(run_seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def collect(case):
        cases.append(case)

    with contextlib.suppress(Unsatisfiable):  # no invalid request exists (nothing to send)
        collect()
    return cases[:count]


def _spread(items: list, count: int) -> list:
    """`count` items taken evenly along the list (all of them if count is None)."""
    if count is None or len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def cases_for(schema, operation, *, real_id, examples, negative, coverage, run_seed) -> list:
    """The requests to send to one operation, the same for every role:
    1. `examples` valid ones drawn by Hypothesis, and as many on a real object;
    2. invalid ones from schemathesis's coverage phase (a missing required
       field, a wrong type, a value past a bound...): deterministic, and cheap
       to build, `coverage` of them taken evenly along the list (None: all);
    3. `negative` invalid ones drawn by Hypothesis (slow to draw: the longer run)."""
    cases = _drawn(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), examples, run_seed)
    if real_id is not None:
        real = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters={"id": real_id})
        cases += _drawn(real, examples, run_seed)
    built = schema.iter_coverage_cases(
        operation,
        generation_modes=[GenerationMode.NEGATIVE],
        generation_config=schema.config.generation_for(operation=operation),
    )
    cases += _spread(list(built), coverage)
    if negative:
        cases += _drawn(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), negative, run_seed)
    return cases


def _send(operation, case, session, base_url, tally, checks):
    label = f"{operation.method.upper()} {operation.path}"
    response = case.call(base_url=base_url, session=session, timeout=60)
    tally.requests += 1
    tally.statuses[response.status_code] += 1
    try:
        case.validate_response(response, checks=checks)
    except (FailureGroup, Failure) as error:
        failures = error.exceptions if isinstance(error, FailureGroup) else [error]
        for failure in failures:
            check = (type(failure).checks or (failure.title,))[0]
            tally.failures[check] += 1
            found = tally.examples[(label, check)]
            if len(found) < 3:
                detail = " ".join(str(failure.message).split())[:300]
                found.append(f"{case.as_curl_command()} -> {response.status_code}: {detail}")


def _session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    return session


def run(
    base_url: str,
    tokens: dict,
    *,
    examples: int,
    coverage: int | None,
    negative: int = 0,
    run_seed: int,
    advisory: bool = False,
) -> dict:
    """Sends the same generated requests as each role of `tokens` ({role: token},
    in that order); returns {role: Tally}. Real ids come from the first role's
    lists (reception's, narrower: admin sees them too)."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/?format=json")
    checks = CHECKS + ADVISORY if advisory else CHECKS
    operations = sorted((r.ok() for r in schema.get_all_operations()), key=_order)
    first = _session(next(iter(tokens.values())))
    planned = [
        (
            operation,
            cases_for(
                schema,
                operation,
                real_id=_real_id(first, base_url, operation.path),
                examples=examples,
                negative=negative,
                coverage=coverage,
                run_seed=run_seed,
            ),
        )
        for operation in operations
    ]
    tallies = {}
    for role, token in tokens.items():
        session, tally = _session(token), Tally()
        for operation, cases in planned:
            for case in cases:
                _send(operation, case, session, base_url, tally, checks)
        tallies[role] = tally
    return tallies
