"""Golden tests against SageMaker's real model-quality files (spec 9.3 to 9.5)."""

from __future__ import annotations

import json
import re

import pytest

from core.model_quality import documents
from core.model_quality.problem import QualitySettings
from core.model_quality.run import quality_baseline
from tests.conftest import SAMPLES as REFERENCE_SAMPLES

MQ = REFERENCE_SAMPLES / "model-quality"
REAL_VIOLATIONS = MQ / "mq-binary-constraint_violations.2021-08-11.json"
_DESCRIPTION = re.compile(r"^Metric (\w+) with (\S+) \+/- (\S+) was (\w+) '(\S+)'$")
_SNAKE = {v: k for k, v in documents.VIOLATION_NAMES.items()}


@pytest.fixture(scope="module")
def churn_baseline(tmp_path_factory):
    out = tmp_path_factory.mktemp("mq") / "baseline"
    settings = QualitySettings("BinaryClassification", "prediction", "probability", None,
                               "label")
    quality_baseline(REFERENCE_SAMPLES / "churn-data" / "validation_with_predictions.csv",
                     settings, out)
    return (json.loads((out / "statistics.json").read_text()),
            json.loads((out / "constraints.json").read_text()),
            (out / "constraints.json").read_text())


def test_the_real_violations_file_reads_back_and_we_word_every_entry_identically():
    entries = documents.read_violations(REAL_VIOLATIONS)
    assert len(entries) == 10
    for entry in entries:
        name, value, std, operator, threshold = _DESCRIPTION.match(entry["description"]).groups()
        assert name == entry["metric_name"]
        ours = documents.violation(_SNAKE.get(name, name), operator, float(value), float(std),
                                   float(threshold))
        assert ours == entry
        assert list(ours) == list(entry)  # the analyzer's key order
    text = documents.dumps({"violations": entries})
    assert text == REAL_VIOLATIONS.read_text().rstrip("\n")


def test_churn_baseline_thresholds_equal_the_real_runs_to_the_last_bit(churn_baseline):
    # the real violations file was checked against the baseline of this very dataset
    _, constraints, _ = churn_baseline
    block = constraints["binary_classification_constraints"]
    for entry in documents.read_violations(REAL_VIOLATIONS):
        name, *_, operator, threshold = _DESCRIPTION.match(entry["description"]).groups()
        rule = block[_SNAKE.get(name, name)]
        assert rule["comparison_operator"] == operator
        assert repr(rule["threshold"]) == threshold or \
            documents._java(rule["threshold"]) == threshold, name


def test_constraints_layout_and_operator_per_metric(churn_baseline):
    _, constraints, text = churn_baseline
    assert list(constraints) == ["version", "binary_classification_constraints"]
    assert list(constraints["binary_classification_constraints"]) == \
        list(documents.CONSTRAINED["BinaryClassification"])
    assert text.startswith('{\n  "version" : 0.0,\n  "binary_classification_constraints" : {\n'
                           '    "recall" : {\n      "threshold" : 0.5714285714285714,\n'
                           '      "comparison_operator" : "LessThanThreshold"\n    },')


def test_statistics_have_every_field_of_the_real_files(churn_baseline):
    ours, _, _ = churn_baseline
    fixture = json.loads((MQ / "mq-binary-statistics.sdk-fixture.json").read_text())
    real = fixture["binary_classification_metrics"]
    block = ours["binary_classification_metrics"]
    assert set(block) == set(real)
    for name, entry in real.items():
        if isinstance(entry, dict) and "value" in entry:
            assert set(block[name]) == {"value", "standard_deviation"}
    for curve in ("receiver_operating_characteristic_curve", "precision_recall_curve"):
        assert set(block[curve]) == set(real[curve])
    assert set(block["confusion_matrix"]) == {"0", "1"}
    assert ours["dataset"]["item_count"] == 201
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
                    ours["dataset"]["evaluation_time"])
    regression = json.loads((MQ / "mq-regression-statistics.sdk-fixture.json").read_text())
    doc = documents.statistics_document("Regression", {
        name: (1.0, 0.5) for name in ("mae", "mse", "rmse", "r2")}, item_count=627)
    assert list(doc) == list(regression)
    assert list(doc["dataset"]) == list(regression["dataset"])
    assert list(doc["regression_metrics"]) == list(regression["regression_metrics"])
    for kind in ("mq-regression-statistics.sdk-fixture.json",
                 "mq-binary-statistics.sdk-fixture.json"):
        documents.read_statistics(MQ / kind)


def test_worked_example_values(churn_baseline):
    ours, _, _ = churn_baseline
    block = ours["binary_classification_metrics"]
    assert block["confusion_matrix"] == {"0": {"0": 173, "1": 0}, "1": {"0": 12, "1": 16}}
    assert block["f2"]["value"] == 0.625
    assert block["auc"]["value"] == 0.9395127993393898
    assert isinstance(block["auc"]["standard_deviation"], float)  # 201 >= 200 samples


def test_violations_fire_only_past_the_threshold():
    stats = documents.statistics_document("Regression", {
        "mae": (2.0, 0.1), "mse": (4.0, 0.2), "rmse": (2.0, 0.1), "r2": (0.5, 0.01)},
        item_count=300)
    rules = {"version": 0.0, "regression_constraints": {
        "mae": {"threshold": 2.0, "comparison_operator": "GreaterThanThreshold"},
        "mse": {"threshold": 3.9, "comparison_operator": "GreaterThanThreshold"},
        "r2": {"threshold": 0.6, "comparison_operator": "LessThanThreshold"},
        "rmse": {"threshold": 2.5, "comparison_operator": "GreaterThanThreshold"}}}
    found = documents.check_constraints("Regression", stats, rules)
    assert [v["metric_name"] for v in found] == ["mse", "r2"]
    assert found[1]["description"] == "Metric r2 with 0.5 +/- 0.01 was LessThanThreshold '0.6'"


def test_constraints_reader_names_the_bad_field(tmp_path):
    path = tmp_path / "constraints.json"
    path.write_text('{"regression_constraints": {"mae": {"threshold": "x", '
                    '"comparison_operator": "GreaterThanThreshold"}}}')
    with pytest.raises(documents.FormatError, match="regression_constraints.mae"):
        documents.read_constraints(path)
    path.write_text('{"regression_constraints": {}}')
    with pytest.raises(documents.FormatError, match="for Regression, not BinaryClassification"):
        documents.read_constraints(path, "BinaryClassification")
