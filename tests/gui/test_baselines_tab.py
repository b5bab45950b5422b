"""The baselines tab on the demo workspace: the registered baseline's statistics and
constraints, a new baseline suggested with progress, a cancelled one, edited constraints saved."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from gui.tabs.baselines_tab import BaselinesTab


def _tab(qtbot, runner, workspace):
    tab = BaselinesTab(runner)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_workspace(workspace)
    qtbot.waitUntil(lambda: tab.statistics.rowCount() > 0, timeout=10000)
    return tab


def _click_row(qtbot, table, proxy, predicate):
    row = next(r for r in range(proxy.rowCount()) if predicate(proxy.record_at(r)))
    table.scrollTo(proxy.index(row, 0))
    rect = table.visualRect(proxy.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_shows_the_demo_baseline(qtbot, runner, demo_workspace, qtmodeltester):
    tab = _tab(qtbot, runner, demo_workspace)
    for model in (tab.baselines, tab.statistics, tab.constraints.model):
        qtmodeltester.check(model)
    assert tab.baselines_proxy.index(0, 0).data() == "demo-baseline"
    assert tab.statistics.rowCount() == 70
    assert tab.dataset.text().endswith("churn-training.csv")
    headers = [tab.statistics.headerData(c, Qt.Orientation.Horizontal) for c in range(9)]
    assert headers == ["feature", "type", "present", "missing", "mean", "std", "min", "max",
                       "distinct"]
    qtbot.keyClicks(tab.statistics_filter, "Day Mins")
    _click_row(qtbot, tab.statistics_table, tab.statistics_proxy, lambda r: r.feature == "Day Mins")
    row = tab.statistics_proxy.record_at(0)
    assert row.inferred_type == "Fractional" and row.num_present == 3000
    assert tab.statistics_proxy.index(0, 2).data() == "3000"
    tab.pages.setCurrentIndex(2)
    assert tab.plot.plot.getPlotItem().getAxis("bottom").labelText == "Day Mins"
    assert len(tab.plot.series["training data"].keys) == 10
    assert tab.constraints.model.rowCount() == 70


def test_suggest_a_new_baseline_with_progress(qtbot, runner, demo_workspace):
    tab = _tab(qtbot, runner, demo_workspace)
    tab.name.clear()
    qtbot.keyClicks(tab.name, "second")
    with qtbot.waitSignal(tab.baselines_changed, timeout=60000):
        qtbot.mouseClick(tab.suggest_button, Qt.MouseButton.LeftButton)
        assert tab.progress.isVisible()
    assert "3000 rows, 70 features" in tab.banner.text()
    assert not tab.progress.isVisible()
    qtbot.waitUntil(lambda: tab.baselines.rowCount() == 2, timeout=5000)
    assert (demo_workspace.baselines_dir / "second" / "statistics.json").is_file()


def test_cancelled_suggestion_is_silent(qtbot, runner, demo_workspace, tmp_path, monkeypatch):
    big = tmp_path / "big.csv"
    training = (demo_workspace.root / "datasets" / "churn-training.csv").read_text().splitlines()
    big.write_text("\n".join(training + training[1:] * 40) + "\n")
    shown = []
    monkeypatch.setattr("gui.tabs.baselines_tab.show_error", lambda *a: shown.append(a))
    tab = _tab(qtbot, runner, demo_workspace)
    tab.dataset.setText(str(big))
    qtbot.mouseClick(tab.suggest_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.progress.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.progress.busy, timeout=60000)
    assert tab.banner.level == "info" and "cancelled" in tab.banner.text()
    assert shown == [] and tab.suggest_button.isEnabled()
    assert demo_workspace.get_baseline("big-baseline") is None


def test_edited_constraints_are_saved_as_constraints_json(qtbot, runner, demo_workspace):
    tab = _tab(qtbot, runner, demo_workspace)
    tab.pages.setCurrentWidget(tab.constraints)
    editor = tab.constraints
    editor.comparison_threshold.clear()
    qtbot.keyClicks(editor.comparison_threshold, "0.2")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.banner.text().startswith("Saved"), timeout=5000)
    path = demo_workspace.get_baseline("demo-baseline").constraints_path
    text = open(path).read()
    assert '"comparison_threshold" : 0.2' in text  # the analyzer's layout
    assert json.loads(text)["monitoring_config"]["distribution_constraints"][
        "comparison_threshold"] == 0.2
    assert editor.dirty_label.text() == ""
