"""How to start the BI app (used by `ecom serve app`)."""

from __future__ import annotations

import sys
from pathlib import Path

ENTRY = Path(__file__).resolve().with_name("Home.py")


def command(host: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The `streamlit run` command line serving the app on host:port (headless, no telemetry)."""
    if not 0 < port < 65536:
        raise ValueError(f"port must be in 1..65535, got {port}")
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ENTRY),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
