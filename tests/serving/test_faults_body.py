"""Request bodies past `max_body_bytes` over real HTTP: 413 with a JSON body naming the limit,
by Content-Length before the body is read, and for a chunked body (no Content-Length) as soon
as the limit is passed: the server answers while the client is still sending, and closes the
connection instead of reading the rest."""

from __future__ import annotations

import json
import socket
import time

import httpx

LIMIT = 4096
PREDICT = "/v1/churn/predict"
DETAIL = (
    f"request body larger than the limit of {LIMIT} bytes (ECOM_API_MAX_BODY_BYTES)"
)
#: How much the chunked client is prepared to send: far past the limit, so a server that read
#: the whole body before answering would be caught still reading when the client gives up.
CLIENT_BUDGET = 64 * 1024 * 1024


def _response(raw: bytes) -> tuple[int, dict[str, str], dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    return status, headers, json.loads(body[:length])


def _send_chunked_until_answered(port: int) -> tuple[int, bytes, bool]:
    """POST an endless chunked JSON body; returns (bytes sent, response, closed by server)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(
            f"POST {PREDICT} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b'{"rows": [' + b" " * 1014
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        sock.setblocking(False)
        sent, raw = 0, b""
        deadline = time.monotonic() + 30
        while b"\r\n\r\n" not in raw or len(raw) < raw.index(b"\r\n\r\n") + 4:
            assert time.monotonic() < deadline, "no response within 30 s"
            assert sent < CLIENT_BUDGET, f"no response after sending {sent} bytes"
            try:
                data = sock.recv(65536)
                if not data:
                    break
                raw += data
                continue
            except BlockingIOError:
                pass
            try:
                sent += sock.send(frame)
            except BlockingIOError:
                time.sleep(0.005)
        # read the rest of the response, then expect the server to close the connection
        sock.settimeout(10)
        closed = False
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    closed = True
                    break
                raw += data
        except ConnectionResetError:
            closed = True
        except TimeoutError:
            closed = False
        return sent, raw, closed
    finally:
        sock.close()


def test_chunked_body_past_the_limit_is_413_before_the_body_ends(live_server_factory):
    server = live_server_factory(max_body_bytes=LIMIT)
    sent, raw, closed = _send_chunked_until_answered(server.port)
    status, headers, body = _response(raw)
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert body == {"detail": DETAIL, "limit_bytes": LIMIT}
    assert headers["connection"] == "close"
    assert closed, "the server kept the connection open to read the rest of the body"
    # answered long before the client's budget: the server did not wait for the end
    assert sent < CLIENT_BUDGET / 4
    # and the server is fine afterwards
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200


def test_content_length_past_the_limit_is_413_without_reading_the_body(
    live_server_factory,
):
    server = live_server_factory(max_body_bytes=LIMIT)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        # announce a huge body and send none of it: the answer cannot depend on reading it
        sock.sendall(
            f"POST {PREDICT} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {10 * 1024**3}\r\n\r\n".encode()
        )
        raw = b""
        while b"\r\n\r\n" not in raw or not raw.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            raw += data
    status, headers, body = _response(raw)
    assert status == 413
    assert body == {"detail": DETAIL, "limit_bytes": LIMIT}
    assert headers["connection"] == "close"


def test_streamed_body_past_the_limit_with_httpx(live_server_factory, feature_row):
    """httpx sends a generator body chunked; under the limit it is scored, over it is 413."""
    server = live_server_factory(max_body_bytes=LIMIT)
    small = json.dumps({"rows": [feature_row]}).encode()
    assert len(small) < LIMIT

    def stream(payload: bytes, piece: int = 512):
        for start in range(0, len(payload), piece):
            yield payload[start : start + piece]

    headers = {"Content-Type": "application/json"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        ok = client.post(PREDICT, content=stream(small), headers=headers)
        assert ok.status_code == 200, ok.text
        assert "content-length" not in ok.request.headers
        big = json.dumps({"rows": [feature_row] * 40}).encode()
        assert len(big) > LIMIT
        refused = client.post(PREDICT, content=stream(big), headers=headers)
        assert refused.status_code == 413
        assert refused.json() == {"detail": DETAIL, "limit_bytes": LIMIT}
