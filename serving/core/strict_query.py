"""Reject query parameters a route does not declare (422 naming them) instead of ignoring
them silently: `?K=5` for `?k=5` is a client bug the client should hear about."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError

_allowed: dict[int, frozenset[str]] = {}


def _query_names(dependant: object) -> set[str]:
    """Query parameters of a route's dependant and all its sub-dependencies."""
    if dependant is None:
        return set()
    names = {p.alias for p in getattr(dependant, "query_params", [])}
    for sub in getattr(dependant, "dependencies", []):
        names |= _query_names(sub)
    return names


def _declared(route: object) -> frozenset[str]:
    key = id(route)
    names = _allowed.get(key)
    if names is None:
        names = frozenset(_query_names(getattr(route, "dependant", None)))
        _allowed[key] = names
    return names


async def reject_unknown_query_parameters(request: Request) -> None:
    """Dependency: 422 when the query string holds a parameter the route does not declare."""
    if not request.query_params:
        return
    declared = _declared(request.scope.get("route"))
    unknown = [name for name in request.query_params if name not in declared]
    if unknown:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"Unknown query parameter (allowed: {sorted(declared) or 'none'})",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ]
        )
