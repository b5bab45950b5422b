"""Connections cannot be held for free: idle ones close after the idle timeout (1,000 of them
while /ping answers), a head or body trickled in byte by byte is cut off with 408, a head that
keeps growing with 431, and connections beyond the cap are closed at accept."""

from __future__ import annotations

import selectors
import socket
import time

from tests.faults.http_helpers import (
    captured_ids,
    connect,
    exchange,
    good_row,
    invocation,
    parse_responses,
    ping,
    read_until_closed,
    serving,
)

IDLE = 2.0


def _closed_at(socks: list[socket.socket], deadline: float) -> dict[socket.socket, float]:
    """When each socket saw the server close it (EOF or reset), until ``deadline``."""
    closed: dict[socket.socket, float] = {}
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while len(closed) < len(socks) and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.1):
                try:
                    data = key.fileobj.recv(1024)
                except ConnectionResetError:
                    data = b""
                assert data == b"", f"an idle connection was sent {data[:100]!r}"
                closed[key.fileobj] = time.monotonic()
                selector.unregister(key.fileobj)
    return closed


def test_1000_idle_connections_close_after_the_idle_timeout_while_ping_answers(model,
                                                                              tmp_path):
    with serving(model, tmp_path, idle_timeout=IDLE) as server:
        opened = time.monotonic()
        socks = [connect(server.port) for _ in range(1000)]
        try:
            # Half-way through the timeout: every one still open, and the endpoint serves.
            time.sleep(max(0.0, opened + IDLE / 2 - time.monotonic()))
            started = time.monotonic()
            assert ping(server.port) == 200
            assert time.monotonic() - started < 1.0
            early = _closed_at(socks, time.monotonic() + 0.05)
            assert not early, f"{len(early)} closed before the idle timeout"
            closed = _closed_at(socks, opened + IDLE + 5.0)
            assert len(closed) == 1000, f"{1000 - len(closed)} idle connections still open"
            assert min(closed.values()) >= opened + IDLE - 0.1
            assert ping(server.port) == 200
        finally:
            for sock in socks:
                sock.close()


def test_an_idle_keep_alive_connection_closes_after_its_last_answer(model, tmp_path):
    with serving(model, tmp_path, idle_timeout=IDLE) as server, connect(server.port) as sock:
        sock.sendall(invocation(good_row(model), "kept-alive"))
        time.sleep(IDLE / 2)  # answered long before; the clock starts at the answer
        answered = time.monotonic()
        raw = read_until_closed(sock, IDLE + 3)
        assert [r.status for r in parse_responses(raw)] == [200]
        assert time.monotonic() - answered >= IDLE / 2 - 0.2


def _trickle(sock: socket.socket, data: bytes, every: float, until: float) -> bytes:
    """Send ``data`` a byte at a time until the server closes; returns what it answered."""
    sock.settimeout(every)
    received = b""
    for byte in data:
        if time.monotonic() > until:
            break
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            break
        if not chunk:
            return received
        received += chunk
    return received + read_until_closed(sock, 2.0)


def test_slowloris_head_is_cut_off_with_408(model, tmp_path):
    head = b"POST /invocations HTTP/1.1\r\nHost: localhost\r\n" + b"X-Slow: " + b"a" * 10_000
    with serving(model, tmp_path, head_timeout=1.5, idle_timeout=1.0) as server:
        with connect(server.port) as sock:
            started = time.monotonic()
            raw = _trickle(sock, head, every=0.1, until=started + 8)
            took = time.monotonic() - started
            assert ping(server.port) == 200
        responses = parse_responses(raw)
        assert [r.status for r in responses] == [408]
        assert "headers" in responses[0].json()["Message"]
        assert 1.4 < took < 4.0, took


def test_slowloris_body_is_cut_off_with_408_and_not_captured(model, tmp_path):
    body = good_row(model)
    with serving(model, tmp_path, body_timeout=1.5, idle_timeout=1.0) as server:
        with connect(server.port) as sock:
            head = invocation(body, "slow-body")[:-len(body)]
            sock.sendall(head)
            started = time.monotonic()
            raw = _trickle(sock, body, every=0.1, until=started + 8)
            took = time.monotonic() - started
        responses = parse_responses(raw)
        assert [r.status for r in responses] == [408]
        assert "body" in responses[0].json()["Message"]
        assert 1.4 < took < 4.0, took
        assert "slow-body" not in captured_ids(tmp_path)
        assert [r.status for r in parse_responses(
            exchange(server.port, invocation(body, "fast")))] == [200]


def test_a_head_growing_in_small_pieces_is_refused_at_the_size_limit(model, tmp_path):
    with serving(model, tmp_path) as server, connect(server.port) as sock:
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: localhost\r\nX-Grow: ")
        received = b""
        for _ in range(200):  # 200 x 1 KB: far past 16 KB if nothing stopped it
            try:
                sock.sendall(b"a" * 1024)
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.005)
        received = read_until_closed(sock, 5.0)
        assert [r.status for r in parse_responses(received)] == [431]


def test_connections_beyond_the_cap_are_closed_at_accept(model, tmp_path):
    with serving(model, tmp_path, max_connections=50) as server:
        kept = [connect(server.port) for _ in range(50)]
        time.sleep(0.3)  # let the server accept them all
        extra = [connect(server.port) for _ in range(10)]
        try:
            closed = _closed_at(extra, time.monotonic() + 3.0)
            assert len(closed) == 10
            assert not _closed_at(kept, time.monotonic() + 0.05)
            for sock in kept[:5]:
                sock.close()
            time.sleep(0.3)
            assert ping(server.port) == 200
        finally:
            for sock in kept + extra:
                sock.close()
