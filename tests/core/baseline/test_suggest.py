"""Constraint suggestion rules: completeness, non-negative numbers, categorical domains."""

from __future__ import annotations

import pyarrow as pa

from core.baseline.suggest import suggest_constraints
from core.profiling.profiler import TableProfiler


def _suggest(columns: dict[str, list]) -> dict:
    profiler = TableProfiler(list(columns))
    profiler.update(pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}))
    return {f["name"]: f for f in suggest_constraints(profiler.result())["features"]}


def test_completeness_is_the_observed_fraction_and_signs_are_checked():
    features = _suggest({"a": ["1", "2", None, "4"], "b": ["-1.5", "2", "3", "4"]})
    assert features["a"]["completeness"] == 0.75
    assert features["a"]["num_constraints"] == {"is_non_negative": True}
    assert features["b"]["num_constraints"] == {"is_non_negative": False}
    assert features["b"]["inferred_type"] == "Fractional"


def test_domains_follow_deequs_categorical_range_rule():
    common = ["red"] * 50 + ["blue"] * 30 + ["green"] * 20
    features = _suggest({"few": common,
                         "singletons": [f"id{i}" for i in range(100)],
                         "flags": ["true", "false"] * 50})
    assert features["few"]["string_constraints"]["domains"] == ["red", "blue", "green"]
    assert "string_constraints" not in features["singletons"]  # 100% singletons
    assert "string_constraints" not in features["flags"]  # Deequ: Boolean gets no domain


def test_an_all_missing_column_is_unknown_with_zero_completeness():
    features = _suggest({"x": [None, None]})
    assert features["x"] == {"name": "x", "inferred_type": "Unknown", "completeness": 0.0}


def test_monitoring_config_has_the_container_defaults():
    profiler = TableProfiler(["a"])
    profiler.update(pa.table({"a": ["1"]}))
    config = suggest_constraints(profiler.result())["monitoring_config"]
    assert config["datatype_check_threshold"] == config["domain_content_threshold"] == 1.0
    assert config["distribution_constraints"] == {
        "perform_comparison": "Enabled", "comparison_threshold": 0.1,
        "comparison_method": "Robust", "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity"}
