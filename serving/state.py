"""Everything one app instance holds: settings, metrics, models, warehouse, background tasks.

Created by `create_app` (nothing starts then); `start()` runs in the app's lifespan: it points
MLflow at the registry, opens the warehouse pool, loads the champion and the recommendation
snapshot, and starts the pollers. A failure in any of these leaves the app up and answering
503 where it matters (and `/ready` says why); the pollers keep retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field

from serving.core.config import ServingSettings
from serving.core.metrics import Metrics
from serving.services.churn_model import LoadedChurnModel
from serving.services.errors import ServiceUnavailable
from serving.services.model_store import ChurnModelStore, RefreshOutcome
from serving.services.recommendations import RecommendationStore
from serving.services.warehouse import Warehouse

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The app's long-lived collaborators (`app.state.services`)."""

    settings: ServingSettings
    metrics: Metrics
    churn: ChurnModelStore
    warehouse: Warehouse
    recommendations: RecommendationStore
    tasks: list[asyncio.Task] = field(default_factory=list)

    @classmethod
    def create(cls, settings: ServingSettings) -> Services:
        """Wire the collaborators without touching the network or the disk."""
        warehouse = Warehouse(None, "not started")
        churn = ChurnModelStore(
            settings.churn_model_name, settings.model_alias, settings.band_edges
        )
        services = cls(
            settings, Metrics(), churn, warehouse, RecommendationStore(warehouse)
        )
        churn.add_listener(services._on_model_swap)
        for reason in ("unloadable", "incompatible"):  # export zeros from the start
            services.metrics.model_reload_refusals.labels(churn.name, reason)
        return services

    def _on_model_swap(
        self, old: LoadedChurnModel | None, new: LoadedChurnModel
    ) -> None:
        self.metrics.set_loaded(
            new.name,
            new.alias,
            (old.version, old.scorer.kind) if old else None,
            (new.version, new.scorer.kind),
        )

    def require_churn_model(self) -> LoadedChurnModel:
        """The loaded churn model, or ServiceUnavailable saying why there is none."""
        model = self.churn.current
        if model is None:
            reason = self.churn.last_error or "still loading"
            raise ServiceUnavailable(
                f"no churn model loaded ({self.churn.name}@{self.churn.alias}): {reason}"
            )
        return model

    async def start(self) -> None:
        """Connect to the registry and the warehouse, load models, start the pollers."""
        from ml.tracking import configure_tracking

        s = self.settings
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        try:
            tracking = await asyncio.to_thread(configure_tracking, s.tracking_uri)
            self.churn.tracking_uri = tracking.tracking_uri
        except Exception as exc:
            self.churn.last_error = f"MLflow tracking unavailable: {exc}"
            log.error(self.churn.last_error)
        try:
            url = await asyncio.to_thread(s.warehouse_url)
            self.warehouse.open(
                url,
                max_size=s.pool_size,
                timeout=s.pool_timeout_seconds,
                statement_timeout_ms=s.statement_timeout_ms,
            )
        except Exception as exc:
            self.warehouse.error = f"cannot resolve the warehouse URL: {exc}"
            log.error(self.warehouse.error)
        await self.reload(force=False)
        if s.model_poll_seconds > 0:
            self.tasks.append(
                asyncio.create_task(self._poll_models(s.model_poll_seconds))
            )
        if s.recommendations_refresh_seconds > 0 and self.warehouse.pool is not None:
            self.tasks.append(
                asyncio.create_task(
                    self.recommendations.poll(s.recommendations_refresh_seconds)
                )
            )

    async def reload(self, force: bool = False) -> tuple[RefreshOutcome, bool]:
        """Refresh the churn model and the recommendation snapshot; returns both outcomes."""
        outcome = await self.churn.refresh(force=force)
        self._count(outcome)
        recs_changed = False
        if self.warehouse.pool is not None:
            recs_changed = await self.recommendations.refresh(force=True)
        return outcome, recs_changed

    async def _poll_models(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self._count(await self.churn.refresh())

    def _count(self, outcome: RefreshOutcome) -> None:
        label = (
            "failed"
            if outcome.error
            else ("swapped" if outcome.changed else "unchanged")
        )
        self.metrics.model_reloads.labels(self.churn.name, label).inc()
        if outcome.refused is not None:
            self.metrics.model_reload_refusals.labels(
                self.churn.name, outcome.refused.reason
            ).inc()

    async def stop(self) -> None:
        """Cancel the pollers and close the pool."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks.clear()
        self.warehouse.close()
