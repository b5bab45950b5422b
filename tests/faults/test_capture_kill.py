"""kill -9 an endpoint with synchronous capture during 2,000 requests: every request it
answered has its capture record."""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import threading
import time
from urllib.parse import urlsplit

from core.serving.lifecycle import CaptureConfig, refresh_endpoints
from tests.core.serving.capture_files import read_capture_tolerant

REQUESTS, CLIENTS, KILL_AFTER = 2000, 8, 1000


def test_kill_9_during_2000_synchronous_requests_loses_no_answered_record(deploy, workspace,
                                                                         traffic_rows):
    record = deploy("kill-sync", CaptureConfig(enable=True, synchronous=True))
    assert record.capture_config["synchronous"] is True
    host, port = urlsplit(record.url).hostname, urlsplit(record.url).port
    numbers, acked, lock = itertools.count(), set(), threading.Lock()
    killed = threading.Event()

    def client() -> None:
        conn = None
        while (n := next(numbers)) < REQUESTS and not killed.is_set():
            try:
                conn = conn or http.client.HTTPConnection(host, port, timeout=10)
                conn.request("POST", "/invocations", body=traffic_rows[n % len(traffic_rows)],
                             headers={"Content-Type": "text/csv",
                                      "X-Amzn-SageMaker-Inference-Id": f"r{n}"})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    with lock:
                        acked.add(f"r{n}")
            except (OSError, http.client.HTTPException):
                return  # the server is gone

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acked) < KILL_AFTER and time.monotonic() < deadline:
        time.sleep(0.002)
    os.killpg(record.pid, signal.SIGKILL)  # kill -9, mid-traffic
    killed.set()
    for thread in threads:
        thread.join(30)

    records, torn = read_capture_tolerant(workspace.capture_dir / record.name)
    captured = [r["eventMetadata"]["inferenceId"] for r in records]
    assert KILL_AFTER <= len(acked) < REQUESTS, "the kill must come mid-traffic"
    assert len(captured) == len(set(captured)), "a record was written twice"
    missing = acked - set(captured)
    assert not missing, f"{len(missing)} answered requests have no capture record"
    assert torn <= 1
    assert refresh_endpoints(workspace)[0].status == "Failed"  # and it does not look alive
