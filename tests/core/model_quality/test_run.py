"""quality_monitor's report folder: written whole, other files left alone, kept on failure."""

from __future__ import annotations

import json

import pytest

from core.errors import InputError
from core.model_quality.problem import QualitySettings
from core.model_quality.run import quality_monitor
from tests.core.model_quality.test_merge import write_capture, write_truth


def test_reruns_replace_only_the_report_files_and_a_failure_keeps_the_last_report(tmp_path):
    write_capture(tmp_path / "c", [
        {"event_id": f"e{i}", "inference_id": None, "minute": i, "output": str(i % 3)}
        for i in range(30)])
    write_truth(tmp_path / "g", [(f"e{i}", str(i % 3 if i % 4 else 0), 1) for i in range(30)])
    constraints = tmp_path / "constraints.json"
    constraints.write_text(json.dumps({"version": 0.0, "multiclass_classification_constraints": {
        "accuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"}}}))
    settings = QualitySettings("MulticlassClassification")
    out = tmp_path / "report"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    first = quality_monitor(tmp_path / "c", tmp_path / "g", constraints, settings, out)
    assert first.counts.matched == 30 and (out / "notes.txt").read_text() == "mine"
    stats = json.loads((out / "statistics.json").read_text())
    matrix = stats["multiclass_classification_metrics"]["confusion_matrix"]
    assert list(matrix) == ["0", "1", "2"]
    assert [v["metric_name"] for v in first.violations] == ["accuracy"]
    before = (out / "statistics.json").read_text()
    write_truth(tmp_path / "g", [("e1", "", 2)])  # an empty label: the next run fails
    with pytest.raises(InputError, match="labels.jsonl, line 1: the label is empty"):
        quality_monitor(tmp_path / "c", tmp_path / "g", constraints, settings, out)
    assert (out / "statistics.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".report")) == []
