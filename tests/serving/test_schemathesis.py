"""Property-based run of the whole OpenAPI document against a live server: no 5xx, and every
response matches its documented status codes, content type and schema.

schemathesis' pytest loader (`from_fixture`) does not work with pytest 9, so each operation's
hypothesis strategy is driven directly. Every request sent is counted (status class, schema
violations); failures are collected and reported together.

Size: by default 25 schema-conforming and 15 schema-violating cases per operation.
`ECOM_FUZZ_REQUESTS=5000` scales the cases per operation so that at least that many requests
are sent (the test fails if fewer were); `ECOM_FUZZ_REPORT=<path>` also writes the figures
there as JSON (`python -m bench.bench_fuzz` does both).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

KEY = "schemathesis-key"  # conftest.SCHEMATHESIS_KEY
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
#: Operations without parameters or body yield one distinct request, however many examples.
NO_INPUT = ("/health", "/ready", "/metrics")
MAX_LISTED = 20
MAX_ROUNDS = 5


@dataclass
class Tally:
    """What was sent and what came back."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: Counter[str] = field(default_factory=Counter)
    violations: int = 0
    failures: list[str] = field(default_factory=list)

    def record(self, label: str, status: int, failure: str | None) -> None:
        self.requests += 1
        self.statuses[status] += 1
        self.by_operation[label] += 1
        if failure is not None:
            self.violations += 1
            if len(self.failures) < MAX_LISTED:
                if len(failure) > 3000:  # failing bodies can be huge: keep it readable
                    failure = failure[:1500] + " ... " + failure[-1500:]
                self.failures.append(f"{label}: {failure}")

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def _examples(mode: GenerationMode, target: int, n_operations: int) -> int:
    if not target:
        return EXAMPLES[mode]
    # split the target over the operations that take input, in the default 25:15 ratio
    share = EXAMPLES[mode] / sum(EXAMPLES.values())
    return math.ceil(1.1 * target * share / max(n_operations, 1))


def _run_operation(
    operation, mode: GenerationMode, examples: int, tally: Tally, round_: int = 0
) -> str | None:
    """Send up to `examples` generated cases (fewer when the operation has fewer distinct
    ones); None unless no case could be generated. Round 0 is deterministic; later rounds
    draw other cases (seeded by the round)."""
    label = f"{operation.method.upper()} {operation.path} [{mode.value}]"

    @seed(round_)
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=round_ == 0,
    )
    def check(case) -> None:
        response = case.call(headers={"X-API-Key": KEY}, timeout=30)
        failure = None
        try:
            case.validate_response(response, headers={"X-API-Key": KEY})
        except Exception as exc:  # a failed check: count it, keep generating
            failure = str(exc)
        tally.record(label, response.status_code, failure)

    try:
        check()
    except Unsatisfiable:
        if mode is GenerationMode.NEGATIVE and operation.path in NO_INPUT:
            return None  # no parameters and no body: no schema-violating request exists
        return f"{label}: no cases generated"
    return None


@pytest.mark.slow
def test_api_conforms_to_its_schema(keyed_live_server):
    target = int(os.environ.get("ECOM_FUZZ_REQUESTS", "0"))
    schema = schemathesis.openapi.from_url(f"{keyed_live_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    with_input = [op for op in operations if op.path not in NO_INPUT]
    tally = Tally()
    problems = []
    started = time.monotonic()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for op in operations:
            examples = _examples(mode, target, len(with_input))
            if op.path in NO_INPUT:
                examples = min(examples, EXAMPLES[mode])
            if problem := _run_operation(op, mode, examples, tally):
                problems.append(problem)
    # small operations run out of distinct cases: top up with new draws until the target
    for round_ in range(1, MAX_ROUNDS + 1):
        if tally.requests >= target:
            break
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            examples = _examples(mode, target - tally.requests, len(with_input))
            for op in with_input:
                _run_operation(op, mode, examples, tally, round_)
    report = {
        "requests": tally.requests,
        "target": target or None,
        "server_errors_5xx": tally.server_errors,
        "schema_violations": tally.violations,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "operations": len(operations),
        "by_operation": dict(sorted(tally.by_operation.items())),
        "seconds": round(time.monotonic() - started, 1),
    }
    print("schemathesis:", json.dumps(report))
    if path := os.environ.get("ECOM_FUZZ_REPORT"):
        Path(path).write_text(json.dumps(report, indent=2) + "\n")
    assert not problems, "\n".join(problems)
    assert tally.server_errors == 0 and tally.violations == 0, "\n\n".join(
        tally.failures
    )
    assert tally.requests >= max(target, 1), (
        f"only {tally.requests} requests sent for a target of {target}"
    )
