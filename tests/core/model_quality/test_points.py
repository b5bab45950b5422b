"""Model-quality metrics as CloudWatch datapoints: names, namespaces, dimensions, no NaN."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from core.model_quality.documents import statistics_document
from core.model_quality.metrics import binary_metrics
from core.model_quality.points import model_quality_points
from core.monitoring.metrics import MetricPoint


def test_points_per_scalar_metric_with_sagemaker_namespaces():
    actual = np.array([1, 1, 1, 1])  # one class: auc has no value and is left out
    block = binary_metrics(actual, np.array([1, 0, 1, 1]), np.array([0.9, 0.2, 0.8, 0.7]))
    stats = statistics_document("BinaryClassification", block, item_count=4)
    when = datetime(2026, 2, 3, 4, tzinfo=UTC)
    points = model_quality_points("BinaryClassification", stats, endpoint="ep",
                                  schedule="hourly", timestamp=when)
    names = [p.name for p in points]
    assert "auc" not in names and "confusion_matrix" not in names
    assert names[:3] == ["recall", "precision", "accuracy"] and "f2" in names
    first = points[0]
    assert isinstance(first, MetricPoint) and first.value == 0.75 and first.timestamp == when
    assert first.namespace == "aws/sagemaker/Endpoints/model-metrics"
    assert first.dimensions == (("Endpoint", "ep"), ("MonitoringSchedule", "hourly"))
    batch = model_quality_points("BinaryClassification", stats, endpoint=None, schedule="s",
                                 timestamp=when)
    assert batch[0].namespace == "aws/sagemaker/ModelMonitoring/model-metrics"
    assert batch[0].dimensions == (("MonitoringSchedule", "s"),)
