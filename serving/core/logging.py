"""Structured logs: one JSON object per line on stderr for the `serving` loggers."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

import orjson

_HANDLER_NAME = "ecom-api-json"
#: orjson handles only plain JSON types itself; anything else (datetimes, dataclasses,
#: subclasses such as numpy floats, non-str keys) falls back to `json.dumps(default=str)`.
_ORJSON_PLAIN = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _not_plain(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not a plain JSON type")


def dumps_line(payload: dict[str, Any]) -> str:
    """`payload` as one line of JSON: orjson for plain types (the access log's every
    request), the standard library with `default=str` otherwise."""
    try:
        return orjson.dumps(payload, default=_not_plain, option=_ORJSON_PLAIN).decode()
    except TypeError:
        return json.dumps(payload, default=str)


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", ...fields}`; fields come from `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return dumps_line(payload)


def configure_logging(level: str = "INFO") -> None:
    """Send the `serving` logger tree to stderr as JSON lines (idempotent)."""
    logger = logging.getLogger("serving")
    logger.setLevel(level.upper())
    logger.propagate = False
    if not any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
