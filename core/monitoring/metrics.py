"""Per-feature data-quality metrics of one execution, as CloudWatch would hold them.

Names, namespaces and dimensions follow SageMaker (spec section 7.1); a point is plain data so
the workspace can chart it and the AWS backend can publish it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

ENDPOINT_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
BATCH_NAMESPACE = "aws/sagemaker/ModelMonitoring/data-metrics"


@dataclass(frozen=True)
class MetricPoint:
    """One datapoint: either a single ``value`` or a statistic set (``statistic_values``).

    ``statistic_values`` has CloudWatch's keys ``SampleCount``, ``Sum``, ``Minimum``, ``Maximum``.
    """

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    timestamp: datetime
    value: float | None = None
    statistic_values: dict | None = None


def metric_dimensions(endpoint: str | None, schedule: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Namespace and dimensions: endpoint monitoring, or batch (no endpoint) monitoring."""
    if endpoint:
        return ENDPOINT_NAMESPACE, (("Endpoint", endpoint), ("MonitoringSchedule", schedule))
    return BATCH_NAMESPACE, (("MonitoringSchedule", schedule),)


def data_quality_points(statistics: dict, drift_distances: dict[str, float], *,
                        endpoint: str | None, schedule: str,
                        timestamp: datetime) -> list[MetricPoint]:
    """The ``feature_data_``, ``feature_non_null_`` and ``feature_baseline_drift_`` points.

    Args:
        statistics: the execution's statistics.json document.
        drift_distances: feature name -> post-method drift distance, for compared features.
        endpoint: endpoint name, or None for batch-transform monitoring.
        schedule: monitoring schedule name.
        timestamp: the datapoint time, SageMaker's ``metric_time`` (the window start).

    Returns:
        Points in feature order: data (numeric features only), non-null, then drift.
    """
    namespace, dims = metric_dimensions(endpoint, schedule)
    when = timestamp.replace(tzinfo=UTC) if timestamp.tzinfo is None else timestamp
    points: list[MetricPoint] = []
    for feature in statistics.get("features", []):
        name = feature["name"]
        numeric = feature.get("numerical_statistics")
        block = numeric or feature.get("string_statistics") or {}
        common = block.get("common", {})
        present, missing = common.get("num_present", 0), common.get("num_missing", 0)
        if feature.get("inferred_type") == "Unknown":  # no block: every row is missing
            missing = int((statistics.get("dataset") or {}).get("item_count", 0))
        if numeric and present and "sum" in numeric:  # no sum: every value cast to null
            stats = {"SampleCount": float(present), "Sum": float(numeric["sum"]),
                     "Minimum": float(numeric["min"]), "Maximum": float(numeric["max"])}
            points.append(MetricPoint(namespace, f"feature_data_{name}", dims, when,
                                      statistic_values=stats))
        total = present + missing
        if total:
            points.append(MetricPoint(namespace, f"feature_non_null_{name}", dims, when,
                                      value=present / total))
        if name in drift_distances:
            points.append(MetricPoint(namespace, f"feature_baseline_drift_{name}", dims, when,
                                      value=float(drift_distances[name])))
    return points
