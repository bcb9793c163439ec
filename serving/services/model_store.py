"""Hold the served churn model and follow its registry alias (hot swap on change).

`refresh()` resolves `<name>@<alias>` to a version with `MlflowClient.get_model_version_by_alias`
and, when the version differs from the one in memory (or `force`), loads the new version in a
worker thread and swaps it in atomically; requests in flight finish on the model they started
with. A failed load keeps the current model and records the error. `poll()` repeats
`refresh()` every `interval` seconds: moving the alias in the registry is all it takes to
deploy a new version.

A version the alias points at that cannot serve is *refused*: `unloadable` (its artifact is
missing or corrupt, or the registry failed mid-load) or `incompatible` (it loads but is not a
binary churn classifier, or its signature disagrees with its pipeline). The current model
keeps serving, `refused` records the version and why (shown by `GET /v1/models`, counted in
`ecom_api_model_reload_refusals_total`), and while a model serves the same refused version
is not tried again until the alias moves or a forced reload asks for it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from serving.services.churn_model import (
    IncompatibleModel,
    LoadedChurnModel,
    load_churn_version,
)

log = logging.getLogger(__name__)

Listener = Callable[[LoadedChurnModel | None, LoadedChurnModel], None]


RefusalReason = Literal["unloadable", "incompatible"]


@dataclass(frozen=True)
class Refusal:
    """A version the alias pointed at that the service declined to serve."""

    version: str
    reason: RefusalReason
    detail: str
    refused_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class RefreshOutcome:
    """What one refresh found and did (`refused`: a version refused by this refresh)."""

    model: str
    alias: str
    previous_version: str | None
    version: str | None
    changed: bool
    error: str | None = None
    refused: Refusal | None = None


class ChurnModelStore:
    """The in-memory churn model behind `<name>@<alias>`."""

    def __init__(
        self,
        name: str,
        alias: str,
        band_edges: tuple[float, float],
        tracking_uri: str | None = None,
    ) -> None:
        self.name = name
        self.alias = alias
        self.band_edges = band_edges
        self.tracking_uri = tracking_uri
        self.current: LoadedChurnModel | None = None
        self.last_error: str | None = None
        self.last_checked_at: dt.datetime | None = None
        #: the latest version refused while the alias still points at it (None: none)
        self.refused: Refusal | None = None
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()

    def client(self):
        """An MlflowClient on the configured tracking/registry URI."""
        from mlflow import MlflowClient

        return MlflowClient(
            tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri
        )

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(old, new)` on the event loop after every swap."""
        self._listeners.append(listener)

    def _resolve(self) -> str:
        from mlflow.exceptions import MlflowException

        try:
            return str(
                self.client().get_model_version_by_alias(self.name, self.alias).version
            )
        except MlflowException as exc:
            raise LookupError(
                f"registry has no {self.name}@{self.alias}: {exc.message}"
            ) from None

    def _load(self, version: str) -> LoadedChurnModel:
        return load_churn_version(
            self.client(), self.name, version, self.alias, self.band_edges
        )

    async def refresh(self, force: bool = False) -> RefreshOutcome:
        """Load the version the alias points at if it is not the one in memory."""
        async with self._lock:
            previous = self.current
            old_version = previous.version if previous else None
            self.last_checked_at = dt.datetime.now(dt.UTC)
            try:
                version = await asyncio.to_thread(self._resolve)
            except Exception as exc:
                return self._failed(old_version, f"{type(exc).__name__}: {exc}")
            if version == old_version and not force:
                self.last_error = self.refused = None
                return RefreshOutcome(
                    self.name, self.alias, old_version, version, False
                )
            refused = self.refused
            if (
                refused is not None
                and refused.version == version
                and previous is not None
                and not force
            ):  # already refused: keep serving without loading it again
                return self._failed(old_version, self.last_error or refused.detail)
            try:
                loaded = await asyncio.to_thread(self._load, version)
            except Exception as exc:
                reason: RefusalReason = (
                    "incompatible"
                    if isinstance(exc, IncompatibleModel)
                    else "unloadable"
                )
                detail = f"{type(exc).__name__}: {exc}"
                self.refused = Refusal(version, reason, detail)
                return self._failed(
                    old_version,
                    f"version {version} refused ({reason}): {detail}",
                    self.refused,
                )
            self.current = loaded
            self.last_error = self.refused = None
            log.info(
                "churn model %s@%s: version %s -> %s (scorer %s%s)",
                self.name,
                self.alias,
                old_version,
                loaded.version,
                loaded.scorer.kind,
                f": {loaded.scorer.reason}" if loaded.scorer.reason else "",
            )
            for listener in self._listeners:
                listener(previous, loaded)
            return RefreshOutcome(
                self.name, self.alias, old_version, loaded.version, True
            )

    def _failed(
        self, old_version: str | None, error: str, refused: Refusal | None = None
    ) -> RefreshOutcome:
        self.last_error = error
        log.warning("churn model refresh failed: %s", error)
        return RefreshOutcome(
            self.name, self.alias, old_version, old_version, False, error, refused
        )

    async def poll(self, interval: float) -> None:
        """Refresh every `interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            await self.refresh()
