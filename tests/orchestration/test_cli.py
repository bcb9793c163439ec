"""The `ecom` entry point: help, argument errors, and `ecom serve api` answering over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ECOM = str(Path(sys.executable).with_name("ecom"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_help_lists_every_command_group() -> None:
    out = subprocess.run([ECOM, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for command in ("db", "generate", "load", "dbt", "run", "serve"):
        assert command in out.stdout


def test_generate_rejects_unknown_fault_class(tmp_path: Path) -> None:
    out = subprocess.run(
        [ECOM, "generate", "--out", str(tmp_path / "b"), "--inject-faults", "bogus"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "unknown fault class" in out.stderr and "null_keys" in out.stderr
    assert not (tmp_path / "b").exists()


def test_load_refuses_tampered_batch(tmp_path: Path, fresh_database: str) -> None:
    env = dict(os.environ, ECOM_DATABASE_URL=fresh_database)
    batch = tmp_path / "b"
    gen = subprocess.run(
        [ECOM, "generate", "--out", str(batch), "--scale", "0.002"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert gen.returncode == 0, gen.stderr
    with (batch / "brands.csv").open("a") as fh:
        fh.write("9999,Tampered,false\n")
    out = subprocess.run(
        [ECOM, "load", str(batch)], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 1
    assert "brands.csv" in out.stderr and "checksum" in out.stderr.lower()


def test_serve_api_binds_localhost_and_answers_health() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [ECOM, "serve", "api", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/health", timeout=5
                ) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
