"""Every operation of the OpenAPI document, fed generated valid and invalid requests by
schemathesis: no request makes a server error, and every answer's status is one the document
declares for that operation (so the declared 4xx responses are the real ones)."""

from __future__ import annotations

import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import status_code_conformance

from autoheal.api.app import create_app
from autoheal.store.tokens import Role

MAX_EXAMPLES = 8  # per operation and generation mode: the whole run takes seconds of CPU


def test_no_generated_request_makes_a_server_error(autoheal, tokens, capsys):
    api = create_app(autoheal)
    schema = schemathesis.openapi.from_dict(api.openapi())
    schema.app = api
    operations = [result.ok() for result in schema.get_all_operations()]
    headers = {"Authorization": f"Bearer {tokens[Role.ADMIN]}"}
    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    server_errors: list[str] = []
    undeclared: list[str] = []
    timing: dict[str, float] = {}

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,  # the same cases on every run
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                response = case.call(headers={**headers, **(case.headers or {})})
                cases[case.operation.label] += 1
                statuses[response.status_code] += 1
                where = f"{case.operation.label} -> {response.status_code}: {response.text[:200]}"
                if response.status_code >= 500:
                    server_errors.append(where)
                try:
                    status_code_conformance(None, response, case)  # type: ignore[arg-type]  # ctx unused
                except Failure:
                    undeclared.append(where)

            t0 = time.perf_counter()
            try:
                run()
            except Unsatisfiable:
                # nothing to make invalid (an operation without parameters or body)
                assert mode is GenerationMode.NEGATIVE, operation.label
            timing[f"{operation.label} {mode.value}"] = time.perf_counter() - t0

    with capsys.disabled():
        print(
            f"\nschemathesis: {len(operations)} operations, {sum(cases.values())} cases, "
            f"{len(server_errors)} server errors; statuses {dict(sorted(statuses.items()))}"
        )
    with capsys.disabled():
        slowest = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(timing.items(), key=lambda kv: -kv[1])[:3])
        print(f"slowest: {slowest}")
    assert len(operations) >= 30
    assert not server_errors, server_errors[:5]
    assert not undeclared, undeclared[:5]
