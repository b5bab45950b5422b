"""``ground-truth upload``, ``quality-baseline`` and ``quality-monitor`` in real processes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from core.formats.capture import capture_file_path, capture_line
from core.workspace.store import Workspace
from tests.conftest import PROJECT_ROOT, SAMPLES

T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)
CHURN = SAMPLES / "churn-data" / "validation_with_predictions.csv"


def _run(*args):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def _traffic(tmp_path, n=300, *, flip=0.3, output=None, seed=1):
    """Captured binary traffic (JSON responses) and a labels CSV, some labels wrong."""
    rng = np.random.default_rng(seed)
    folder = capture_file_path(tmp_path / "capture", "ep", "AllTraffic", T0, "a").parent
    folder.mkdir(parents=True)
    lines, rows = [], [["inference_id", "label"]]
    for i in range(n):
        probability = float(rng.random())
        predicted = int(probability >= 0.5)
        body = output(i, probability) if output else json.dumps(
            {"predicted_label": predicted, "score": probability})
        lines.append(capture_line("1,2,3", "text/csv", body, "application/json",
                                  inference_time=T0 + timedelta(seconds=i),
                                  inference_id=f"req-{i}"))
        label = predicted if rng.random() >= flip else 1 - predicted
        if i % 10:  # every tenth inference never gets a label
            rows.append([f"req-{i}", str(label)])
    (folder / "a.jsonl").write_bytes(b"".join(lines))
    with open(tmp_path / "labels.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return tmp_path / "capture", tmp_path / "labels.csv"


@pytest.fixture
def baseline(tmp_path):
    result = _run("quality-baseline", "--dataset", CHURN, "--problem-type",
                  "BinaryClassification", "--inference-attribute", "prediction",
                  "--probability-attribute", "probability", "--ground-truth-attribute", "label",
                  "--output", tmp_path / "baseline")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "201 records" in result.stdout
    return tmp_path / "baseline" / "constraints.json"


def test_upload_baseline_and_monitor_end_to_end(tmp_path, baseline):
    capture, labels = _traffic(tmp_path)
    upload = _run("ground-truth", "upload", "--labels", labels, "--id-column", "inference_id",
                  "--label-column", "label", "--destination", tmp_path / "gt",
                  "--time", "2026-06-01T11:20:00Z")
    assert upload.returncode == 0, upload.stderr
    assert "270 labels" in upload.stdout and "/2026/06/01/11/" in upload.stdout
    result = _run("quality-monitor", "--capture", capture, "--ground-truth", tmp_path / "gt",
                  "--constraints", baseline, "--problem-type", "BinaryClassification",
                  "--inference-attribute", "predicted_label", "--probability-attribute",
                  "score", "--output", tmp_path / "report", "--endpoint", "ep",
                  "--start", "2026-06-01T08:00:00Z", "--end", "2026-06-01T09:00:00Z",
                  "--ground-truth-end-offset", "PT4H", "--workspace", tmp_path / "ws")
    assert result.returncode == 0, result.stderr
    assert "270 merged records (30 captured without a label, 0 labels without" in result.stdout
    report = tmp_path / "report"
    assert sorted(p.name for p in report.iterdir()) == \
        ["constraint_violations.json", "merge_summary.json", "statistics.json"]
    stats = json.loads((report / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == 270
    accuracy = stats["binary_classification_metrics"]["accuracy"]
    assert 0.55 < accuracy["value"] < 0.85 and accuracy["standard_deviation"] > 0
    violations = json.loads((report / "constraint_violations.json").read_text())["violations"]
    names = {v["metric_name"] for v in violations}
    assert {"accuracy", "auc", "precision"} <= names  # 30% of the labels flipped
    block = stats["binary_classification_metrics"]
    rules = json.loads(baseline.read_text())["binary_classification_constraints"]
    for name, rule in rules.items():  # every violation, and only violations, are reported
        value, threshold = block[name]["value"], rule["threshold"]
        broken = value < threshold if rule["comparison_operator"] == "LessThanThreshold" \
            else value > threshold
        camel = {"true_positive_rate": "truePositiveRate", "true_negative_rate":
                 "trueNegativeRate", "false_positive_rate": "falsePositiveRate",
                 "false_negative_rate": "falseNegativeRate"}.get(name, name)
        assert broken == (camel in names), name
    workspace = Workspace.open(tmp_path / "ws")
    try:
        assert workspace.metric_series("accuracy", endpoint="ep") == [(T0, accuracy["value"])]
        assert "f2_best_constant_classifier" in workspace.metric_names(endpoint="ep")
    finally:
        workspace.close()
    summary = json.loads((report / "merge_summary.json").read_text())["merge"]
    assert summary["matched"] == 270 and summary["unmatched_captured"] == 30
    # labels collected after the ground-truth window do not join
    late = _run("quality-monitor", "--capture", capture, "--ground-truth", tmp_path / "gt",
                "--constraints", baseline, "--problem-type", "BinaryClassification",
                "--probability-attribute", "score", "--output", tmp_path / "late",
                "--start", "2026-06-01T08:00:00Z", "--end", "2026-06-01T09:00:00Z",
                "--ground-truth-end-offset", "PT1H")
    assert late.returncode == 2 and "no captured record matched a ground-truth label" in \
        late.stderr and late.stderr.count("\n") == 1
    assert not (tmp_path / "late").exists()


def _bad_monitor(tmp_path, baseline, *, labels_rows=None, problem="BinaryClassification",
                 extra=(), output=None, constraints=None):
    capture, labels = _traffic(tmp_path, n=50, output=output)
    if labels_rows is not None:
        with open(labels, "w", newline="") as handle:
            csv.writer(handle).writerows(labels_rows)
    upload = _run("ground-truth", "upload", "--labels", labels, "--id-column", "inference_id",
                  "--label-column", "label", "--destination", tmp_path / "gt")
    assert upload.returncode == 0, upload.stderr
    result = _run("quality-monitor", "--capture", capture, "--ground-truth", tmp_path / "gt",
                  "--constraints", constraints or baseline, "--problem-type", problem,
                  "--output", tmp_path / "report", *extra)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "report").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report")]
    return result.stderr


def test_labels_that_are_not_numbers(tmp_path, baseline):
    rows = [["inference_id", "label"], ["req-1", "1"], ["req-2", "yes"]]
    message = _bad_monitor(tmp_path, baseline, labels_rows=rows,
                           extra=("--inference-attribute", "predicted_label"))
    assert "line 2: the label 'yes' is not a number" in message and "/gt/" in message


def test_ids_that_match_nothing(tmp_path, baseline):
    rows = [["inference_id", "label"], ["other-1", "1"], ["other-2", "0"]]
    message = _bad_monitor(tmp_path, baseline, labels_rows=rows,
                           extra=("--inference-attribute", "predicted_label"))
    assert "no captured record matched a ground-truth label (50 captured records in 1 " \
        "files, 2 labels in 1 files)" in message


def test_a_problem_type_that_does_not_fit(tmp_path, baseline):
    # binary labels scored with probabilities as the predicted label
    message = _bad_monitor(tmp_path, baseline, extra=("--inference-attribute", "score"))
    assert "BinaryClassification needs 0/1 predictions, found 0." in message
    assert "--probability-attribute" in message and ".jsonl, line " in message


def test_constraints_of_another_problem_type(tmp_path, baseline):
    message = _bad_monitor(tmp_path, baseline, problem="Regression",
                           extra=("--inference-attribute", "score"))
    assert "the constraints are for BinaryClassification, not Regression" in message


def test_a_missing_probability_attribute(tmp_path, baseline):
    def output(i, probability):
        body = {"predicted_label": int(probability >= 0.5)}
        if i != 7:
            body["score"] = probability
        return json.dumps(body)
    message = _bad_monitor(tmp_path, baseline, output=output,
                           extra=("--probability-attribute", "score"))
    assert ".jsonl, line 8: the response has no 'score' for the probability" in message


def test_baseline_bad_inputs_write_nothing(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("y,p\n1.5,2\n2.5,x\n")
    result = _run("quality-baseline", "--dataset", data, "--problem-type", "Regression",
                  "--inference-attribute", "p", "--ground-truth-attribute", "y",
                  "--output", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr == f"error: {data}, line 3: the prediction 'x' is not a number\n"
    result = _run("quality-baseline", "--dataset", data, "--problem-type", "Regression",
                  "--inference-attribute", "q", "--ground-truth-attribute", "y",
                  "--output", tmp_path / "out")
    assert result.returncode == 2 and "no column 'q' for the prediction" in result.stderr
    result = _run("quality-baseline", "--dataset", data, "--problem-type", "Regression",
                  "--probability-attribute", "p", "--ground-truth-attribute", "y",
                  "--output", tmp_path / "out")
    assert result.returncode == 2 and "apply only to BinaryClassification" in result.stderr
    result = _run("quality-baseline", "--dataset", data, "--problem-type",
                  "MulticlassClassification", "--ground-truth-attribute", "y",
                  "--output", tmp_path / "out")
    assert result.returncode == 2 and "needs the inference attribute" in result.stderr
    assert not (tmp_path / "out").exists()


def test_upload_of_a_bad_labels_file(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("inference_id,label\na,1\na,0\n")
    result = _run("ground-truth", "upload", "--labels", labels, "--id-column", "inference_id",
                  "--label-column", "label", "--destination", tmp_path / "gt")
    assert result.returncode == 2
    assert result.stderr == (f"error: {labels}, line 3, field 'inference_id': duplicate id "
                             "'a' (first on line 2)\n")
    assert not (tmp_path / "gt").exists()
