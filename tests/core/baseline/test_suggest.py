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


def _domain_of(values: list) -> list[str] | None:
    feature = _suggest({"c": values})["c"]
    return (feature.get("string_constraints") or {}).get("domains")


def _repeated(n: int, times: int = 2) -> list[str]:
    return [f"v{i}" for i in range(n)] * times


def test_the_distinct_count_limit_is_inclusive_one_value_each_side():
    # ColumnProfiler.scala 2.0.2: DEFAULT_CARDINALITY_THRESHOLD = 120 (line 71), histograms
    # for count <= threshold (line 571), on Deequ's approximate distinct count
    at_limit, past_limit = _repeated(120), _repeated(121)
    stats = TableProfiler(["a", "b"])
    stats.update(pa.table({"a": at_limit + [None] * 2, "b": past_limit}))
    distinct = [f["string_statistics"]["distinct_count"]
                for f in stats.result().statistics["features"]]
    assert distinct == [120.0, 121.0]
    assert _domain_of(at_limit) == sorted(set(at_limit))
    assert _domain_of(past_limit) is None


def test_the_singleton_ratio_limit_is_inclusive_one_value_each_side():
    # CategoricalRangeRule.scala 2.0.2, lines 42-47: entries seen once / entries <= 0.1
    one_in_ten = _repeated(9) + ["once"]
    one_in_nine = _repeated(8) + ["once"]
    assert _domain_of(one_in_ten) == [*sorted(set(_repeated(9))), "once"]
    assert _domain_of(one_in_nine) is None


def test_nulls_are_one_histogram_entry_in_the_singleton_ratio():
    # Deequ's histogram reads a null as "NullValue" (ColumnProfiler.scala 2.0.2, lines
    # 596-597; Histogram.scala line 126) and CategoricalRangeRule counts every entry
    # (line 44) but leaves the null one out of the domain (line 55).
    one_in_nine = _repeated(8) + ["once"]
    assert _domain_of(one_in_nine) is None
    # two nulls add an entry seen twice: 1/10 singletons, a domain without the null entry
    assert _domain_of(one_in_nine + [None, ""]) == [*sorted(set(_repeated(8))), "once"]
    one_in_ten = _repeated(9) + ["once"]
    assert _domain_of(one_in_ten + [None]) is None  # a single null is a second singleton: 2/11
    # the text "NullValue" shares that entry; we keep it in the domain (see the rule's code)
    assert "NullValue" in _domain_of(_repeated(9) + ["NullValue", None])
