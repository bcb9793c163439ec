"""Prometheus metrics of one app: request counts and latency by route template and status,
and which model versions are loaded.

With several uvicorn workers set `PROMETHEUS_MULTIPROC_DIR` (serving.server.run does): each
worker writes its samples there and `/metrics` aggregates them.
"""

from __future__ import annotations

import contextlib
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.004,
    0.006,
    0.008,
    0.01,
    0.02,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    """The app's metric families, in their own registry (several apps may share a process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ecom_api_requests_total",
            "HTTP requests by method, route template and status code",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ecom_api_request_duration_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.model_loaded = Gauge(
            "ecom_api_model_loaded",
            "1 for each model version loaded in memory",
            ["model", "version", "alias"],
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.churn_scorer = Gauge(
            "ecom_api_churn_scorer",
            "1 for the scorer of each loaded churn version: fast (passed its load-time "
            "check against predict_proba) or pipeline (predict_proba; /v1/models says why)",
            ["model", "version", "scorer"],
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.model_reloads = Counter(
            "ecom_api_model_reloads_total",
            "Model refreshes by outcome (swapped, unchanged, failed)",
            ["model", "outcome"],
            registry=self.registry,
        )
        self.model_reload_refusals = Counter(
            "ecom_api_model_reload_refusals_total",
            "Versions the alias moved to that the service refused to serve, by reason "
            "(unloadable: artifact missing or corrupt; incompatible: not a churn classifier "
            "or signature and pipeline disagree); the previous model kept serving",
            ["model", "reason"],
            registry=self.registry,
        )
        self.predicted_rows = Counter(
            "ecom_api_churn_rows_scored_total",
            "Feature rows scored by the churn model",
            registry=self.registry,
        )
        #: (method, route, status) -> the request counter's and latency histogram's children
        self._request_children: dict[
            tuple[str, str, int], tuple[Counter, Histogram]
        ] = {}

    def observe_request(
        self, method: str, route: str, status: int, seconds: float
    ) -> None:
        """Count one request and record its latency (label children looked up once)."""
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def set_loaded(
        self,
        model: str,
        alias: str,
        old: tuple[str, str] | None,
        new: tuple[str, str],
    ) -> None:
        """Mark `new` (version, scorer kind) as what is loaded for `model`, and `old` as no
        longer loaded."""
        if old is not None and old != new:
            if old[0] != new[0]:
                self._unset(self.model_loaded, model, old[0], alias)
            self._unset(self.churn_scorer, model, *old)
        self.model_loaded.labels(model, new[0], alias).set(1)
        self.churn_scorer.labels(model, *new).set(1)

    @staticmethod
    def _unset(gauge: Gauge, *labels: str) -> None:
        if _multiprocess():  # other processes' samples live on: zero ours
            gauge.labels(*labels).set(0)
        else:
            with contextlib.suppress(KeyError):
                gauge.remove(*labels)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        if _multiprocess():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
