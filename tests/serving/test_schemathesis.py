"""Property-based run of the whole OpenAPI document against a live server: no 5xx, and every
response matches its documented status codes, content type and schema.

schemathesis' pytest loader (`from_fixture`) does not work with pytest 9, so each operation's
hypothesis strategy is driven directly; failures are collected and reported together.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

KEY = "schemathesis-key"  # conftest.SCHEMATHESIS_KEY
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}


def _run_operation(operation, mode: GenerationMode) -> str | None:
    """None when every generated case passed, else the failure (shortened)."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def check(case) -> None:
        case.call_and_validate(headers={"X-API-Key": KEY}, timeout=30)

    try:
        check()
    except Unsatisfiable:
        if mode is GenerationMode.NEGATIVE and operation.path in ("/health", "/ready"):
            return None  # no parameters and no body: no schema-violating request exists
        return f"{operation.method.upper()} {operation.path} [{mode.value}]: no cases generated"
    except Exception as exc:  # a failed check: report it with the operation
        text = str(exc)
        if len(text) > 3000:  # failing bodies can be huge: keep the verdict readable
            text = text[:1500] + " ... " + text[-1500:]
        return f"{operation.method.upper()} {operation.path} [{mode.value}]: {text}"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(keyed_live_server, mode):
    schema = schemathesis.openapi.from_url(f"{keyed_live_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    failures = [f for op in operations if (f := _run_operation(op, mode))]
    assert not failures, "\n\n".join(failures)
