"""Domain errors of the service; `serving.core.errors` maps them to HTTP responses."""

from __future__ import annotations


class ServiceUnavailable(RuntimeError):
    """A model, table or the warehouse needed for the request is unavailable (HTTP 503)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(LookupError):
    """The requested customer or product does not exist (HTTP 404)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
