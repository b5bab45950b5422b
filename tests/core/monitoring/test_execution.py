"""Monitoring executions end to end: drift with known answers, overrides, bad input, scripts."""

from __future__ import annotations

import json
import math
import random
import textwrap
from datetime import timedelta

import pytest

from core.baseline.run import suggest_baseline
from core.checks.drift_report import ExtraChecks
from core.datasets.reader import DatasetSpec
from core.errors import Cancelled
from core.formats.jackson import java_double
from core.monitoring.execution import MonitoringRequest, report_folder, run_monitoring
from core.progress import CancelToken
from tests.core.monitoring.helpers import SCHEDULED, WINDOW, write_capture

N_BASE, N_CUR = 1500, 600  # both below 2050 items: the KLL sketches hold every value exactly


def _base_rows(seed: int = 1, n: int = N_BASE, shift: float = 0.0, mix=(0.6, 0.3, 0.1)):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        x = rng.gauss(50, 10) + shift
        color = rng.choices("abc", weights=mix)[0]
        rows.append((str(i % 2), f"{x:.2f}", color))
    return rows


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    data = folder / "train.csv"
    data.write_text("label,x,color\n" + "".join(f"{a},{b},{c}\n" for a, b, c in _base_rows()))
    result = suggest_baseline(DatasetSpec(str(data)), folder / "out")
    return result.statistics_path, result.constraints_path


def _run(tmp_path, baseline, rows, **overrides):
    capture = tmp_path / "capture"
    if rows is not None:
        write_capture(capture, [(f"{x},{c}", label) for label, x, c in rows])
    statistics, constraints = overrides.pop("baseline_paths", baseline)
    run_options = {k: overrides.pop(k) for k in ("cancel", "progress") if k in overrides}
    request = MonitoringRequest(statistics, constraints, tmp_path / "reports", "ep", "hourly",
                                SCHEDULED, WINDOW[0], WINDOW[1], capture_root=capture,
                                **overrides)
    return run_monitoring(request, **run_options)


def _constraints_with(tmp_path, baseline, change) -> tuple:
    doc = json.loads(open(baseline[1]).read())
    change(doc)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "constraints.json"
    path.write_text(json.dumps(doc))
    return baseline[0], path


def _ks(a, b):
    keys = sorted(set(a) | set(b))
    return max(abs(sum(v <= k for v in a) / len(a) - sum(v <= k for v in b) / len(b))
               for k in keys)


def test_identical_data_fires_nothing(tmp_path, baseline):
    result = _run(tmp_path, baseline, _base_rows())
    assert result.status_message == "Completed: Job completed successfully with no violations."
    assert result.drift["x"]["distance"] == 0.0 and result.drift["color"]["distance"] == 0.0
    assert (result.report_dir / "constraint_violations.json").read_text() == \
        '{\n  "violations" : [ ]\n}'


def test_shifted_numeric_column_drifts_by_the_ks_distance(tmp_path, baseline):
    current = _base_rows(seed=2, n=N_CUR, shift=6.0)
    result = _run(tmp_path, baseline, current)
    base_x = [float(x) for _, x, _ in _base_rows()]
    cur_x = [float(x) for _, x, _ in current]
    expected = _ks(base_x, cur_x) - 1.8 * math.sqrt((N_BASE + N_CUR) / (N_BASE * N_CUR))
    drift = [v for v in result.violations if v["constraint_check_type"] == "baseline_drift_check"]
    assert drift == [{"feature_name": "x", "constraint_check_type": "baseline_drift_check",
                      "description": f"Baseline drift distance: {java_double(expected)} "
                                     "exceeds threshold: 0.1"}]
    assert result.drift["x"]["top_movers"] and result.drift["x"]["psi"] > 0.1
    assert {p.name: p.value for p in result.metrics}["feature_baseline_drift_x"] == expected


def test_changed_categorical_mix_drifts_by_the_frequency_distance(tmp_path, baseline):
    current = _base_rows(seed=3, n=N_CUR, mix=(0.3, 0.3, 0.4))
    result = _run(tmp_path, baseline, current)
    base = [c for _, _, c in _base_rows()]
    cur = [c for _, _, c in current]
    linf = max(abs(base.count(k) / len(base) - cur.count(k) / len(cur)) for k in "abc")
    expected = linf - 1.8 * math.sqrt((N_BASE + N_CUR) / (N_BASE * N_CUR))
    assert [v["feature_name"] for v in result.violations] == ["color"]
    assert result.violations[0]["description"] == (
        f"Baseline drift distance: {java_double(expected)} exceeds threshold: 0.1")
    movers = result.drift["color"]["top_movers"]
    assert movers[0]["bin"] in ("a", "c") and abs(movers[0]["change"]) > 0.2


def test_robust_spares_small_windows_that_simple_flags(tmp_path, baseline):
    current = _base_rows(seed=4, n=35, shift=4.0)  # ~0.16 apart; Robust removes ~0.31
    robust = _run(tmp_path / "r", baseline, current)
    assert robust.status == "Completed" and robust.drift["x"]["distance"] == 0.0
    simple_paths = _constraints_with(tmp_path, baseline, lambda d: d["monitoring_config"][
        "distribution_constraints"].update(comparison_method="Simple"))
    simple = _run(tmp_path / "s", baseline, current, baseline_paths=simple_paths)
    assert "x" in {v["feature_name"] for v in simple.violations}
    assert simple.drift["x"]["distance"] > 0.1


def test_overrides_and_switches_are_honoured(tmp_path, baseline):
    current = _base_rows(seed=5, n=N_CUR, shift=6.0, mix=(0.3, 0.3, 0.4))

    def per_feature(doc):
        for feature in doc["features"]:
            if feature["name"] == "x":
                feature["monitoringConfigOverrides"] = {"evaluate_constraints": "Disabled"}

    only_color = _run(tmp_path / "a", baseline, current,
                      baseline_paths=_constraints_with(tmp_path / "a", baseline, per_feature))
    assert [v["feature_name"] for v in only_color.violations] == ["color"]
    off = _constraints_with(tmp_path / "b", baseline, lambda d: d["monitoring_config"][
        "distribution_constraints"].update(perform_comparison="Disabled"))
    assert _run(tmp_path / "b", baseline, current, baseline_paths=off).violations == []
    quiet = _constraints_with(tmp_path / "c", baseline, lambda d: d["monitoring_config"].update(
        evaluate_constraints="Disabled", emit_metrics="Disabled"))
    result = _run(tmp_path / "c", baseline, current, baseline_paths=quiet)
    assert result.status == "Completed" and result.metrics == []
    assert result.drift["x"]["drifted"]  # still reported, just not a violation


def test_chi_squared_reports_a_p_value_below_the_threshold(tmp_path, baseline):
    chi = _constraints_with(tmp_path, baseline, lambda d: d["monitoring_config"][
        "distribution_constraints"].update(categorical_drift_method="ChiSquared"))
    moved = _run(tmp_path / "m", baseline, _base_rows(seed=6, n=N_CUR, mix=(0.3, 0.3, 0.4)),
                 baseline_paths=chi)
    entry = moved.drift["color"]
    assert entry["method"] == "ChiSquared" and entry["distance"] < 1e-6
    # the p-value, then the same fact as a distance the usual parsers read (check-wording.md)
    assert [v["description"] for v in moved.violations] == [
        f"ChiSquared p-value: {java_double(entry['distance'])} is below threshold: 0.1. "
        f"Baseline drift distance: {java_double(1.0 - entry['distance'])} exceeds threshold: 0.9"]
    same = _run(tmp_path / "s", baseline, _base_rows(), baseline_paths=chi)
    assert same.drift["color"]["distance"] == pytest.approx(1.0) and same.violations == []


def test_extra_checks_are_violations_only_when_enabled(tmp_path, baseline):
    rows = [(label, "" if i % 5 == 0 else x, c) for i, (label, x, c) in
            enumerate(_base_rows(seed=7, n=N_CUR, shift=6.0))]
    plain = _run(tmp_path / "a", baseline, rows)
    assert {v["constraint_check_type"] for v in plain.violations} == {
        "baseline_drift_check", "completeness_check"}
    assert plain.drift["x"]["psi"] > 0.2 and plain.drift["x"]["null_rate"]["change"] > 0.15
    extra = _run(tmp_path / "b", baseline, rows,
                 extra_checks=ExtraChecks(psi_threshold=0.2, js_threshold=0.9,
                                          null_rate_threshold=0.1))
    types = [v["constraint_check_type"] for v in extra.violations if v["feature_name"] == "x"]
    assert "psi_drift_check" in types and "null_rate_check" in types
    assert "js_drift_check" not in types


def test_missing_values_and_extra_columns(tmp_path, baseline):
    rows = [(label, "" if i % 4 == 0 else x, c) for i, (label, x, c) in enumerate(_base_rows())]
    write_capture(tmp_path / "capture", [(f"{x},{c},9", label) for label, x, c in rows])
    result = _run(tmp_path, baseline, None)
    checks = {(v["feature_name"], v["constraint_check_type"]): v["description"]
              for v in result.violations}
    assert checks[("x", "completeness_check")] == \
        f"Value: {java_double(1 - 375 / N_BASE)} does not meet the constraint requirement! "
    assert checks[("_c3", "extra_column_check")] == (
        "There are extra columns in current dataset: _c3. Number of columns in current "
        "dataset: 4, Number of columns in baseline constraints: 3")
    assert result.drift["x"]["null_rate"]["change"] == pytest.approx(0.25, abs=0.01)


def _only(result, check: str) -> list[tuple[str, str]]:
    return [(v["feature_name"], v["description"]) for v in result.violations
            if v["constraint_check_type"] == check]


def test_a_feature_missing_from_every_row_gets_completeness_and_data_type(tmp_path, baseline):
    rows = [(label, "", c) for label, _, c in _base_rows(n=N_CUR)]
    result = _run(tmp_path, baseline, rows)
    assert result.violations == [
        {"feature_name": "x", "constraint_check_type": "data_type_check",
         "description": "Data type match requirement is not met. Expected data type: "
                        "Fractional, Expected match: 100.0%. Observed: Only 0.0% of data is "
                        "Fractional."},
        {"feature_name": "x", "constraint_check_type": "completeness_check",
         "description": "Value: 0.0 does not meet the constraint requirement! "}]
    assert result.drift["x"]["null_rate"]["current"] == 1.0
    written = json.loads((result.report_dir / "statistics.json").read_text())["features"]
    assert written[1] == {"name": "x", "inferred_type": "Unknown"}  # no statistics block


def _dataset_run(tmp_path, baseline_csv: str, window_csv: str, **request):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "base.csv").write_text(baseline_csv)
    (tmp_path / "window.csv").write_text(window_csv)
    base = suggest_baseline(DatasetSpec(str(tmp_path / "base.csv")), tmp_path / "baseline")
    return run_monitoring(MonitoringRequest(
        base.statistics_path, base.constraints_path, tmp_path / "reports", None, "adhoc",
        SCHEDULED, dataset=DatasetSpec(str(tmp_path / "window.csv")), **request))


@pytest.mark.parametrize("column, kind", [("1,2,3", "Integral"), ("1.5,2,3", "Fractional"),
                                          ("x,7,true", "String"), ("true,false,true", "String")])
def test_every_baseline_type_flags_a_window_without_values(tmp_path, column, kind):
    values = column.split(",")
    result = _dataset_run(tmp_path, "a,b\n" + "".join(f"{v},k\n" for v in values),
                          "a,b\n,k\n,k\n,k\n")
    assert _only(result, "data_type_check") == [("a", (
        f"Data type match requirement is not met. Expected data type: {kind}, Expected match: "
        f"100.0%. Observed: Only 0.0% of data is {kind}."))]
    assert _only(result, "completeness_check") == [
        ("a", "Value: 0.0 does not meet the constraint requirement! ")]


def test_a_feature_unknown_in_the_baseline_is_checked_too(tmp_path):
    empty = "a,b\n,x\n,y\n,x\n"
    typed = _dataset_run(tmp_path / "typed", empty, "a,b\n1,x\n,y\n3,x\n")
    assert typed.violations == [{"feature_name": "a", "constraint_check_type": "data_type_check",
                                 "description": "Data type match requirement is not met. "
                                 "Expected data type: Unknown, Expected match: 100.0%. Observed: "
                                 "Only 0.0% of data is Unknown."}]
    still_empty = _dataset_run(tmp_path / "same", empty, empty)
    assert still_empty.status_message == \
        "Completed: Job completed successfully with no violations."


def test_an_out_of_domain_category_gets_the_categorical_values_check(tmp_path, baseline):
    constraints = json.loads(open(baseline[1]).read())
    color = next(f for f in constraints["features"] if f["name"] == "color")
    assert color["string_constraints"]["domains"] == ["a", "b", "c"]
    rows = [(label, x, "z" if i % 8 == 0 else c)
            for i, (label, x, c) in enumerate(_base_rows(n=N_CUR))]
    result = _run(tmp_path, baseline, rows)
    assert _only(result, "categorical_values_check") == [
        ("color", "Value: 0.875 does not meet the constraint requirement! ")]
    lowered = _constraints_with(tmp_path / "t", baseline, lambda d: d["monitoring_config"].update(
        domain_content_threshold=0.875))
    assert _only(_run(tmp_path / "t", baseline, rows, baseline_paths=lowered),
                 "categorical_values_check") == []


def test_a_dropped_column_gets_the_missing_column_check(tmp_path, baseline):
    write_capture(tmp_path / "capture", [(x, label) for label, x, _ in _base_rows(n=N_CUR)])
    result = _run(tmp_path, baseline, None)
    assert result.violations == [{
        "feature_name": "color", "constraint_check_type": "missing_column_check",
        "description": "There are missing columns in current dataset: color. Number of columns "
                       "in current dataset: 2, Number of columns in baseline constraints: 3"}]


def test_a_text_column_turning_numeric_breaks_its_type_and_domain(tmp_path):
    # "c" held text only, "d" text and integers: the data-type check matches the value
    # classes each held; both domains are checked whatever type the window has
    base = "c,d\n" + "a,A1\nb,7\nc,8\n" * 2
    result = _dataset_run(tmp_path / "run", base, "c,d\n1,9\n2,7\n1,8\n")
    assert result.violations == [
        {"feature_name": "c", "constraint_check_type": "data_type_check",
         "description": "Data type match requirement is not met. Expected data type: String, "
                        "Expected match: 100.0%. Observed: Only 0.0% of data is String."},
        {"feature_name": "c", "constraint_check_type": "categorical_values_check",
         "description": "Value: 0.0 does not meet the constraint requirement! "},
        {"feature_name": "d", "constraint_check_type": "categorical_values_check",
         "description": "Value: 0.6666666666666666 does not meet the constraint requirement! "}]
    # a baseline whose buckets do not list every value (say a hand-trimmed file) cannot
    # say which classes it held: any value then matches String
    statistics = json.loads((tmp_path / "run/baseline/statistics.json").read_text())
    del statistics["features"][0]["string_statistics"]["distribution"]
    (tmp_path / "trimmed.json").write_text(json.dumps(statistics))
    trimmed = run_monitoring(MonitoringRequest(
        tmp_path / "trimmed.json", tmp_path / "run/baseline/constraints.json",
        tmp_path / "reports2", None, "adhoc", SCHEDULED,
        dataset=DatasetSpec(str(tmp_path / "run/window.csv"))))
    assert [v["constraint_check_type"] for v in trimmed.violations] == [
        "categorical_values_check", "categorical_values_check"]


def _at_and_past(tmp_path, baseline, rows, feature: str, key: str) -> tuple:
    """Runs with the threshold set to the measured distance, then to the next double below."""
    config = {"comparison_method": "Simple"}
    first = _run(tmp_path / "measure", baseline, rows, baseline_paths=_constraints_with(
        tmp_path / "measure", baseline,
        lambda d: d["monitoring_config"]["distribution_constraints"].update(config)))
    distance = first.drift[feature]["distance"]
    assert 0.0 < distance < 1.0
    runs = []
    for name, threshold in (("at", distance), ("past", math.nextafter(distance, 0.0))):
        paths = _constraints_with(tmp_path / name, baseline, lambda d: d["monitoring_config"][
            "distribution_constraints"].update(config, **{key: threshold}))
        runs.append(_run(tmp_path / name, baseline, rows, baseline_paths=paths))
    return distance, runs


@pytest.mark.parametrize("feature, key, rows", [
    ("x", "comparison_threshold", _base_rows(seed=8, n=N_CUR, shift=1.5)),
    ("color", "categorical_comparison_threshold", _base_rows(seed=9, n=N_CUR, mix=(.5, .3, .2))),
])
def test_drift_exactly_at_the_threshold_is_no_violation(tmp_path, baseline, feature, key, rows):
    distance, (at, past) = _at_and_past(tmp_path, baseline, rows, feature, key)
    assert _only(at, "baseline_drift_check") == []
    below = java_double(math.nextafter(distance, 0.0))
    assert _only(past, "baseline_drift_check") == [(feature, (
        f"Baseline drift distance: {java_double(distance)} exceeds threshold: {below}"))]


def _append(tmp_path, text: bytes):
    last = sorted((tmp_path / "capture").rglob("*.jsonl"))[-1]
    with last.open("ab") as handle:
        handle.write(text)


RECORD = ('{"captureData":{"endpointInput":{"data":"%s","encoding":"%s"},'
          '"endpointOutput":{"data":"1","encoding":"CSV"}},'
          '"eventMetadata":{"eventId":"x","inferenceTime":"2024-03-05T10:59:59Z"}}\n')


@pytest.mark.parametrize(("damage", "reason"), [
    (lambda t: _append(t, b"not json at all\n"), "not a JSON capture record"),
    (lambda t: _append(t, (RECORD % ("1.5,a,7", "CSV")).encode()), "has 4 columns"),
    (lambda t: _append(t, (RECORD % ("1.5,a", "UTF8")).encode()), "unknown encoding 'UTF8'"),
])
def test_bad_capture_past_the_share_fails_with_file_and_line(tmp_path, baseline, damage,
                                                              reason):
    write_capture(tmp_path / "capture", [(f"{x},{c}", a) for a, x, c in _base_rows(n=50)])
    damage(tmp_path)
    result = _run(tmp_path, baseline, None)  # 1 of 51 records is 1.96%, past the default 1%
    assert result.status == "Failed" and reason in result.failure_reason
    assert "1 of 51 capture records could not be read (1.96%" in result.failure_reason
    assert ".jsonl" in result.failure_reason and "line 51" in result.failure_reason
    assert result.capture_errors == 1
    _assert_nothing_published(tmp_path)
    tolerant = _run(tmp_path, baseline, None, max_bad_record_share=0.02)
    assert tolerant.status == "Completed" and tolerant.capture_errors == 1
    assert tolerant.item_count == 50
    assert "1 capture record could not be read and was skipped (1.96% of 51)" in \
        tolerant.status_message and reason in tolerant.status_message
    assert tolerant.status_message in (tolerant.report_dir / "message").read_text()


def test_a_torn_last_line_is_skipped_and_counted_not_failed(tmp_path, baseline):
    write_capture(tmp_path / "capture", [(f"{x},{c}", a) for a, x, c in _base_rows(n=50)])
    _append(tmp_path, b'{"captureData":{"endpointIn')
    result = _run(tmp_path, baseline, None)
    assert result.status == "Completed" and result.item_count == 50
    assert result.capture_errors == 1
    assert "1 torn last line was skipped" in result.status_message
    assert "line 51: the last line is cut short" in result.status_message


def test_an_empty_capture_file_is_no_error(tmp_path, baseline):
    write_capture(tmp_path / "capture", [(f"{x},{c}", a) for a, x, c in _base_rows(n=50)])
    folder = next((tmp_path / "capture").rglob("*.jsonl")).parent
    (folder / "59-59-999-empty.jsonl").write_bytes(b"")
    (folder / "59-59-998-blank.jsonl").write_bytes(b"\n\n")
    result = _run(tmp_path, baseline, None)
    assert result.status == "Completed" and result.capture_errors == 0
    assert result.status_message == "Completed: Job completed successfully with no violations."


def test_empty_window_and_missing_baseline_fail(tmp_path, baseline):
    rows = [(f"{x},{c}", a) for a, x, c in _base_rows(n=20)]
    write_capture(tmp_path / "capture", rows, start=WINDOW[0] - timedelta(hours=3))
    result = _run(tmp_path, baseline, None)
    assert (result.status, result.failure_reason) == ("Failed", "Job inputs had no data")
    assert result.status_message == "Failed: Job inputs had no data"
    missing = _run(tmp_path, baseline, None, baseline_paths=(tmp_path / "nope.json",
                                                              baseline[1]))
    assert missing.status == "Failed" and "nope.json" in missing.failure_reason
    _assert_nothing_published(tmp_path)


@pytest.mark.parametrize(("body", "reason"), [
    ("def preprocess_handler(r):\n    raise KeyError('label')\n", "KeyError: 'label'"),
    ("def preprocess_handler(r):\n    while True:\n        pass\n", "was stopped"),
])
def test_failing_preprocessor_fails_the_execution(tmp_path, baseline, body, reason):
    script = tmp_path / "pre.py"
    script.write_text(body)
    result = _run(tmp_path, baseline, _base_rows(n=30), preprocessor_path=script,
                  script_timeout_s=1)
    assert result.status == "Failed" and reason in result.failure_reason
    _assert_nothing_published(tmp_path)


def test_preprocessor_rows_and_postprocessor_after_the_analysis(tmp_path, baseline):
    pre = tmp_path / "pre.py"
    pre.write_text(textwrap.dedent("""
        def preprocess_handler(inference_record, logger):
            x, color = inference_record.endpoint_input.data.split(",")
            if color == "c":
                return []
            return {"label": int(inference_record.endpoint_output.data), "x": float(x),
                    "color": color}
    """))
    post = tmp_path / "post.py"
    post.write_text(textwrap.dedent("""
        import os, pathlib
        def postprocess_handler():
            out = pathlib.Path(os.environ["output_path"])
            assert (out / "statistics.json").exists()
            (out / "post.txt").write_text(os.environ["start_time"])
    """))
    result = _run(tmp_path, baseline, _base_rows(), preprocessor_path=pre,
                  postprocessor_path=post)
    colors = [c for _, _, c in _base_rows()]
    assert result.item_count == len(colors) - colors.count("c")
    assert (result.report_dir / "post.txt").read_text() == "2024-03-05T10:00:00Z"


def test_failing_postprocessor_publishes_nothing(tmp_path, baseline):
    post = tmp_path / "post.py"
    post.write_text("def postprocess_handler():\n    raise RuntimeError('boom')\n")
    result = _run(tmp_path, baseline, _base_rows(n=40), postprocessor_path=post)
    assert result.status == "Failed" and "RuntimeError: boom" in result.failure_reason
    _assert_nothing_published(tmp_path)


def test_dataset_input_monitors_like_batch_transform(tmp_path, baseline):
    data = tmp_path / "batch.csv"
    data.write_text("".join(f"{a},{b},{c}\n" for a, b, c in _base_rows()))
    result = run_monitoring(MonitoringRequest(
        baseline[0], baseline[1], tmp_path / "reports", None, "nightly", SCHEDULED,
        dataset=DatasetSpec(str(data), header=False)))
    assert result.status == "Completed" and result.item_count == N_BASE
    assert result.report_dir == tmp_path / "reports" / "nightly" / "2024/03/05/11"
    assert result.metrics[0].namespace == "aws/sagemaker/ModelMonitoring/data-metrics"


def test_json_lines_dataset_matches_columns_by_name(tmp_path, baseline):
    data = tmp_path / "batch.jsonl"
    data.write_text("".join(json.dumps({"label": int(a), "x": float(b), "color": c}) + "\n"
                            for a, b, c in _base_rows(n=300)))
    result = run_monitoring(MonitoringRequest(
        baseline[0], baseline[1], tmp_path / "reports", None, "nightly", SCHEDULED,
        dataset=DatasetSpec(str(data))))
    assert result.failure_reason is None and result.item_count == 300
    assert set(result.drift) == {"label", "x", "color"}


def test_cancel_propagates_and_publishes_nothing(tmp_path, baseline):
    write_capture(tmp_path / "capture", [(f"{x},{c}", a) for a, x, c in _base_rows(n=50)])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        _run(tmp_path, baseline, None, cancel=token)
    _assert_nothing_published(tmp_path)


def test_progress_reports_reach_the_end(tmp_path, baseline):
    seen = []
    result = _run(tmp_path, baseline, _base_rows(n=50), progress=seen.append)
    assert result.status == "Completed"
    assert seen[-1].done == seen[-1].total and seen[-1].message == result.status_message


def _assert_nothing_published(tmp_path):
    final = report_folder(tmp_path / "reports", "ep", "hourly", SCHEDULED)
    assert not final.exists()
    leftovers = [p for p in (tmp_path / "reports").rglob("*") if p.is_file() or
                 p.name.endswith(".partial")] if (tmp_path / "reports").exists() else []
    assert leftovers == []
