"""Golden: the real churn execution of 2021-12-01 (60 data_type_check violations, nothing else).

The window is rebuilt from the churn test file the notebook replayed: 959 records, 4 of them
its pandas-mangled first line, 955 of its other lines (in order, repeated), each answered with
a probability. The baseline is suggested from the training set, as the notebook did.
"""

from __future__ import annotations

import json

import pytest

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.formats.violations import read_violations
from core.monitoring.execution import MonitoringRequest, run_monitoring
from tests.core.monitoring.helpers import SCHEDULED, WINDOW, probability, write_capture

REAL_VIOLATIONS = "data-quality/churn-execution-constraint_violations.2021-12-01.first10of60.json"


@pytest.fixture(scope="module")
def churn_baseline(samples, tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline")
    spec = DatasetSpec(str(samples / "churn-data" / "training-dataset-with-header.csv"))
    result = suggest_baseline(spec, out)
    return result.statistics_path, result.constraints_path


def _churn_window(samples) -> list[tuple[str, str]]:
    lines = (samples / "churn-data" / "test-dataset-input-cols.csv").read_text().splitlines()
    mangled, others = lines[0], lines[1:]
    assert len(others) == 333
    inputs = [others[i % len(others)] for i in range(955)]
    for position in (0, 240, 480, 720):  # where the 4 mangled records fall in the hour
        inputs.insert(position, mangled)
    assert len(inputs) == 959
    return [(row, probability(i)) for i, row in enumerate(inputs)]


def test_churn_execution_matches_the_real_container(samples, churn_baseline, tmp_path):
    write_capture(tmp_path / "capture", _churn_window(samples), endpoint="churn-ep")
    statistics, constraints = churn_baseline
    result = run_monitoring(MonitoringRequest(
        statistics, constraints, tmp_path / "reports", "churn-ep", "hourly", SCHEDULED,
        WINDOW[0], WINDOW[1], capture_root=tmp_path / "capture"))

    assert result.failure_reason is None
    assert result.status_message == ("CompletedWithViolations: Job completed successfully "
                                     "with 60 violations.")
    assert result.item_count == 959
    violations = read_violations(result.report_dir / "constraint_violations.json")
    assert violations == result.violations and len(violations) == 60
    assert {v["constraint_check_type"] for v in violations} == {"data_type_check"}
    by_name = {v["feature_name"]: v for v in violations}
    assert len(by_name) == 60
    assert "Only 0.0% of data is Integral." in by_name["Churn"]["description"]
    assert sum("Only 99.58289885297185% of data is Integral." in v["description"]
               for v in violations) == 59
    for real in read_violations(samples / REAL_VIOLATIONS):
        assert by_name[real["feature_name"]] == real  # byte-identical descriptions

    # Churn received probabilities: Fractional now, Integral in the baseline. A faithful
    # Robust L-infinity between its 0/1 baseline sketch and the scores is 0.79 (Simple 0.86),
    # far over 0.1, yet the real run has no drift violation: distributions are compared only
    # when the window's inferred type matches the baseline's, which is what we do.
    churn = result.drift["Churn"]
    assert churn["compared"] is False and churn["current_type"] == "Fractional"
    assert churn["psi"] > 1  # our own measures still show how far it moved


def test_churn_report_folder_holds_sagemaker_files(samples, churn_baseline, tmp_path):
    write_capture(tmp_path / "capture", _churn_window(samples), endpoint="churn-ep")
    statistics, constraints = churn_baseline
    result = run_monitoring(MonitoringRequest(
        statistics, constraints, tmp_path / "reports", "churn-ep", "hourly", SCHEDULED,
        WINDOW[0], WINDOW[1], capture_root=tmp_path / "capture"))
    assert result.report_dir == tmp_path / "reports" / "churn-ep" / "hourly" / "2024/03/05/11"
    assert sorted(p.name for p in result.report_dir.iterdir()) == [
        "constraint_violations.json", "constraints.json", "drift_report.json", "message",
        "statistics.json"]
    stats = json.loads((result.report_dir / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == 959
    assert stats["features"][0]["name"] == "Churn"
    assert (result.report_dir / "message").read_text() == result.status_message
    names = {p.name for p in result.metrics}
    assert {"feature_data_Churn", "feature_non_null_Churn"} <= names
    assert all(p.timestamp == WINDOW[0] for p in result.metrics)


def test_real_capture_files_monitor(samples, churn_baseline, tmp_path):
    statistics, constraints = churn_baseline
    result = run_monitoring(MonitoringRequest(
        statistics, constraints, tmp_path / "reports", "ep", "s", SCHEDULED,
        capture_root=samples / "capture",
        window_start=WINDOW[0].replace(year=2000), window_end=WINDOW[1]))
    assert result.item_count == 5, result.failure_reason
    assert result.status == "CompletedWithViolations"
