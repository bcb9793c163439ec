"""Drive an HTTP server with wrk (Debian package) on a chosen core layout; medians of runs."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

WARMUP_SECONDS = 2

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


@dataclass(frozen=True)
class Layout:
    """Where the server processes and wrk run, and how many of each."""

    name: str
    workers: int  # uvicorn workers per server
    server_cpus: str | None  # taskset CPU list for the server (None: not pinned)
    wrk_cpus: str | None
    wrk_threads: int

    def server_prefix(self) -> list[str]:
        return ["taskset", "-c", self.server_cpus] if self.server_cpus else []

    def wrk_prefix(self) -> list[str]:
        return ["taskset", "-c", self.wrk_cpus] if self.wrk_cpus else []

    def describe(self) -> str:
        server = f"{self.workers} uvicorn worker(s) per server"
        server += (
            f" pinned to core {self.server_cpus} (taskset -c {self.server_cpus})"
            if self.server_cpus
            else f" on all {os.cpu_count()} cores"
        )
        load = f"wrk with {self.wrk_threads} thread(s)"
        load += (
            f" pinned to core {self.wrk_cpus} (taskset -c {self.wrk_cpus})"
            if self.wrk_cpus
            else " on the same cores"
        )
        return f"{self.name}: {server}; {load}"


def pinned_layout() -> Layout | None:
    """Server on core 0, wrk on core 1 (one worker: one core for it); None when the machine
    has fewer than 2 cores or no taskset."""
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        return None
    return Layout("pinned", 1, "0", "1", 1)


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


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, float | str]:
    """requests/s, latency percentiles (ms), non-2xx and socket errors from `wrk --latency`."""
    out: dict[str, float | str] = {}
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
    out["socket_errors"] = errors.group(1).strip() if errors else "none"
    return out


def run_wrk(
    wrk: str,
    url: str,
    script: Path,
    connections: int,
    duration: int,
    layout: Layout,
) -> dict[str, float | str]:
    """One wrk run (after a short warm-up) on `layout`'s load-generator cores."""
    threads = min(layout.wrk_threads, connections)
    base = [
        *layout.wrk_prefix(),
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        "--latency",
        "-s",
        str(script),
    ]
    subprocess.run(
        [*base, f"-d{WARMUP_SECONDS}s", url], capture_output=True, check=True
    )
    done = subprocess.run(
        [*base, f"-d{duration}s", url], capture_output=True, text=True, check=True
    )
    return parse_wrk(done.stdout)


def median_of(runs: list[dict]) -> dict:
    """Each numeric figure's median over `runs`, plus the runs' throughput and p99."""
    out: dict = {}
    for key in runs[0]:
        values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
        if len(values) == len(runs):
            out[key] = round(statistics.median(values), 3)
        else:
            out[key] = sorted({str(r.get(key)) for r in runs})
    out["runs"] = len(runs)
    out["each_run"] = [
        {k: r.get(k) for k in ("requests_per_second", "p50_ms", "p99_ms") if k in r}
        for r in runs
    ]
    return out
