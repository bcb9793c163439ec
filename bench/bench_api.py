"""Benchmark the prediction service against `mlflow models serve` on the same registered model.

Usage: python bench/bench_api.py [--scale 0.02] [--workers 2] [--duration 10] [--connections 32]

Builds a small world in a scratch database of the embedded warehouse (generate -> load -> dbt
-> train + register the churn champion in a temporary MLflow store -> batch scores -> ALS
recommendation tables), then starts, on 127.0.0.1 only:
  * our API: `serving.server.run(workers=N)` (uvicorn),
  * `mlflow models serve -m models:/ecom-churn@champion --env-manager local -w N`,
and drives them with wrk (Debian package; installed with apt-get when missing) at
--connections connections for --duration seconds per scenario after a short warm-up:
single-row predict (both servers), recommendations (ours), and a 1,000-row batch measured
sequentially (one request at a time). Prints one JSON document with a "summary" list.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

TARGETS = {
    "predict_speedup": 10.0,
    "predict_p99_ms": 10.0,
    "batch_ms": 50.0,
    "recs_p99_ms": 10.0,
}
WARMUP_SECONDS = 2
BATCH_ROWS = 1000


# ---------------------------------------------------------------- world


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A new empty database on the admin URL's server, dropped on exit."""
    name = f"bench_api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(
                    sql.Identifier(name)
                )
            )


def build_world(url: str, scale: float, seed: int, work: Path) -> dict[str, Any]:
    """Generate, load and dbt-build a small warehouse; register a champion; write ml tables."""
    import pandas as pd
    from ml.churn.data import plan_cutoffs

    import ml.recommender as rec
    from contracts.ml_outputs import RECOMMENDATIONS
    from ml.churn.batch import score_customers
    from ml.churn.train import train_and_register
    from orchestration.dbt_runner import run_dbt
    from seeds_generator import generate
    from warehouse.loader import load_batch
    from warehouse.tables import replace_table

    batch = work / "batch"
    generate(batch, scale=scale, seed=seed, progress=False)
    load_batch(batch, url, validate=False)
    with psycopg.connect(url) as conn:
        data_end = conn.execute(
            "select max((ordered_at at time zone 'UTC')::date) from raw.orders"
        ).fetchone()[0]
    train, evaluation, score = plan_cutoffs(data_end, 90, n_train=3)
    dbt_vars = json.dumps(
        {
            "ml_cutoff_dates": [d.isoformat() for d in [*train, evaluation, score]],
            "churn_horizon_days": 90,
        }
    )
    os.environ["DBT_TARGET_PATH"] = str(work / "dbt-target")
    os.environ["DBT_LOG_PATH"] = str(work / "dbt-logs")
    selection = "+ml_customer_features +ml_churn_labels +ml_cutoffs +ml_interactions +dim_products"
    code = run_dbt(
        ["run", "--select", *selection.split(), "--vars", dbt_vars, "--threads", "2"],
        url,
    )
    if code != 0:
        raise RuntimeError(f"dbt run failed (exit {code})")
    tracking_uri = f"sqlite:///{work / 'mlflow' / 'mlflow.db'}"
    (work / "mlflow").mkdir()
    result = train_and_register(
        url,
        cutoffs=[*train, evaluation],
        n_trials=3,
        build_marts=False,
        ground_truth=[batch],
        tracking_uri=tracking_uri,
        require_quality_bar=False,
        shap_sample=100,
    )
    score_customers(url, tracking_uri=tracking_uri)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select customer_id, product_id, interaction_weight from ml_features.ml_interactions"
        ).fetchall()
    interactions = pd.DataFrame(rows, columns=["user_id", "item_id", "weight"])
    model = rec.fit(interactions, "als")
    recs = model.recommend_batch(list(model.user_ids), k=10).rename(
        columns={"user_id": "customer_id", "item_id": "product_id"}
    )
    recs = recs.assign(
        is_cold_start=False,
        model_name="ecom-recommender",
        model_version="bench",
        generated_at=pd.Timestamp.now(tz="UTC"),
    )
    replace_table(url, RECOMMENDATIONS, recs)
    return {
        "tracking_uri": tracking_uri,
        "model_version": result.version,
        "customers": sorted(int(c) for c in model.user_ids)[:2000],
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
    with log.open("w") as out:
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


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian with apt-get when missing (after an
    `apt-get update` when the package lists are empty, as on a fresh machine)."""
    found = shutil.which("wrk")
    if found:
        return found
    install = ["apt-get", "install", "-y", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], check=True, capture_output=True)
        subprocess.run(install, check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


POST_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("{body}", "rb")
wrk.body = f:read("*a")
f:close()
"""

PATHS_LUA = """
local paths = {{}}
for line in io.lines("{paths}") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """requests/s, latency percentiles (ms), non-2xx and socket errors from `wrk --latency`."""
    out: dict[str, float] = {}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    out["requests_per_second"] = float(rps.group(1)) if rps else 0.0
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+(?:us|ms|s|m))", output, re.M)
        if m:
            out[f"p{pct}_ms"] = round(_ms(m.group(1)), 3)
    total = re.search(r"(\d+) requests in", output)
    out["requests"] = float(total.group(1)) if total else 0.0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    out["non_2xx"] = float(non2xx.group(1)) if non2xx else 0.0
    errors = re.search(r"Socket errors: (.*)", output)
    out["socket_errors"] = errors.group(1).strip() if errors else "none"  # type: ignore[assignment]
    return out


def run_wrk(
    wrk: str, url: str, script: Path, connections: int, duration: int, threads: int = 2
) -> dict[str, float]:
    base = [wrk, f"-t{threads}", f"-c{connections}", "--latency", "-s", str(script)]
    subprocess.run(
        [*base, f"-d{WARMUP_SECONDS}s", url], capture_output=True, check=True
    )
    done = subprocess.run(
        [*base, f"-d{duration}s", url], capture_output=True, text=True, check=True
    )
    return parse_wrk(done.stdout)


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


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    from bench.machine import machine_info
    from warehouse.connection import database_url

    wrk = ensure_wrk()
    admin = psycopg.conninfo.make_conninfo(database_url(), dbname="postgres")
    with (
        tempfile.TemporaryDirectory(prefix="bench-api-") as tmp,
        scratch_database(admin) as url,
    ):
        work = Path(tmp)
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(
            sys.stderr
        ):  # dbt prints progress: keep stdout JSON
            world = build_world(url, args.scale, args.seed, work)
        setup_s = time.perf_counter() - t0
        names, rows = feature_rows(
            url, world["tracking_uri"], world["model_version"], BATCH_ROWS
        )
        ours_one = work / "ours_one.json"
        ours_one.write_text(
            json.dumps({"rows": [dict(zip(names, rows[0], strict=True))]})
        )
        ours_batch = json.dumps(
            {"rows": [dict(zip(names, r, strict=True)) for r in rows]}
        )
        mlflow_one = work / "mlflow_one.json"
        mlflow_one.write_text(
            json.dumps({"dataframe_split": {"columns": names, "data": rows[:1]}})
        )
        mlflow_batch = json.dumps({"dataframe_split": {"columns": names, "data": rows}})
        paths = work / "paths.txt"
        paths.write_text(
            "\n".join(
                f"/v1/customers/{c}/recommendations?k=10" for c in world["customers"]
            )
        )
        for name, text in (
            ("post_ours.lua", POST_LUA.format(body=ours_one)),
            ("post_mlflow.lua", POST_LUA.format(body=mlflow_one)),
            ("paths.lua", PATHS_LUA.format(paths=paths)),
        ):
            (work / name).write_text(text)

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
        results: dict[str, Any] = {}

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        code = (
            f"from serving.server import run; run(port={port}, workers={args.workers})"
        )
        with server(
            [sys.executable, "-c", code], env, f"{base}/ready", work / "ours.log"
        ):
            results["ours_predict_1row"] = run_wrk(
                wrk,
                f"{base}/v1/churn/predict",
                work / "post_ours.lua",
                args.connections,
                args.duration,
            )
            results["ours_recommendations"] = run_wrk(
                wrk, base, work / "paths.lua", args.connections, args.duration
            )
            # one connection: the service time without queueing behind 31 other requests
            results["ours_predict_1row_1conn"] = run_wrk(
                wrk, f"{base}/v1/churn/predict", work / "post_ours.lua", 1, 5, threads=1
            )
            results["ours_recommendations_1conn"] = run_wrk(
                wrk, base, work / "paths.lua", 1, 5, threads=1
            )
            results["ours_batch_1000"] = sequential_latency(
                f"{base}/v1/churn/predict", ours_batch.encode(), args.batch_requests
            )

        port = free_port()
        mlflow_base = f"http://127.0.0.1:{port}"
        cmd = [
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
            str(args.workers),
        ]
        with server(cmd, env, f"{mlflow_base}/ping", work / "mlflow.log"):
            results["mlflow_predict_1row"] = run_wrk(
                wrk,
                f"{mlflow_base}/invocations",
                work / "post_mlflow.lua",
                args.connections,
                args.duration,
            )
            results["mlflow_batch_1000"] = sequential_latency(
                f"{mlflow_base}/invocations", mlflow_batch.encode(), args.batch_requests
            )

    ours, theirs = results["ours_predict_1row"], results["mlflow_predict_1row"]
    speedup = ours["requests_per_second"] / max(theirs["requests_per_second"], 1e-9)
    batch, recs = results["ours_batch_1000"], results["ours_recommendations"]

    def verdict(ok: bool) -> str:
        return "meets" if ok else "MISSES"

    summary = [
        f"load: wrk, {args.connections} connections, {args.duration} s per scenario, "
        f"{args.workers} uvicorn worker(s) per server, loopback, {os.cpu_count()} cores shared "
        "with the load generator",
        f"single-row predict: ours {ours['requests_per_second']:.0f} req/s vs mlflow models serve "
        f"{theirs['requests_per_second']:.0f} req/s = {speedup:.1f}x "
        f"({verdict(speedup >= TARGETS['predict_speedup'])} the >= 10x target)",
        f"single-row predict latency: ours p50 {ours.get('p50_ms', float('nan')):.2f} ms, "
        f"p99 {ours.get('p99_ms', float('nan')):.2f} ms "
        f"({verdict(ours.get('p99_ms', 1e9) <= TARGETS['predict_p99_ms'])} p99 <= 10 ms); mlflow "
        f"p50 {theirs.get('p50_ms', float('nan')):.1f} ms, p99 {theirs.get('p99_ms', float('nan')):.1f} ms",
        f"1,000-row batch (one request at a time): ours p50 {batch['p50_ms']:.1f} ms, p99 "
        f"{batch['p99_ms']:.1f} ms ({verdict(batch['p99_ms'] <= TARGETS['batch_ms'])} <= 50 ms); "
        f"mlflow p50 {results['mlflow_batch_1000']['p50_ms']:.1f} ms",
        f"recommendations: {recs['requests_per_second']:.0f} req/s, p50 {recs.get('p50_ms', float('nan')):.2f} ms, "
        f"p99 {recs.get('p99_ms', float('nan')):.2f} ms "
        f"({verdict(recs.get('p99_ms', 1e9) <= TARGETS['recs_p99_ms'])} p99 <= 10 ms)",
        f"one connection (no queueing): single-row predict p50 "
        f"{results['ours_predict_1row_1conn'].get('p50_ms', float('nan')):.2f} ms, p99 "
        f"{results['ours_predict_1row_1conn'].get('p99_ms', float('nan')):.2f} ms; recommendations "
        f"p50 {results['ours_recommendations_1conn'].get('p50_ms', float('nan')):.2f} ms, p99 "
        f"{results['ours_recommendations_1conn'].get('p99_ms', float('nan')):.2f} ms",
        f"Little's law: at {args.connections} connections mean latency = {args.connections} / "
        "throughput, so p99 <= 10 ms needs well over "
        f"{args.connections / 0.010:.0f} req/s on these cores",
        f"errors: ours non-2xx {ours['non_2xx']:.0f} / {recs['non_2xx']:.0f}, mlflow non-2xx "
        f"{theirs['non_2xx']:.0f}; world setup {setup_s:.0f} s (scale {args.scale})",
    ]
    return {
        "benchmark": "api",
        "params": vars(args),
        "machine": machine_info(),
        "results": results,
        "speedup_single_row": round(speedup, 2),
        "summary": summary,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=0.02, help="generator scale of the world"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers", type=int, default=2, help="uvicorn workers per server"
    )
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds per wrk scenario"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--batch-requests", type=int, default=50)
    args = parser.parse_args(argv)
    print(json.dumps(run_benchmark(args), default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
