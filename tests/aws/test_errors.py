"""AWS failures during real operations: each gives a clear sentence and leaves no partial
report in S3. Throttling goes through botocore's standard retry with backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.backends.aws.engine_runs import monitor_s3, suggest_baseline_s3
from core.backends.aws.errors import AwsError
from core.formats.capture import capture_file_path, capture_record, encode_record
from core.backends.storage import Storage
from tests.aws.hooks import FailTimes, xml_error

ENDPOINT, SCHEDULE = "err-ep", "err-sched"


@pytest.fixture
def staged(settings, tmp_path):
    """A baseline and one hour of capture in S3; returns monitor_s3 keyword arguments."""
    dataset = tmp_path / "train.csv"
    dataset.write_text("label,x\n" + "".join(f"{i % 2},{i}\n" for i in range(50)))
    baseline = suggest_baseline_s3(settings, str(dataset), settings.s3_uri("baselines", "b"))
    when = datetime.now(UTC) - timedelta(minutes=1)
    lines = b"".join(encode_record(capture_record(f"{i}", "text/csv", "1", "text/csv",
                                                  inference_time=when)) for i in range(20))
    key = capture_file_path("", ENDPOINT, "AllTraffic", when).as_posix()
    Storage(settings).write_bytes(settings.s3_uri("capture", key), lines)
    return dict(endpoint=ENDPOINT, schedule=SCHEDULE, statistics=baseline.statistics_uri,
                constraints=baseline.constraints_uri, capture=settings.s3_uri("capture"),
                output=settings.s3_uri("reports"),
                scheduled_time=when.replace(minute=0, second=0) + timedelta(hours=1))


def _report_objects(settings):
    return Storage(settings).list_files(settings.s3_uri("reports") + "/")


def test_access_denied_on_one_report_file_leaves_no_report(settings, staged, aws_hooks):
    def deny_violations(request, **_kw):
        if request.method == "PUT" and "constraint_violations.json" in request.url:
            return xml_error(request, 403, "AccessDenied", "Access Denied")
        return None

    aws_hooks.on("before-send.s3.PutObject", deny_violations)
    with pytest.raises(AwsError, match=r"AWS denied access \(s3:PutObject on s3://.*"
                                       r"constraint_violations.json\)"):
        monitor_s3(settings, **staged)
    assert _report_objects(settings) == []


def test_no_credentials_gives_a_sentence(settings, staged, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AwsError, match="No AWS credentials were found .*aws configure"):
        monitor_s3(settings, **staged)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert _report_objects(settings) == []


def test_missing_bucket(settings, tmp_path):
    dataset = tmp_path / "d.csv"
    dataset.write_text("a\n1\n")
    with pytest.raises(AwsError, match="bucket .*does not exist.*choose another bucket"):
        suggest_baseline_s3(settings, str(dataset), "s3://no-such-bucket-e6/baselines/b")


def test_throttled_uploads_are_retried_and_the_report_completes(settings, staged, aws_hooks):
    slow_down = FailTimes(2, lambda r: xml_error(r, 503, "SlowDown", "Please reduce your "
                                                 "request rate."))
    aws_hooks.on("before-send.s3.PutObject", slow_down)
    run = monitor_s3(settings, **staged, publish_metrics=False)
    assert slow_down.attempts > 2  # two refusals, then the retries went through
    names = sorted(f.location.rsplit("/", 1)[1] for f in _report_objects(settings))
    assert {"statistics.json", "constraints.json", "constraint_violations.json"} <= set(names)
    assert run.report_uri.endswith(f"{ENDPOINT}/{SCHEDULE}/"
                                   f"{staged['scheduled_time']:%Y/%m/%d/%H}")


def test_endless_throttling_fails_cleanly(settings, staged, aws_hooks, monkeypatch):
    from core.backends.aws import session as session_module

    monkeypatch.setattr(session_module, "MAX_ATTEMPTS", 3)
    slow_down = FailTimes(10_000, lambda r: xml_error(r, 503, "SlowDown", "Reduce your rate."))
    aws_hooks.on("before-send.s3.PutObject", slow_down)
    with pytest.raises(AwsError, match="throttling requests .*retrying with backoff"):
        monitor_s3(settings, **staged, publish_metrics=False)
    assert slow_down.attempts == 3
    assert _report_objects(settings) == []


def test_bad_capture_record_names_the_s3_object(settings, staged):
    when = datetime.now(UTC) - timedelta(minutes=1)
    key = capture_file_path("", ENDPOINT, "AllTraffic", when).as_posix()
    Storage(settings).write_bytes(settings.s3_uri("capture", key), b'{"captureData": tor\n')
    run = monitor_s3(settings, **staged)
    assert run.result.status == "Failed" and run.report_uri is None
    assert settings.s3_uri("capture", ENDPOINT) in run.result.failure_reason
    assert "/tmp/" not in run.result.failure_reason
    assert _report_objects(settings) == []


def test_mixed_request_local_baseline_s3_capture_local_report(settings, staged, tmp_path):
    from core.backends.aws.engine_runs import run_monitoring_s3
    from core.monitoring.execution import MonitoringRequest

    storage = Storage(settings)
    local_stats = storage.download(staged["statistics"], tmp_path / "b" / "statistics.json")
    request = MonitoringRequest(local_stats, staged["constraints"], tmp_path / "reports",
                                ENDPOINT, SCHEDULE, staged["scheduled_time"],
                                capture_root=staged["capture"], publish_metrics=False)
    run = run_monitoring_s3(settings, request)
    assert run.result.item_count == 20
    assert (tmp_path / "reports" / ENDPOINT / SCHEDULE).is_dir()
    assert run.report_uri == str(run.result.report_dir)
    assert _report_objects(settings) == []  # nothing went to S3
