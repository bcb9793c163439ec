"""Benchmark the prediction service against `mlflow models serve` on the same registered model.

Usage: python -m bench.bench_api [--scale 0.02] [--duration 10] [--repeats 3]
       [--connections 8,32] [--shared-workers 2]

Uses the benchmarks' world (bench/world.py: the platform built by its own `full_refresh` job at
--scale, cached: warehouse, registered champion, batch scores, recommendation tables), then
starts, on 127.0.0.1 only, our API (`serving.server.run`, uvicorn) and `mlflow models serve -m models:/ecom-churn@champion --env-manager local`, and
drives them with wrk (Debian package; installed with apt-get when missing) in two layouts:

* pinned (the figures that count): each server with 1 worker on core 0 (`taskset -c 0`), wrk
  with 1 thread on core 1 (`taskset -c 1`), at each of --connections: single-row predict
  (both servers), recommendations (ours), one connection, and a 1,000-row batch sent one
  request at a time;
* shared (the layout of the figures recorded before, for comparison): --shared-workers
  workers per server and wrk's 2 threads on the same cores, 32 connections.

Every scenario runs --repeats times (interleaved) for --duration seconds after a 2 s warm-up;
the figures are medians. Prints one JSON document with a "summary" list.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.wrk import (  # noqa: E402
    PATHS_LUA,
    POST_LUA,
    Layout,
    ensure_wrk,
    median_of,
    pinned_layout,
    run_wrk,
)

TARGETS = {
    "predict_speedup": 30.0,
    "predict_p99_ms": 10.0,
    "batch_ms": 50.0,
    "recs_p99_ms": 10.0,
}
BATCH_ROWS = 1000
#: The run recorded with the direct ASGI lanes and the coalescing uvicorn protocol (removed
#: since; docs/BENCHMARKS.md of 2026-11-24): shared layout, 2 workers, 32 connections, one run.
WITH_LANES = {
    "predict_rps": 6955.68,
    "predict_p50_ms": 4.42,
    "predict_p99_ms": 8.87,
    "speedup": 74.77,
    "recs_rps": 12129.12,
    "recs_p99_ms": 6.67,
}


# ---------------------------------------------------------------- world


def world_inputs(scale: float, seed: int) -> dict[str, Any]:
    """The benchmarks' world at `scale` (bench/world.py: built by the platform's own job,
    cached): its URL, MLflow store, champion version and 2,000 customers with recommendations."""
    from mlflow import MlflowClient

    from bench.world import ensure_world

    world = ensure_world(scale, seed)
    client = MlflowClient(
        tracking_uri=world.tracking_uri, registry_uri=world.tracking_uri
    )
    version = client.get_model_version_by_alias("ecom-churn", "champion").version
    with psycopg.connect(world.url) as conn:
        customers = [
            int(c)
            for (c,) in conn.execute(
                "select distinct customer_id from ml.recommendations"
                " where not is_cold_start order by 1 limit 2000"
            ).fetchall()
        ]
    return {
        "url": world.url,
        "tracking_uri": world.tracking_uri,
        "model_version": str(version),
        "customers": customers,
        "world_seconds": world.seconds,
        "world_built_now": world.built_now,
    }


def feature_rows(
    url: str, tracking_uri: str, version: str, n: int
) -> tuple[list[str], list[list]]:
    """Feature names (model signature order) and n real feature rows from the mart."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    info = mlflow.models.get_model_info(f"models:/ecom-churn/{version}")
    names = [spec.name for spec in info.signature.inputs.inputs]
    query = sql.SQL(
        "select {} from ml_features.ml_customer_features where has_ordered "
        "order by cutoff_date desc, customer_id limit %s"
    ).format(sql.SQL(", ").join(map(sql.Identifier, names)))
    with psycopg.connect(url) as conn:
        records = conn.execute(query, (n,)).fetchall()
    rows = [
        [
            None if v is None else (float(v) if not isinstance(v, str) else v)
            for v in record
        ]
        for record in records
    ]
    while len(rows) < n:
        rows += rows[: n - len(rows)]
    return names, rows


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with {proc.returncode} before {url} answered"
            )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready within {timeout} s")


@contextmanager
def server(
    cmd: list[str], env: dict[str, str], ready_url: str, log: Path
) -> Iterator[None]:
    with log.open("a") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT
        )
        try:
            try:
                wait_ready(ready_url, proc)
            except RuntimeError as exc:
                out.flush()
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{exc}; {cmd[0]} log tail:\n{tail}") from None
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ---------------------------------------------------------------- load


def sequential_latency(url: str, body: bytes, n: int) -> dict[str, float]:
    """p50/p99/max (ms) of n POSTs sent one at a time (after 3 warm-up requests)."""
    times = []
    with httpx.Client(timeout=60) as client:
        for i in range(n + 3):
            started = time.perf_counter()
            response = client.post(
                url, content=body, headers={"content-type": "application/json"}
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(
                    f"{url}: {response.status_code} {response.text[:300]}"
                )
            if i >= 3:
                times.append(elapsed)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[min(len(times) - 1, int(0.99 * len(times)))], 3),
        "max_ms": round(times[-1], 3),
        "requests": float(n),
    }


# ---------------------------------------------------------------- main


@dataclass
class Bench:
    """What the scenarios share: wrk, the request files, the servers' environment."""

    wrk: str
    work: Path
    env: dict[str, str]
    args: argparse.Namespace
    batch_bodies: dict[str, bytes]  # server -> a 1,000-row request body
    results: dict[str, Any] = field(default_factory=dict)

    def ours(self, layout: Layout) -> tuple[list[str], str, str]:
        """(command, base URL, readiness URL) of our API on `layout`."""
        port = free_port()
        code = f"from serving.server import run; run(port={port}, workers={layout.workers})"
        base = f"http://127.0.0.1:{port}"
        cmd = [*layout.server_prefix(), sys.executable, "-c", code]
        return cmd, base, f"{base}/ready"

    def mlflow(self, layout: Layout) -> tuple[list[str], str, str]:
        port = free_port()
        cmd = [
            *layout.server_prefix(),
            str(Path(sys.executable).with_name("mlflow")),
            "models",
            "serve",
            "-m",
            "models:/ecom-churn@champion",
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-w",
            str(layout.workers),
        ]
        base = f"http://127.0.0.1:{port}"
        return cmd, base, f"{base}/ping"

    def measure(
        self,
        name: str,
        layout: Layout,
        scenarios: dict[str, tuple[str, str, int, int]],
        batch_url: str | None = None,
    ) -> None:
        """Start server `name` on `layout`; run each scenario (key -> path, lua script,
        connections, seconds) --repeats times, interleaved; record the medians."""
        cmd, base, ready = getattr(self, name)(layout)
        runs: dict[str, list[dict]] = {key: [] for key in scenarios}
        batches: list[dict] = []
        with server(cmd, self.env, ready, self.work / f"{name}.log"):
            for _ in range(self.args.repeats):
                for key, (path, script, connections, seconds) in scenarios.items():
                    runs[key].append(
                        run_wrk(
                            self.wrk,
                            base + path,
                            self.work / script,
                            connections,
                            seconds,
                            layout,
                        )
                    )
                if batch_url is not None:
                    batches.append(
                        sequential_latency(
                            base + batch_url,
                            self.batch_bodies[name],
                            self.args.batch_requests,
                        )
                    )
        for key, scenario_runs in runs.items():
            self.results[key] = {"layout": layout.name, **median_of(scenario_runs)}
        if batches:
            self.results[f"{name}_batch_1000_{layout.name}"] = {
                "layout": layout.name,
                **median_of(batches),
            }


def write_requests(
    work: Path, names: list[str], rows: list[list], customers: list[int]
):
    """The request files wrk sends and the 1,000-row bodies; returns the bodies."""
    (work / "ours_one.json").write_text(
        json.dumps({"rows": [dict(zip(names, rows[0], strict=True))]})
    )
    (work / "mlflow_one.json").write_text(
        json.dumps({"dataframe_split": {"columns": names, "data": rows[:1]}})
    )
    (work / "paths.txt").write_text(
        "\n".join(f"/v1/customers/{c}/recommendations?k=10" for c in customers)
    )
    for name, text in (
        ("post_ours.lua", POST_LUA.format(body=work / "ours_one.json")),
        ("post_mlflow.lua", POST_LUA.format(body=work / "mlflow_one.json")),
        ("paths.lua", PATHS_LUA.format(paths=work / "paths.txt")),
    ):
        (work / name).write_text(text)
    return {
        "ours": json.dumps(
            {"rows": [dict(zip(names, r, strict=True)) for r in rows]}
        ).encode(),
        "mlflow": json.dumps(
            {"dataframe_split": {"columns": names, "data": rows}}
        ).encode(),
    }


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    from bench.machine import machine_info

    wrk = ensure_wrk()
    pinned = pinned_layout()
    if pinned is None:
        raise RuntimeError("the pinned layout needs 2 cores and taskset")
    shared = Layout("shared", args.shared_workers, None, None, 2)
    connections = [int(c) for c in args.connections.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):  # dbt prints progress
            world = world_inputs(args.scale, args.seed)
        setup_s = time.perf_counter() - t0
        url = world["url"]
        names, rows = feature_rows(
            url, world["tracking_uri"], world["model_version"], BATCH_ROWS
        )
        env = dict(
            os.environ,
            MLFLOW_TRACKING_URI=world["tracking_uri"],
            ECOM_API_TRACKING_URI=world["tracking_uri"],
            ECOM_API_DATABASE_URL=url,
            ECOM_API_MODEL_POLL_SECONDS="30",
            MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false",
        )
        # mlflow models serve execs `uvicorn` from PATH: put the venv's bin first
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.pop("ECOM_API_KEY", None)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        bodies = write_requests(work, names, rows, world["customers"])
        bench = Bench(wrk, work, env, args, bodies)
        predict = ("/v1/churn/predict", "post_ours.lua")
        recs = ("", "paths.lua")
        d = args.duration
        ours_pinned: dict[str, tuple[str, str, int, int]] = {}
        for c in connections:
            ours_pinned[f"ours_predict_1row_c{c}_pinned"] = (*predict, c, d)
            ours_pinned[f"ours_recommendations_c{c}_pinned"] = (*recs, c, d)
        ours_pinned["ours_predict_1row_c1_pinned"] = (*predict, 1, 5)
        ours_pinned["ours_recommendations_c1_pinned"] = (*recs, 1, 5)
        bench.measure("ours", pinned, ours_pinned, batch_url="/v1/churn/predict")
        bench.measure(
            "mlflow",
            pinned,
            {
                f"mlflow_predict_1row_c{c}_pinned": (
                    "/invocations",
                    "post_mlflow.lua",
                    c,
                    d,
                )
                for c in connections
            },
            batch_url="/invocations",
        )
        bench.measure(
            "ours",
            shared,
            {
                "ours_predict_1row_c32_shared": (*predict, 32, d),
                "ours_recommendations_c32_shared": (*recs, 32, d),
            },
        )
        bench.measure(
            "mlflow",
            shared,
            {
                "mlflow_predict_1row_c32_shared": (
                    "/invocations",
                    "post_mlflow.lua",
                    32,
                    d,
                )
            },
        )
    results = bench.results
    ratios = {f"c{c}_pinned": ratio(results, f"c{c}_pinned") for c in connections} | {
        "c32_shared": ratio(results, "c32_shared")
    }
    return {
        "benchmark": "api",
        "params": vars(args),
        "layouts": {layout.name: layout.describe() for layout in (pinned, shared)},
        "machine": machine_info(),
        "results": results,
        "speedup_single_row": ratios,
        "summary": [
            *summarise(results, ratios, pinned, shared, connections, args),
            f"world setup {setup_s:.0f} s (scale {args.scale})",
        ],
    }


def ratio(results: dict[str, Any], suffix: str) -> float:
    ours = results[f"ours_predict_1row_{suffix}"]["requests_per_second"]
    theirs = results[f"mlflow_predict_1row_{suffix}"]["requests_per_second"]
    return round(ours / max(theirs, 1e-9), 1)


def summarise(
    results: dict[str, Any],
    ratios: dict[str, float],
    pinned: Layout,
    shared: Layout,
    connections: list[int],
    args: argparse.Namespace,
) -> list[str]:
    """The report's lines: every p99 with its connection count and core layout."""

    def verdict(ok: bool) -> str:
        return "meets" if ok else "MISSES"

    def figures(r: dict) -> str:
        return (
            f"{r['requests_per_second']:.0f} req/s, p50 {r.get('p50_ms', float('nan')):.2f} ms, "
            f"p99 {r.get('p99_ms', float('nan')):.2f} ms"
        )

    lines = [
        f"medians of {args.repeats} interleaved runs of {args.duration} s (after a 2 s "
        "warm-up) per scenario, wrk over loopback; shared 2-core machine, other jobs "
        "running: read ratios and medians, not single figures",
        f"layout {pinned.describe()} (2 cores: one for the server, one for wrk, so 1 worker)",
        f"layout {shared.describe()}",
    ]
    for c in connections:
        ours = results[f"ours_predict_1row_c{c}_pinned"]
        theirs = results[f"mlflow_predict_1row_c{c}_pinned"]
        lines.append(
            f"single-row predict, {c} connections, pinned: ours {figures(ours)} "
            f"({verdict(ours.get('p99_ms', 1e9) <= TARGETS['predict_p99_ms'])} p99 <= 10 ms); "
            f"mlflow models serve {figures(theirs)}; ratio {ratios[f'c{c}_pinned']:.1f}x "
            f"({verdict(ratios[f'c{c}_pinned'] >= TARGETS['predict_speedup'])} >= 30x)"
        )
    for c in connections:
        recs = results[f"ours_recommendations_c{c}_pinned"]
        lines.append(
            f"recommendations, {c} connections, pinned: {figures(recs)} "
            f"({verdict(recs.get('p99_ms', 1e9) <= TARGETS['recs_p99_ms'])} p99 <= 10 ms)"
        )
    one_p, one_r = (
        results["ours_predict_1row_c1_pinned"],
        results["ours_recommendations_c1_pinned"],
    )
    batch, mlflow_batch = (
        results["ours_batch_1000_pinned"],
        results["mlflow_batch_1000_pinned"],
    )
    lines += [
        f"1 connection (no queueing), pinned: single-row predict {figures(one_p)}; "
        f"recommendations {figures(one_r)}",
        f"1,000-row batch, one request at a time ({args.batch_requests} per run), pinned: "
        f"ours p50 {batch['p50_ms']:.1f} ms, p99 {batch['p99_ms']:.1f} ms "
        f"({verdict(batch['p99_ms'] <= TARGETS['batch_ms'])} <= 50 ms); mlflow p50 "
        f"{mlflow_batch['p50_ms']:.1f} ms",
    ]
    ours_s, recs_s = (
        results["ours_predict_1row_c32_shared"],
        results["ours_recommendations_c32_shared"],
    )
    lines += [
        f"single-row predict, 32 connections, shared: ours {figures(ours_s)}; mlflow "
        f"{figures(results['mlflow_predict_1row_c32_shared'])}; ratio "
        f"{ratios['c32_shared']:.1f}x; recommendations {figures(recs_s)}",
        "cost of one HTTP contract (no direct ASGI lanes, stock uvicorn httptools) against "
        "the run recorded with them (2026-11-24, shared layout, 2 workers, 32 connections, "
        f"one run): single-row predict {ours_s['requests_per_second']:.0f} vs "
        f"{WITH_LANES['predict_rps']:.0f} req/s "
        f"({change(ours_s['requests_per_second'], WITH_LANES['predict_rps'])}), p99 "
        f"{ours_s.get('p99_ms', float('nan')):.2f} vs {WITH_LANES['predict_p99_ms']:.2f} ms, "
        f"ratio to mlflow {ratios['c32_shared']:.1f}x vs {WITH_LANES['speedup']:.1f}x; "
        f"recommendations {recs_s['requests_per_second']:.0f} vs "
        f"{WITH_LANES['recs_rps']:.0f} req/s "
        f"({change(recs_s['requests_per_second'], WITH_LANES['recs_rps'])}), p99 "
        f"{recs_s.get('p99_ms', float('nan')):.2f} vs {WITH_LANES['recs_p99_ms']:.2f} ms",
        "errors (non-2xx, all runs' medians): "
        + ", ".join(
            f"{key} {value['non_2xx']:.0f}"
            for key, value in results.items()
            if isinstance(value.get("non_2xx"), (int, float)) and value["non_2xx"]
        )
        if any(
            isinstance(v.get("non_2xx"), (int, float)) and v["non_2xx"]
            for v in results.values()
        )
        else "errors: no non-2xx answers in any scenario",
    ]
    return lines


def change(now: float, before: float) -> str:
    return f"{(now - before) / before:+.0%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=0.02, help="generator scale of the world"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--shared-workers",
        type=int,
        default=2,
        help="uvicorn workers per server in the shared layout",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per scenario")
    parser.add_argument(
        "--connections", default="8,32", help="connection counts (pinned layout)"
    )
    parser.add_argument("--batch-requests", type=int, default=50)
    args = parser.parse_args(argv)
    print(json.dumps(run_benchmark(args), default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
