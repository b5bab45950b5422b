"""HTTP details of the endpoint server: 100-continue, HEAD, methods, header case, keep-alive,
half-closed clients."""

from __future__ import annotations

import socket

import pytest

from core.serving.config import CaptureConfig
from core.serving.server import EndpointServer
from tests.faults.http_helpers import (  # raw-socket helpers shared with the fault tests
    connect,
    exchange,
    good_row,
    invocation,
    parse_responses,
    read_until_closed,
)


@pytest.fixture(scope="module")
def server(model, tmp_path_factory):
    srv = EndpointServer("http-details", model, CaptureConfig(
        enable=True, destination=str(tmp_path_factory.mktemp("capture")))).start()
    yield srv
    srv.stop()


def test_expect_100_continue_is_answered_then_the_body_read(server, model):
    row = good_row(model)
    with connect(server.port) as sock:
        sock.sendall(invocation(row, "expect", b"Expect: 100-continue\r\n")[:-len(row)])
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(row)
        sock.shutdown(socket.SHUT_WR)
        assert [r.status for r in parse_responses(read_until_closed(sock, 10))] == [200]


def test_expect_100_continue_over_the_limit_is_refused_without_waiting(server):
    head = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            b"Expect: 100-continue\r\nContent-Length: 7000000\r\n\r\n")
    with connect(server.port) as sock:
        sock.sendall(head)  # and never the body: the server must not wait for it
        responses = parse_responses(read_until_closed(sock, 5))
    assert [r.status for r in responses] == [413]
    assert responses[0].headers["connection"] == "close"


def test_head_ping_and_wrong_methods(server):
    raw = exchange(server.port, b"HEAD /ping HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200 ") and raw.endswith(b"\r\n\r\n")  # no body
    (response,) = parse_responses(exchange(server.port, b"GET /invocations HTTP/1.1\r\n"
                                                        b"Host: x\r\n\r\n"))
    assert response.status == 405 and response.headers["allow"] == "POST"
    (response,) = parse_responses(exchange(server.port, b"DELETE /ping HTTP/1.1\r\n"
                                                        b"Host: x\r\n\r\n"))
    assert response.status == 405


def test_answers_keep_header_case_and_carry_date_and_request_id(server, model):
    raw = exchange(server.port, invocation(good_row(model), "case"))
    head = raw.split(b"\r\n\r\n", 1)[0]
    for name in (b"\r\nContent-Type: ", b"\r\nContent-Length: ", b"\r\nx-amzn-RequestId: ",
                 b"\r\nx-Amzn-Invoked-Production-Variant: AllTraffic", b"\r\ndate: "):
        assert name in head, name
    assert b"server:" not in head.lower()


def test_one_keep_alive_connection_serves_many_requests(server, model):
    with connect(server.port) as sock:
        for number in range(100):
            sock.sendall(invocation(good_row(model), f"keep-{number}"))
            data = b""
            while not data.endswith(b"\n") or b"\r\n\r\n" not in data:
                data += sock.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
            assert data.startswith(b"HTTP/1.1 200 ")
