"""uvicorn's httptools protocol, sending each small response in one write.

uvicorn writes a response's status line and headers as soon as the app sends
`http.response.start`, and the body when it sends `http.response.body`: two `send` calls,
so two TCP segments, and two wake-ups of the client, for every response. On loopback and on
a 2-core machine shared with the load generator, that second segment is a measurable share
of a single-row prediction (the kernel does the receiving side's work in the sender's
context).

`CoalescingHttpToolsProtocol` gives each connection a transport that holds a header block
back until the next write (the body, which the app sends in the same event-loop step), then
writes both at once. A header block with no write behind it (a HEAD, a 204, an interim
`100 Continue`) goes out on the next turn of the loop, and `close()` writes anything held
first, so nothing is delayed by more than one loop turn and nothing is lost.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_STATUS_LINE_START = b"HTTP/1.1 "
_HEADERS_END = b"\r\n\r\n"


class CoalescingTransport:
    """A transport proxy that joins a header block with the write that follows it."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        elif data.startswith(_STATUS_LINE_START) and data.endswith(_HEADERS_END):
            self._held = data
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        """Write a held header block now (no-op when nothing is held)."""
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # everything else is the real transport's
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` over a `CoalescingTransport` (pass as uvicorn's `http`)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(
            CoalescingTransport(transport, self.loop)  # type: ignore[arg-type]
        )
