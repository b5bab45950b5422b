"""Metric points of an execution: names, namespaces, dimensions, values."""

from __future__ import annotations

from datetime import UTC, datetime

from core.monitoring.metrics import (
    BATCH_NAMESPACE,
    ENDPOINT_NAMESPACE,
    data_quality_points,
)

WHEN = datetime(2021, 5, 6, 22, tzinfo=UTC)


def _stats() -> dict:
    return {"version": 0.0, "dataset": {"item_count": 4}, "features": [
        {"name": "age", "inferred_type": "Integral", "numerical_statistics": {
            "common": {"num_present": 3, "num_missing": 1},
            "mean": 20.0, "sum": 60.0, "std_dev": 1.0, "min": 10.0, "max": 30.0}},
        {"name": "city", "inferred_type": "String", "string_statistics": {
            "common": {"num_present": 4, "num_missing": 0}, "distinct_count": 2.0}},
    ]}


def test_points_carry_sagemaker_names_and_values():
    points = data_quality_points(_stats(), {"age": 0.25}, endpoint="ep", schedule="hourly",
                                 timestamp=WHEN)
    by_name = {p.name: p for p in points}
    assert list(by_name) == ["feature_data_age", "feature_non_null_age",
                             "feature_baseline_drift_age", "feature_non_null_city"]
    assert by_name["feature_data_age"].statistic_values == {
        "SampleCount": 3.0, "Sum": 60.0, "Minimum": 10.0, "Maximum": 30.0}
    assert by_name["feature_non_null_age"].value == 0.75
    assert by_name["feature_baseline_drift_age"].value == 0.25
    assert all(p.namespace == ENDPOINT_NAMESPACE and p.timestamp == WHEN for p in points)
    assert points[0].dimensions == (("Endpoint", "ep"), ("MonitoringSchedule", "hourly"))


def test_batch_monitoring_uses_the_schedule_dimension_only():
    points = data_quality_points(_stats(), {}, endpoint=None, schedule="nightly", timestamp=WHEN)
    assert {p.namespace for p in points} == {BATCH_NAMESPACE}
    assert points[0].dimensions == (("MonitoringSchedule", "nightly"),)

