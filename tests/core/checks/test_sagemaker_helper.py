"""SageMaker's example visualization helper reads our reports as it reads the analyzer's.

``sagemaker_helper`` restates the helper's parsing (archived/visualization/utils.py of
aws/amazon-sagemaker-examples); each report here comes from a real execution over captured
traffic, and the numbers the helper extracts must be the ones we computed.
"""

from __future__ import annotations

import json
import random

import pytest

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.monitoring.execution import MonitoringRequest, run_monitoring
from tests.core.checks import sagemaker_helper as helper
from tests.core.monitoring.helpers import SCHEDULED, WINDOW, probability, write_capture


def _rows(n: int, seed: int, shift: float = 0.0, colors: str = "aab") -> list[tuple]:
    rng = random.Random(seed)
    return [(str(i % 2), f"{rng.gauss(50, 10) + shift:.2f}", rng.choice(colors))
            for i in range(n)]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    (folder / "train.csv").write_text(
        "label,x,color\n" + "".join(f"{a},{b},{c}\n" for a, b, c in _rows(1500, 1)))
    result = suggest_baseline(DatasetSpec(str(folder / "train.csv")), folder / "out")
    return result.statistics_path, result.constraints_path


def _execute(tmp_path, baseline, records: list[tuple[str, str]], constraints=None):
    write_capture(tmp_path / "capture", records)
    result = run_monitoring(MonitoringRequest(
        baseline[0], constraints or baseline[1], tmp_path / "reports", "ep", "hourly",
        SCHEDULED, WINDOW[0], WINDOW[1], capture_root=tmp_path / "capture"))
    assert result.failure_reason is None
    read = lambda name: json.loads((result.report_dir / name).read_text())  # noqa: E731
    return result, json.loads(open(baseline[0]).read()), read("statistics.json"), \
        read("constraint_violations.json")["violations"]


def test_every_check_reads_back_with_our_numbers(tmp_path, baseline):
    # the model's score lands in `label` (Integral), x shifts, one in ten x is empty,
    # color drifts and brings an unknown value
    rows = _rows(600, 2, shift=8.0, colors="abbz")
    records = [("" if i % 10 == 0 else x, c) for i, (_, x, c) in enumerate(rows)]
    result, base, latest, violations = _execute(
        tmp_path, baseline, [(f"{x},{c}", probability(i)) for i, (x, c) in enumerate(records)])
    checks = {(v["feature_name"], v["constraint_check_type"]) for v in violations}
    assert checks == {("label", "data_type_check"), ("x", "completeness_check"),
                      ("x", "baseline_drift_check"), ("color", "categorical_values_check"),
                      ("color", "baseline_drift_check")}
    table = helper.violation_table(base, latest, violations)
    colors = [c for _, c in records]
    assert table.loc["label", "data_type"] == "Fractional"
    assert table.loc["x", "completeness"] == "{:.2%}".format(0.9)
    assert table.loc["x", "baseline_drift"] == "{:.2%}".format(result.drift["x"]["distance"])
    assert table.loc["color", "baseline_drift"] == \
        "{:.2%}".format(result.drift["color"]["distance"])
    inside = sum(c != "z" for c in colors) / len(colors)
    assert table.loc["color", "categorical_values"] == "{:.2%}".format(inside)
    assert table.loc["label", "baseline_drift"] == "N/A"
    shown = helper.show_distributions(helper.get_features(latest), helper.get_features(base))
    assert shown == {"numerical": 2, "string": 1}


def test_a_chi_squared_drift_reads_as_a_distance(tmp_path, baseline):
    constraints = json.loads(open(baseline[1]).read())
    constraints["monitoring_config"]["distribution_constraints"][
        "categorical_drift_method"] = "ChiSquared"
    path = tmp_path / "constraints.json"
    path.write_text(json.dumps(constraints))
    rows = _rows(600, 3, colors="abb")
    result, base, latest, violations = _execute(
        tmp_path, baseline, [(f"{x},{c}", a) for a, x, c in rows], constraints=path)
    p_value = result.drift["color"]["distance"]
    assert [v["feature_name"] for v in violations] == ["color"] and p_value < 0.1
    table = helper.violation_table(base, latest, violations)
    assert table.loc["color", "baseline_drift"] == "{:.2%}".format(1.0 - p_value)


def test_an_extra_column_is_named_after_a_feature_the_report_has(tmp_path, baseline):
    rows = _rows(300, 4, colors="aab")
    _, base, latest, violations = _execute(
        tmp_path, baseline, [(f"{x},{c},7", a) for a, x, c in rows])
    assert [(v["feature_name"], v["constraint_check_type"]) for v in violations] == [
        ("_c3", "extra_column_check")]
    table = helper.violation_table(base, latest, violations)
    assert table.loc["_c3", "data_type"] == "Integral"
    helper.show_distributions(helper.get_features(latest))


def test_a_dropped_column_stops_the_helper_at_the_baseline_whatever_the_violation_says(
        tmp_path, baseline):
    # Given the baseline, as the example notebook does, the helper seeds every baseline
    # feature and then needs its latest statistics: a dropped column has none, in the
    # analyzer's report as in ours, with or without any violation naming it.
    rows = _rows(300, 5)
    _, base, latest, violations = _execute(tmp_path, baseline, [(x, a) for a, x, _ in rows])
    assert [v["feature_name"] for v in violations] == ["color"]
    for listed in (violations, []):
        with pytest.raises(KeyError, match="latest"):
            helper.violation_table(base, latest, listed)
    helper.show_distributions(helper.get_features(latest))
