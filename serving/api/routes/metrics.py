"""Prometheus exposition (outside /v1: scrapers do not send API keys)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from serving.api.deps import ServicesDep

router = APIRouter(tags=["observability"])


@router.get("/metrics", include_in_schema=False)
def get_metrics(services: ServicesDep) -> Response:
    """Request counts, latency histograms and loaded model versions."""
    body, content_type = services.metrics.render()
    return Response(content=body, media_type=content_type)
