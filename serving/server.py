"""Run the service with uvicorn (`ecom serve api` calls `run`)."""

from __future__ import annotations

import os
import tempfile


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve `serving.main:create_app` on host:port with `workers` processes (blocks).

    Binds 127.0.0.1 unless told otherwise. With several workers, Prometheus samples are
    shared through a temporary PROMETHEUS_MULTIPROC_DIR (unless one is set already), and
    each worker accepts one connection at a time (UV_TCP_SINGLE_ACCEPT, unless set already):
    the workers share one listening socket, and by default libuv (uvloop) accepts every
    pending connection in one go, so a burst of new connections could land mostly on one
    worker (32 keep-alive connections were seen split 29/3) while the other idles. The HTTP
    protocol is uvicorn's stock httptools implementation.
    """
    import uvicorn

    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if workers > 1:
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
                prefix="ecom-api-metrics-"
            )
        os.environ.setdefault("UV_TCP_SINGLE_ACCEPT", "1")
    uvicorn.run(
        "serving.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the app logs one JSON line per request itself
        log_level="info",
        proxy_headers=False,
        http="httptools",
    )
