"""Schemathesis over the whole OpenAPI schema (/api/schema/), on a live server.

`run(base_url, token, examples=..., seed=...)` sends generated requests to every
operation of the schema, valid ones (positive) then invalid ones (negative), with
a fixed seed and a fixed number of examples per operation and mode, and returns
a `Tally`: requests sent, failures per check with one example each. Used by
tests/test_api_fuzz.py (the bounded run of `make test`) and by `make fuzz`
(bench/fuzz.py, a longer run that prints the counts).

Operations whose path ends in an `{id}` are also tried on a real object: the id
of the first row their list answers (`/api/v1/sites/{id}/` takes one from
`/api/v1/sites/`), so that details, edits and actions are tried past the 404.
DELETE operations run after all the others, so the objects they remove do not
turn the rest of the run into 404s.
"""

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


def _exercise(operation, strategy, session, base_url, examples, run_seed, tally, checks):
    label = f"{operation.method.upper()} {operation.path}"

    @seed(run_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def each(case):
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

    try:
        each()
    except Unsatisfiable:
        # No invalid request exists for it (an operation with nothing to send).
        tally.unsatisfiable.append(label)


def run(
    base_url: str,
    token: str,
    *,
    examples: int,
    negative: int | None = None,
    run_seed: int,
    advisory: bool = False,
) -> Tally:
    """`examples` valid requests per operation (and as many on a real object),
    `negative` invalid ones (default: as many)."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/?format=json")
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    tally = Tally()
    checks = CHECKS + ADVISORY if advisory else CHECKS
    operations = sorted((r.ok() for r in schema.get_all_operations()), key=_order)
    for operation in operations:
        real = _real_id(session, base_url, operation.path)
        for mode, count in (
            (GenerationMode.POSITIVE, examples),
            (GenerationMode.NEGATIVE, negative or examples),
        ):
            strategies = [operation.as_strategy(generation_mode=mode)]
            if real is not None and mode is GenerationMode.POSITIVE:
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters={"id": real}))
            for strategy in strategies:
                _exercise(operation, strategy, session, base_url, count, run_seed, tally, checks)
    return tally
