"""Sustained load (slow): a few concurrent clients over real HTTP across every route for
`ECOM_SOAK_SECONDS` (60 by default); every valid request must answer 2xx. Prints the
figures (requests, req/s, per-route counts and p50/p99 latency) as one JSON line."""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from collections import Counter, defaultdict

import httpx
import pytest

KEY = "soak-key"
CLIENTS = 4


@pytest.mark.slow
def test_sixty_seconds_of_load_with_zero_errors(
    live_server_factory, serving_world, feature_row
):
    seconds = float(os.environ.get("ECOM_SOAK_SECONDS", "60"))
    server = live_server_factory(key=KEY, access_log=False)
    customer, product = serving_world.known_customer, serving_world.known_product
    batch = {"rows": [feature_row] * 20}
    requests: list[tuple[str, str, dict | None]] = [
        ("GET", "/health", None),
        ("GET", "/ready", None),
        ("GET", "/v1/models", None),
        ("GET", f"/v1/customers/{customer}/churn", None),
        ("GET", f"/v1/customers/{customer}/recommendations?k=10", None),
        ("GET", "/v1/customers/999999999/recommendations?k=5", None),  # cold start
        ("GET", f"/v1/products/{product}/similar?k=10", None),
        ("POST", "/v1/churn/predict", {"rows": [feature_row]}),
        ("POST", "/v1/churn/predict", batch),
        ("GET", "/metrics", None),
    ]
    counts: Counter[str] = Counter()
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(offset: int) -> None:
        local: list[tuple[str, float, str | None]] = []
        with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}) as client:
            i = offset
            while time.monotonic() < stop_at:
                method, path, body = requests[i % len(requests)]
                i += 1
                label = f"{method} {path.split('?')[0]}"
                started = time.perf_counter()
                try:
                    response = client.request(method, path, json=body, timeout=30)
                    error = (
                        None
                        if 200 <= response.status_code < 300
                        else f"{label}: {response.status_code} {response.text[:300]}"
                    )
                except httpx.HTTPError as exc:
                    error = f"{label}: {type(exc).__name__}: {exc}"
                local.append((label, time.perf_counter() - started, error))
        with lock:
            for label, latency, error in local:
                counts[label] += 1
                latencies[label].append(latency)
                if error:
                    errors.append(error)

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(k * 3,)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    total = sum(counts.values())
    report = {
        "seconds": round(wall, 1),
        "clients": CLIENTS,
        "requests": total,
        "errors": len(errors),
        "requests_per_second": round(total / wall, 1),
        "routes": {
            label: {
                "requests": counts[label],
                "p50_ms": round(statistics.median(values) * 1000, 2),
                "p99_ms": round(
                    sorted(values)[int(0.99 * (len(values) - 1))] * 1000, 2
                ),
            }
            for label, values in sorted(latencies.items())
        },
    }
    print("soak:", json.dumps(report))
    assert wall >= seconds
    assert total > 0 and len(counts) == len(
        {f"{m} {p.split('?')[0]}" for m, p, _ in requests}
    )
    assert not errors, f"{len(errors)} of {total} requests failed: {errors[:10]}"
