"""The report data behind the violations table and the distributions, on real SageMaker files."""

from __future__ import annotations

import json
import math

import pytest

from core.errors import FormatError, InputError
from core.report.results import (build_feature_rows, build_violation_rows, category_shifts, distribution,
                         feature_map, load_results, summary_stats)


def _stats(*features, item_count=10):
    return {"version": 0.0, "dataset": {"item_count": item_count}, "features": list(features)}


def _string_feature(name, counts, missing=0):
    return {"name": name, "inferred_type": "String", "string_statistics": {
        "common": {"num_present": sum(counts.values()), "num_missing": missing},
        "distinct_count": float(len(counts)),
        "distribution": {"categorical": {"buckets": [
            {"value": v, "count": c} for v, c in counts.items()]}}}}


def test_sample_folder_is_classified_by_content(samples):
    result = load_results(samples / "data-quality")
    assert result.baseline_statistics["dataset"]["item_count"] == 2333
    assert result.statistics is None
    assert "monitoring_config" in result.constraints
    assert len(result.violations) == 10 and result.has_violations_file


def test_violation_rows_are_alphabetical_and_mark_checks(samples):
    result = load_results(samples / "data-quality")
    rows = build_violation_rows(result.baseline_statistics, None, result.violations)
    names = [r.feature for r in rows]
    assert names == sorted(names)
    flagged = {r.feature for r in rows if r.has_violation}
    assert flagged == {v["feature_name"] for v in result.violations}
    churn = next(r for r in rows if r.feature == "Churn")
    assert churn.violates("data_type") and not churn.violates("completeness")
    assert "Only 0.0% of data is Integral" in churn.description("data_type")
    assert math.isnan(churn.completeness)  # no latest statistics to compute it from


def test_drift_and_legacy_values_are_parsed_from_descriptions():
    latest = _stats(_string_feature("city", {"a": 3, "b": 1}, missing=1))
    violations = [
        {"feature_name": "city", "constraint_check_type": "baseline_drift_check",
         "description": "Baseline drift distance: 0.4 exceeds threshold: 0.1"},
        {"feature_name": "city", "constraint_check_type": "categorical_values_check",
         "description": "Value: 0.25 does not meet the constraint requirement! "},
        {"feature_name": "gone", "constraint_check_type": "missing_column_check",
         "description": "Number of columns in current dataset: 1"},
    ]
    rows = {r.feature: r for r in build_violation_rows(None, latest, violations)}
    modern = build_violation_rows(None, latest, [{
        "feature_name": "city", "constraint_check_type": "categorical_values_check",
        "description": "Categorical value requirement is not met. Expected match: 100.0%. "
                       "Observed: Only 87.5% of data is within the baseline domain."}])
    assert modern[0].categorical_values == pytest.approx(0.875)
    assert rows["city"].baseline_drift == 0.4
    assert rows["city"].categorical_values == 0.25
    assert rows["city"].completeness == pytest.approx(0.8)
    assert rows["city"].data_type == "String"
    assert rows["gone"].has_violation and rows["gone"].data_type == ""


def test_numeric_distribution_and_summary_from_kll_buckets(samples):
    result = load_results(samples / "data-quality")
    churn = feature_map(result.baseline_statistics)["Churn"]
    dist = distribution(churn)
    assert dist.kind == "numeric" and len(dist.keys) == 10
    assert dist.frequencies[0] == pytest.approx(2008 / 2333)
    assert dist.width == pytest.approx(0.1)
    assert summary_stats(churn)["sum"] == 325.0


def test_categorical_distribution_keeps_top_values_and_shifts():
    base = _string_feature("c", {"a": 50, "b": 50})
    cur = _string_feature("c", {"a": 90, "b": 5, "z": 5})
    dist = distribution(cur, top=2)
    assert dist.keys == ("a", "b") or dist.keys == ("a", "z")
    assert dist.frequencies[0] == pytest.approx(0.9)
    moves = category_shifts(base, cur, top=2)
    assert moves[0] == ("b", 0.5, 0.05) or moves[0] == ("a", 0.5, 0.9)
    assert abs(moves[0][2] - moves[0][1]) == pytest.approx(0.45)


def test_feature_rows_take_drift_from_the_drift_report(tmp_path):
    (tmp_path / "statistics.json").write_text(json.dumps(_stats(_string_feature("c", {"a": 1}))))
    (tmp_path / "constraint_violations.json").write_text('{"violations": []}')
    (tmp_path / "drift_report.json").write_text(json.dumps(
        {"features": [{"name": "c", "distance": 0.3}]}))
    result = load_results(tmp_path)
    rows = build_feature_rows(result)
    assert [(r.feature, r.drift) for r in rows] == [("c", 0.3)]


def test_missing_or_foreign_inputs_raise_input_errors(tmp_path):
    with pytest.raises(InputError):
        load_results(tmp_path / "absent")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    with pytest.raises(FormatError):
        load_results(tmp_path)


def test_sketch_data_is_dropped_before_parsing_and_nothing_else(samples):
    from core.formats.display_json import without_sketch_data

    path = samples / "data-quality" / "churn-baseline-statistics.2021.first29features.json"
    text = path.read_text()
    full = json.loads(text)
    for feature in full["features"]:
        feature["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"] = []
    assert json.loads(without_sketch_data(text)) == full
    assert len(without_sketch_data(text)) < len(text) / 4
    tricky = '{"name": "sketch", "sketch": {"parameters": {}, "data": [[1.0], [2.0, 3.0]]}, "x": "[a]"}'
    assert json.loads(without_sketch_data(tricky)) == {
        "name": "sketch", "sketch": {"parameters": {}, "data": []}, "x": "[a]"}
