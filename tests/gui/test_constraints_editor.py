"""Editing real SageMaker constraints: global thresholds and methods, per-feature overrides,
domains and checks, with validation; the document stays SageMaker's shape."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from core.errors import ValidationError
from gui.tabs.baselines import constraints_edit as ce
from gui.tabs.baselines.constraints_editor import ConstraintsEditor


@pytest.fixture
def churn_constraints(samples):
    return json.loads((samples / "data-quality" / "churn-baseline-constraints.2021.json").read_text())


def _string_doc():
    return {"version": 0.0, "features": [
        {"name": "city", "inferred_type": "String", "completeness": 1.0,
         "string_constraints": {"domains": ["a", "b"]}},
        {"name": "age", "inferred_type": "Integral", "completeness": 1.0,
         "num_constraints": {"is_non_negative": True}}],
        "monitoring_config": {"evaluate_constraints": "Enabled", "emit_metrics": "Enabled",
                              "datatype_check_threshold": 1.0, "domain_content_threshold": 1.0,
                              "distribution_constraints": {"perform_comparison": "Enabled",
                                                           "comparison_threshold": 0.1,
                                                           "comparison_method": "Robust"}}}


def test_rows_describe_the_real_churn_constraints(churn_constraints):
    rows = ce.constraint_rows(churn_constraints)
    assert len(rows) == 70
    churn = rows[0]
    assert (churn.feature, churn.inferred_type, churn.completeness, churn.non_negative) == (
        "Churn", "Integral", 1.0, "yes")
    assert all(r.checks_enabled for r in rows)


def test_feature_edits_and_validation():
    doc = _string_doc()
    edited = ce.with_feature(doc, "city", completeness=0.9, domains=["a", " b", "c"],
                             overrides={"evaluate_constraints": "Disabled"})
    city = edited["features"][0]
    assert city["completeness"] == 0.9 and city["string_constraints"]["domains"] == ["a", "b", "c"]
    assert city[ce.OVERRIDES] == {"evaluate_constraints": "Disabled"}
    assert doc["features"][0]["completeness"] == 1.0  # the input is not modified
    with pytest.raises(ValidationError):
        ce.with_feature(doc, "age", domains=["x"])
    with pytest.raises(ValidationError):
        ce.with_feature(doc, "city", completeness=1.5)
    with pytest.raises(ValidationError):
        ce.with_feature(doc, "city", domains=["a", "a"])
    with pytest.raises(ValidationError):
        ce.with_monitoring_config(doc, {"distribution_constraints": {"comparison_method": "Odd"}})


def test_user_edits_global_config_and_a_feature(qtbot, churn_constraints):
    editor = ConstraintsEditor()
    qtbot.addWidget(editor)
    editor.show()
    editor.set_document(churn_constraints)
    qtbot.mouseClick(editor.compare, Qt.MouseButton.LeftButton)  # turn drift comparison off
    editor.comparison_threshold.clear()
    qtbot.keyClicks(editor.comparison_threshold, "0.25")
    editor.method.setCurrentText("Simple")
    dist = editor.doc["monitoring_config"]["distribution_constraints"]
    assert dist["perform_comparison"] == "Disabled"
    assert dist["comparison_threshold"] == 0.25 and dist["comparison_method"] == "Simple"
    assert editor.dirty_label.text() == "Unsaved changes."
    qtbot.keyClicks(editor.filter_edit, "Day Mins")
    assert editor.proxy.rowCount() == 1
    rect = editor.table.visualRect(editor.proxy.index(0, 0))
    qtbot.mouseClick(editor.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not editor.domains.isEnabled()  # a numeric feature has no domains
    qtbot.mouseClick(editor.feature_checks, Qt.MouseButton.LeftButton)
    editor.feature_threshold.clear()
    qtbot.keyClicks(editor.feature_threshold, "0.3")
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    day = next(f for f in editor.doc["features"] if f["name"] == "Day Mins")
    assert day[ce.OVERRIDES] == {"evaluate_constraints": "Disabled",
                                 "distribution_constraints": {"comparison_threshold": 0.3}}
    assert editor.proxy.index(0, 5).data() == "off"
    with qtbot.waitSignal(editor.save_requested) as saved:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert saved.args[0] == editor.doc
    qtbot.mouseClick(editor.revert_button, Qt.MouseButton.LeftButton)
    assert editor.doc is churn_constraints and editor.dirty_label.text() == ""
