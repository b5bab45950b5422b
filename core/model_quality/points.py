"""Per-execution model-quality metrics as CloudWatch holds them, for the workspace and alerts."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from core.model_quality.problem import BLOCKS
from core.monitoring.metrics import MetricPoint

ENDPOINT_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
BATCH_NAMESPACE = "aws/sagemaker/ModelMonitoring/model-metrics"


def model_quality_points(problem_type: str, statistics: dict, *, endpoint: str | None,
                         schedule: str, timestamp: datetime) -> list[MetricPoint]:
    """One point per scalar metric with a value, named as in statistics.json (``auc``, ``f1``)."""
    if endpoint:
        namespace = ENDPOINT_NAMESPACE
        dims = (("Endpoint", endpoint), ("MonitoringSchedule", schedule))
    else:
        namespace, dims = BATCH_NAMESPACE, (("MonitoringSchedule", schedule),)
    when = timestamp.replace(tzinfo=UTC) if timestamp.tzinfo is None else timestamp
    points = []
    for name, entry in statistics[BLOCKS[problem_type]].items():
        value = entry.get("value") if isinstance(entry, dict) else None
        if isinstance(value, (int, float)) and math.isfinite(value):
            points.append(MetricPoint(namespace, name, dims, when, value=float(value)))
    return points
