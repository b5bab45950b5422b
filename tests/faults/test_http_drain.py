"""Undeploy drains within 5 s however clients behave: stuck mid-body, mid-head, idle, or
never reading; answered requests keep their capture records and the process is gone."""

from __future__ import annotations

import os
import time

from core.serving.lifecycle import CaptureConfig, undeploy
from tests.core.serving.capture_files import read_capture
from tests.faults.http_helpers import (
    connect,
    good_row,
    invocation,
    parse_responses,
    read_until_closed,
)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_undeploy_with_stuck_clients_finishes_within_5_s(deploy, workspace, model):
    record = deploy("drain-stuck", CaptureConfig(enable=True))
    body = good_row(model)
    answered = connect(record.port)  # one answered request, then idle keep-alive
    answered.sendall(invocation(body, "answered"))
    time.sleep(0.5)
    mid_body = connect(record.port)
    mid_body.sendall(invocation(body, "mid-body")[:-10])
    mid_head = connect(record.port)
    mid_head.sendall(b"POST /invocations HTTP/1.1\r\nHost: localhost\r\nX-Slow: a")
    not_reading = connect(record.port)  # pipelines requests and never reads an answer
    not_reading.sendall(b"".join(invocation(body, f"unread-{i}") for i in range(50)))
    idle = [connect(record.port) for _ in range(50)]
    clients = [answered, mid_body, mid_head, not_reading, *idle]
    try:
        time.sleep(0.3)  # every client's bytes have reached the server
        assert not _gone(record.pid), "the server died before undeploy"
        started = time.monotonic()
        undeploy(workspace, record.name)
        took = time.monotonic() - started
        assert took < 5.0, f"undeploy took {took:.1f} s"
        assert _gone(record.pid)
        assert workspace.get_endpoint(record.name).status == "Deleted"
        assert [r.status for r in parse_responses(read_until_closed(answered, 5))] == [200]
        stuck = parse_responses(read_until_closed(mid_body, 5))
        assert [r.status for r in stuck] == [503]  # told why, then cut
    finally:
        for sock in clients:
            sock.close()
    records, _ = read_capture(workspace.capture_dir / record.name)
    ids = {r["eventMetadata"]["inferenceId"] for r in records}
    assert "answered" in ids and "mid-body" not in ids
