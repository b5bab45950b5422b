"""Traffic replay: rate, concurrency, repeat, inference ids, errors, live counters."""

from __future__ import annotations

import threading
import time

import boto3
import pytest

from core.errors import InputError, ValidationError
from core.serving.config import CaptureConfig
from core.serving.model import load_model
from core.serving.server import EndpointServer
from core.serving.traffic import TrafficPlan, TrafficRunner, read_requests


@pytest.fixture(scope="module")
def server(model_tar, tmp_path_factory):
    capture = tmp_path_factory.mktemp("capture")
    srv = EndpointServer("traffic-ep", load_model(model_tar),
                         CaptureConfig(enable=True, destination=str(capture))).start()
    srv.capture_root = capture
    yield srv
    srv.stop()


@pytest.fixture
def csv_file(tmp_path, demo_root):
    rows = (demo_root / "datasets/churn-traffic.csv").read_text().splitlines()[:50]
    path = tmp_path / "rows.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_repeat_concurrency_and_inference_ids(server, csv_file):
    seen, lock = [], threading.Lock()

    def invoke(body, content_type, inference_id):
        with lock:
            seen.append((body, content_type, inference_id))
        return b"0.5"

    runner = TrafficRunner(TrafficPlan(invoke, csv_file, concurrency=4, repeat=3,
                                       inference_ids=True)).start()
    assert runner.wait(30)
    stats = runner.snapshot()
    assert stats.sent == 150 and stats.errors == 0 and not stats.running
    assert sorted(int(i) for _, _, i in seen) == list(range(1, 151))
    assert {c for _, c, _ in seen} == {"text/csv"}


def test_rate_is_respected(server, csv_file):
    runner = TrafficRunner(TrafficPlan(server.url, csv_file, rows_per_second=100,
                                       concurrency=4)).start()
    started = time.monotonic()
    assert runner.wait(30)
    elapsed = time.monotonic() - started
    assert runner.snapshot().sent == 50
    assert 0.45 <= elapsed < 5.0  # 50 rows at 100/s take about half a second


def test_until_stopped_against_the_runtime_route(server, csv_file):
    runner = TrafficRunner(TrafficPlan(server.url, csv_file, repeat=None, concurrency=2,
                                       endpoint_name="traffic-ep")).start()
    time.sleep(0.5)
    mid = runner.snapshot()
    assert mid.running and mid.sent > 0
    runner.stop()
    stats = runner.snapshot()
    assert not stats.running and stats.errors == 0 and stats.sent >= mid.sent
    assert stats.p50_ms > 0 and stats.p50_ms <= stats.p95_ms <= stats.p99_ms
    assert stats.rows_per_second > 0 and len(stats.recent) == min(stats.sent, 5000)


def test_boto3_invoker_and_counted_errors(server, tmp_path):
    good = ",".join(["1"] * 69)
    path = tmp_path / "mixed.csv"
    path.write_text(f"{good}\n1,2,3\n{good}\n")
    client = boto3.client("sagemaker-runtime", endpoint_url=server.url, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")

    def invoke(body: bytes, content_type: str, inference_id: str | None) -> bytes:
        return client.invoke_endpoint(EndpointName="traffic-ep", ContentType=content_type,
                                      Body=body)["Body"].read()

    runner = TrafficRunner(TrafficPlan(invoke, path)).start()
    assert runner.wait(30)
    stats = runner.snapshot()
    assert stats.sent == 3 and stats.errors == 1 and "expects 69" in stats.last_error


def test_http_errors_are_counted(server, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("1,2\n")
    runner = TrafficRunner(TrafficPlan(server.url, path, repeat=2)).start()
    assert runner.wait(30)
    stats = runner.snapshot()
    assert stats.errors == 2 and "HTTP 400" in stats.last_error


def test_jsonl_and_header_detection(tmp_path):
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text('{"instances": [[1, 2]]}\n\n[3, 4]\n')
    assert read_requests(jsonl) == ([b'{"instances": [[1, 2]]}', b"[3, 4]"], "application/json")
    csv = tmp_path / "rows.csv"
    csv.write_text("a,b\n1,2\n")
    assert read_requests(csv) == ([b"1,2"], "text/csv")


def test_bad_plans(tmp_path):
    with pytest.raises(InputError, match="empty.csv"):
        TrafficRunner(TrafficPlan("http://127.0.0.1:1", tmp_path / "empty.csv"))
    (tmp_path / "x.csv").write_text("1\n")
    with pytest.raises(ValidationError):
        TrafficRunner(TrafficPlan("http://127.0.0.1:1", tmp_path / "x.csv", concurrency=0))
    with pytest.raises(ValidationError):
        TrafficRunner(TrafficPlan("http://127.0.0.1:1", tmp_path / "x.csv", repeat=0))
