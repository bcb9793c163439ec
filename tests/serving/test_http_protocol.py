"""`CoalescingHttpToolsProtocol`: one write per small response, and HTTP left intact."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from serving.core.http_protocol import CoalescingHttpToolsProtocol, CoalescingTransport

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


def _socket_transport_test(writes: list[bytes]) -> tuple[list[bytes], bytes]:
    """Write `writes` through a CoalescingTransport over a real socket pair; returns the
    writes the real transport was given and the bytes the other end received."""

    async def main() -> tuple[list[bytes], bytes]:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
        given: list[bytes] = []
        real_write = transport.write

        def spy(data: bytes) -> None:
            given.append(bytes(data))
            real_write(data)

        transport.write = spy  # type: ignore[method-assign]
        wrapped = CoalescingTransport(transport, loop)  # type: ignore[arg-type]
        for data in writes:
            wrapped.write(data)
        await asyncio.sleep(0.01)  # a few loop turns
        wrapped.close()
        await asyncio.sleep(0.01)
        received = b""
        theirs.settimeout(2)
        while chunk := theirs.recv(65536):
            received += chunk
        theirs.close()
        return given, received

    return asyncio.run(main())


def test_header_block_and_body_go_out_in_one_write():
    given, received = _socket_transport_test([HEAD, b"{}"])
    assert given == [HEAD + b"{}"]
    assert received == HEAD + b"{}"


def test_a_lone_header_block_goes_out_on_the_next_loop_turn():
    given, received = _socket_transport_test([HEAD])
    assert given == [HEAD]
    assert received == HEAD


def test_other_writes_pass_straight_through_in_order():
    chunks = [HEAD, b"a", b"b", b"HTTP/1.1 100 Continue\r\n\r\n", b"c"]
    given, received = _socket_transport_test(chunks)
    assert given == [HEAD + b"a", b"b", b"HTTP/1.1 100 Continue\r\n\r\nc"]
    assert received == b"".join(chunks)


# ---------------------------------------------------------------- live server


async def _json(request: Request) -> Response:
    return JSONResponse({"n": int(request.path_params["n"])})


async def _empty(request: Request) -> Response:
    return Response(status_code=204)


async def _stream(request: Request) -> Response:
    async def parts():
        for i in range(3):
            yield f"part{i};".encode()

    return StreamingResponse(parts(), media_type="text/plain")


async def _echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


APP = Starlette(
    routes=[
        Route("/json/{n}", _json, methods=["GET", "HEAD"]),
        Route("/empty", _empty),
        Route("/stream", _stream),
        Route("/echo", _echo, methods=["POST"]),
    ]
)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        APP,
        host="127.0.0.1",
        port=port,
        http=CoalescingHttpToolsProtocol,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), (
            "uvicorn did not start"
        )
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_keep_alive_requests_of_every_shape(server_url):
    with httpx.Client(base_url=server_url, timeout=10) as client:
        for n in range(20):  # one connection, many responses
            assert client.get(f"/json/{n}").json() == {"n": n}
        head = client.head("/json/7")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(b'{"n":7}'))
        empty = client.get("/empty")
        assert empty.status_code == 204 and empty.content == b""
        assert client.get("/stream").text == "part0;part1;part2;"
        big = bytes(range(256)) * 4096  # 1 MiB: several writes, flow control
        assert client.post("/echo", content=big).content == big
        assert client.get("/json/99").json() == {"n": 99}


def test_expect_100_continue_upload(server_url):
    with httpx.Client(base_url=server_url, timeout=10) as client:
        response = client.post(
            "/echo", content=b"payload", headers={"Expect": "100-continue"}
        )
    assert response.status_code == 200 and response.content == b"payload"


def test_connection_close_flushes_the_response(server_url):
    with httpx.Client(base_url=server_url, timeout=10) as client:
        response = client.get("/json/5", headers={"Connection": "close"})
    assert response.json() == {"n": 5}
