"""CloudWatch publishing on the loopback server: SageMaker's namespace, names and dimensions,
statistic sets, and batches under PutMetricData's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.backends.aws.metrics import metric_values, publish_metrics
from core.monitoring.metrics import MetricPoint

NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
DIMS = (("Endpoint", "metrics-ep"), ("MonitoringSchedule", "metrics-sched"))


def test_many_points_go_in_batches_and_read_back(settings, aws_hooks):
    requests = []
    aws_hooks.on("before-send.cloudwatch.PutMetricData",
                 lambda request, **_: requests.append(len(request.body or b"")))
    when = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    points = [MetricPoint(NAMESPACE, f"feature_non_null_f{i}", DIMS, when, value=i / 1200)
              for i in range(1200)]
    points.append(MetricPoint(NAMESPACE, "feature_data_f0", DIMS, when, statistic_values={
        "SampleCount": 4.0, "Sum": 10.0, "Minimum": 1.0, "Maximum": 4.0}))
    points.append(MetricPoint(NAMESPACE, "feature_baseline_drift_f0", DIMS, when, value=None))
    assert publish_metrics(settings, points) == 1201  # the point without a value is skipped
    assert len(requests) == 3
    window = (when - timedelta(minutes=5), when + timedelta(minutes=5))
    assert metric_values(settings, NAMESPACE, "feature_non_null_f600", DIMS, *window) == [
        (when, 0.5)]
    assert [v for _, v in metric_values(settings, NAMESPACE, "feature_data_f0", DIMS, *window,
                                        stat="Maximum")] == [4.0]
