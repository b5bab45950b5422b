"""End to end on the loopback AWS server, with the app's own engine:

dataset uploaded to S3 -> baseline written to S3 -> endpoint deployed with capture -> traffic
through sagemaker-runtime with client-side capture records in S3 -> monitoring execution
reading and writing S3 -> metrics read back with GetMetricData -> the execution opened by the
GUI's loader (``results.open_execution``) like a local one.

Everything goes over HTTP to moto in server mode. Not exercised against a server: the model
itself (moto's sagemaker-runtime runs no container; its documented results queue supplies the
predictions) and SageMaker's own capture (moto captures nothing; the client-side capture path
writes the records, in the same format and layout).
"""

from __future__ import annotations

import json
import random
import urllib.request
from datetime import UTC, datetime, timedelta

from core.backends.aws.endpoints import deploy_endpoint
from core.backends.aws.engine_runs import monitor_s3, suggest_baseline_s3
from core.backends.aws.invoke import ClientSideCapture, sagemaker_invoke
from core.backends.aws.metrics import metric_values
from core.backends.aws.results import open_execution
from core.serving.config import CaptureConfig
from core.backends.storage import Storage
from core.serving.traffic import TrafficPlan, TrafficRunner
from core.workspace.store import Workspace

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ENDPOINT, SCHEDULE = "churn-e2e", "hourly-engine"


def _training_rows(rng: random.Random, count: int) -> list[str]:
    rows = []
    for _ in range(count):
        calls, minutes = rng.randint(0, 9), round(rng.uniform(0, 300), 1)
        rows.append(f"{int(minutes > 200)},{calls},{minutes},{rng.choice('ABC')}")
    return rows


def _queue_predictions(moto_url: str, bodies: list[str]) -> None:
    """moto runs no model: queue one prediction per distinct request (its documented API)."""
    results = [{"Body": f"{0.9 if float(b.split(',')[1]) > 200 else 0.1}",
                "ContentType": "text/csv"} for b in dict.fromkeys(bodies)]
    urllib.request.urlopen(urllib.request.Request(
        f"{moto_url}/moto-api/static/sagemaker/endpoint-results",
        data=json.dumps({"results": results}).encode(),
        headers={"Content-Type": "application/json"}), timeout=10).read()


def test_s3_baseline_capture_monitoring_metrics_and_open(settings, aws_env, tmp_path):
    rng = random.Random(7)
    storage = Storage(settings)
    dataset = tmp_path / "train.csv"
    dataset.write_text("churn,calls,minutes,plan\n" + "\n".join(_training_rows(rng, 400)) + "\n")
    dataset_uri = storage.upload(dataset, settings.s3_uri("datasets", "train.csv"))

    baseline = suggest_baseline_s3(settings, dataset_uri, settings.s3_uri("baselines", "b1"))
    assert baseline.item_count == 400 and baseline.feature_count == 4
    statistics = json.loads(storage.read_bytes(baseline.statistics_uri))
    assert [f["name"] for f in statistics["features"]] == ["churn", "calls", "minutes", "plan"]

    workspace = Workspace.open(tmp_path / "ws")
    deploy_endpoint(settings, ENDPOINT, settings.s3_uri("models", "model.tar.gz"),
                    CaptureConfig(enable=True), image_uri=IMAGE, poll_s=0.01,
                    workspace=workspace)
    assert workspace.get_endpoint(ENDPOINT).backend == "aws"
    traffic = tmp_path / "traffic.csv"
    bodies = [row.split(",", 1)[1] for row in _training_rows(rng, 120)]
    traffic.write_text("\n".join(bodies) + "\n")
    _queue_predictions(aws_env, bodies)
    capture = ClientSideCapture(storage, ENDPOINT,
                                CaptureConfig(enable=True,
                                              destination=settings.s3_uri("data-capture")))
    runner = TrafficRunner(TrafficPlan(sagemaker_invoke(settings, ENDPOINT, capture=capture),
                                       traffic)).start()
    runner.wait()
    assert runner.snapshot().sent == 120 and runner.snapshot().errors == 0
    capture_files = capture.close()
    assert capture_files and all("/data-capture/churn-e2e/AllTraffic/" in f
                                 for f in capture_files)

    now = datetime.now(UTC)
    scheduled = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    run = monitor_s3(settings, endpoint=ENDPOINT, schedule=SCHEDULE,
                     statistics=baseline.statistics_uri, constraints=baseline.constraints_uri,
                     capture=settings.s3_uri("data-capture"),
                     output=settings.s3_uri("reports"), scheduled_time=scheduled,
                     workspace=workspace)
    assert "feature_non_null_minutes" in workspace.metric_names(schedule=SCHEDULE)
    workspace.close()
    assert run.result.status in ("Completed", "CompletedWithViolations"), run.result
    assert run.result.item_count == 120
    expected_folder = settings.s3_uri("reports", ENDPOINT, SCHEDULE, f"{scheduled:%Y/%m/%d/%H}")
    assert run.report_uri == expected_folder
    names = {f.location.rsplit("/", 1)[1] for f in storage.list_files(expected_folder + "/")}
    assert {"statistics.json", "constraints.json", "constraint_violations.json"} <= names

    assert run.metrics_published == len(run.result.metrics) > 0
    dims = (("Endpoint", ENDPOINT), ("MonitoringSchedule", SCHEDULE))
    values = metric_values(settings, "aws/sagemaker/Endpoints/data-metrics",
                           "feature_non_null_minutes", dims, now - timedelta(hours=3),
                           now + timedelta(hours=1))
    assert [v for _, v in values] == [1.0]
    sums = metric_values(settings, "aws/sagemaker/Endpoints/data-metrics", "feature_data_calls",
                         dims, now - timedelta(hours=3), now + timedelta(hours=1),
                         stat="SampleCount")
    assert [v for _, v in sums] == [120.0]

    result = open_execution(expected_folder, settings, baseline=baseline.statistics_uri)
    assert result.statistics is not None and result.baseline_statistics is not None
    assert result.violations is not None
    assert result.source == expected_folder


def test_window_without_capture_fails_and_writes_nothing(settings, tmp_path):
    storage = Storage(settings)
    stats = tmp_path / "statistics.json"
    dataset = tmp_path / "train.csv"
    dataset.write_text("a,b\n1,2\n3,4\n")
    baseline = suggest_baseline_s3(settings, str(dataset), settings.s3_uri("baselines", "x"))
    run = monitor_s3(settings, endpoint="quiet", schedule="s", statistics=baseline.statistics_uri,
                     constraints=baseline.constraints_uri, capture=settings.s3_uri("capture"),
                     output=settings.s3_uri("reports"),
                     scheduled_time=datetime(2026, 1, 1, 10, tzinfo=UTC))
    assert run.result.status == "Failed"
    assert run.result.failure_reason == "Job inputs had no data"
    assert run.report_uri is None and not stats.exists()
    assert storage.list_files(settings.s3_uri("reports") + "/") == []
