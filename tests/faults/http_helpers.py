"""Raw-socket helpers for the endpoint's HTTP fault tests: a served model, byte-exact
exchanges, a response reader that trusts nothing, and the capture records written."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from dataclasses import dataclass, replace
from pathlib import Path

from core.serving.config import CaptureConfig
from core.serving.http_protocol import ServerLimits
from core.serving.server import EndpointServer
from tests.core.serving.capture_files import read_capture

NAME = "faults"


@contextlib.contextmanager
def serving(model, capture_root: Path, **limits):
    """An in-process endpoint capturing everything into ``capture_root``; synchronous capture,
    so a request's record is on disk before its answer is sent."""
    server = EndpointServer(NAME, model, CaptureConfig(enable=True,
                                                       destination=str(capture_root)),
                            sync_capture=True, limits=replace(ServerLimits(), **limits)).start()
    try:
        yield server
    finally:
        server.stop()


def good_row(model) -> bytes:
    return ",".join(["1"] * model.num_features).encode()


def invocation(body: bytes, inference_id: str, extra: bytes = b"") -> bytes:
    """A valid POST /invocations with a Content-Length, as bytes."""
    return (b"POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\n"
            b"X-Amzn-SageMaker-Inference-Id: " + inference_id.encode() + b"\r\n" + extra +
            b"Content-Length: %d\r\n\r\n" % len(body) + body)


def connect(port: int, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def exchange(port: int, data: bytes, *, timeout: float = 10.0, half_close: bool = True) -> bytes:
    """Send ``data`` on a new connection and read until the server closes it (or timeout)."""
    with connect(port, timeout) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return read_until_closed(sock, timeout)


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
    raise AssertionError(f"the server did not close the connection within {timeout} s; "
                         f"it sent {b''.join(chunks)[:300]!r}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def parse_responses(raw: bytes) -> list[Response]:
    """Every complete response in ``raw`` (each must carry a Content-Length)."""
    responses = []
    while raw:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        assert sep, f"a response head without its end: {raw[:200]!r}"
        lines = head.decode("latin-1").split("\r\n")
        version, status, _ = (lines[0] + " ").split(" ", 2)
        assert version == "HTTP/1.1", lines[0]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            assert name.lower() not in headers, f"response header {name} twice"
            headers[name.lower()] = value.strip()
        length = int(headers["content-length"])
        assert len(rest) >= length, "a response shorter than its Content-Length"
        responses.append(Response(int(status), headers, rest[:length]))
        raw = rest[length:]
    return responses


def captured_ids(capture_root: Path) -> list[str]:
    records, _ = read_capture(capture_root)
    return [r["eventMetadata"].get("inferenceId") for r in records]


def ping(port: int, timeout: float = 5.0) -> int:
    """Status of ``GET /ping`` on a fresh connection."""
    raw = exchange(port, b"GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                   timeout=timeout)
    return parse_responses(raw)[0].status
