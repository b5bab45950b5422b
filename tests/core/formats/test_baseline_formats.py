"""statistics.json and constraints.json: lenient readers, exact writers, resolved config."""

from __future__ import annotations

import json

from core.formats.constraints import (
    dumps_constraints, monitoring_config, read_constraints, write_constraints,
)
from core.formats.statistics import (
    dumps_statistics, feature_map, read_statistics, write_statistics,
)

GOLDEN_STATS = "data-quality/churn-baseline-statistics.2021.first29features.json"
GOLDEN_CONSTRAINTS = "data-quality/churn-baseline-constraints.2021.json"


def test_statistics_survive_a_python_json_round_trip_byte_for_byte(samples, tmp_path):
    original = (samples / GOLDEN_STATS).read_text()
    python_copy = tmp_path / "python.json"
    doc = json.loads(original)
    # What users do: rewrite with json.dump, which also turns 2048.0 into 2048 if edited.
    doc["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"]["parameters"]["k"] = 2048
    python_copy.write_text(json.dumps(doc, indent=4))
    written = write_statistics(tmp_path / "statistics.json", read_statistics(python_copy))
    assert written.read_text() == original
    assert list(feature_map(doc))[:2] == ["Churn", "Account Length"]


def test_statistics_reader_accepts_the_sdk_fixture_and_nan_strings(samples, tmp_path):
    doc = read_statistics(samples / "sdk-test-fixtures" / "statistics.json")
    assert feature_map(doc)["message"]["string_statistics"]["distinct_count"] == 1.0
    path = tmp_path / "s.json"
    path.write_text('{"features": [{"name": "x", "inferred_type": "Fractional", '
                    '"numerical_statistics": {"common": {"num_present": 1, "num_missing": 0}, '
                    '"std_dev": "NaN"}}]}')
    assert read_statistics(path)["features"][0]["numerical_statistics"]["std_dev"] != 0
    assert '"std_dev" : "NaN"' in dumps_statistics(read_statistics(path))


def test_constraints_round_trip_byte_for_byte(samples, tmp_path):
    original = (samples / GOLDEN_CONSTRAINTS).read_text()
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(json.loads(original)))
    written = write_constraints(tmp_path / "constraints.json", read_constraints(compact))
    assert written.read_text() == original


def test_sdk_overrides_and_legacy_keys_are_normalised(samples):
    doc = read_constraints(samples / "sdk-test-fixtures" / "constraints.json")
    message = doc["features"][0]
    assert message["monitoringConfigOverrides"] == {"evaluate_constraints": "Enabled",
                                                    "emit_metrics": "Enabled"}
    assert "monitoring_config_overrides" not in message["string_constraints"]
    assert '"monitoringConfigOverrides"' in dumps_constraints(doc)


def test_monitoring_config_resolves_defaults_document_and_feature_overrides():
    doc = {"features": [
        {"name": "a", "monitoringConfigOverrides": {"datatype_check_threshold": 0.5}},
        {"name": "b", "string_constraints": {"monitoring_config_overrides": {
            "distribution_constraints": {"comparion_method": "Simple"}}}}],
        "monitoring_config": {"distribution_constraints": {"comparison_threshold": 0.3}}}
    from core.formats.constraints import normalized_constraints
    doc = normalized_constraints(doc)
    base = monitoring_config(doc)
    assert base["datatype_check_threshold"] == 1.0
    assert base["distribution_constraints"]["comparison_method"] == "Robust"
    # absent categorical threshold falls back to the comparison threshold
    assert base["distribution_constraints"]["categorical_comparison_threshold"] == 0.3
    assert monitoring_config(doc, "a")["datatype_check_threshold"] == 0.5
    assert monitoring_config(doc, "b")["distribution_constraints"]["comparison_method"] == "Simple"
