"""Concurrency is bounded: past ``max_in_flight`` invocations the endpoint answers 503 at once
(never captured), /ping keeps answering, and a freed slot serves again."""

from __future__ import annotations

import threading

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

BOUND = 3


def test_past_the_bound_new_invocations_get_503_until_a_slot_frees(model, tmp_path):
    body = good_row(model)
    with serving(model, tmp_path, max_in_flight=BOUND, body_timeout=30) as server:
        held = []
        for number in range(BOUND):  # in flight: the head is in, the body is not
            sock = connect(server.port)
            request = invocation(body, f"held-{number}")
            sock.sendall(request[:-5])
            held.append((sock, request[-5:]))
        try:
            refused = parse_responses(exchange(server.port, invocation(body, "over-1")))
            assert [r.status for r in refused] == [503]
            assert refused[0].json()["ErrorCode"] == "ServiceUnavailable"
            assert ping(server.port) == 200  # health checks are not invocations
            sock, rest = held.pop()
            sock.sendall(rest)
            sock.shutdown(2 - 1)  # SHUT_WR: this one is complete
            assert [r.status for r in parse_responses(read_until_closed(sock, 10))] == [200]
            sock.close()
            served = parse_responses(exchange(server.port, invocation(body, "after-free")))
            assert [r.status for r in served] == [200]
        finally:
            for sock, _ in held:
                sock.close()
        ids = captured_ids(tmp_path)
        assert "over-1" not in ids and {f"held-{BOUND - 1}", "after-free"} <= set(ids)


def test_a_burst_past_the_bound_is_answered_200_or_503_and_only_200s_are_captured(
        model, tmp_path):
    body, clients, per_client = good_row(model), 24, 20
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def client(number: int) -> None:
        for i in range(per_client):
            inference_id = f"burst-{number}-{i}"
            raw = exchange(server.port, invocation(body, inference_id), timeout=30)
            (response,) = parse_responses(raw)
            with lock:
                statuses[inference_id] = response.status

    with serving(model, tmp_path, max_in_flight=2) as server:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert len(statuses) == clients * per_client
    assert set(statuses.values()) <= {200, 503}
    ok = {i for i, status in statuses.items() if status == 200}
    assert ok and len(ok) < len(statuses), "the burst never reached the bound"
    assert set(captured_ids(tmp_path)) == ok
