"""The executions tab in the real main window on the demo workspace: a schedule is created in
the dialog, run now by the in-app scheduler, and its report, distributions and history shown."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gui.dialogs.schedule_dialog import ScheduleDialog
from gui.main_window import MainWindow

FINAL = ("Completed", "CompletedWithViolations", "Failed", "Stopped")


def _window(qtbot, runner, folder):
    window = MainWindow(runner, workspace=folder)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=20000)
    window.tabs.setCurrentWidget(window.executions_tab)
    qtbot.waitUntil(lambda: not window.busy_jobs(), timeout=10000)
    return window


def _when_dialog_shown(qtbot, act):
    def run():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ScheduleDialog)
        act(dialog)
    QTimer.singleShot(50, run)


def _create_schedule(qtbot, tab, name):
    def fill(dialog):
        qtbot.keyClicks(dialog.name, name)
        # Three hours back: the demo's capture ends at the last full hour before the session
        # started, which may be two hours ago by the time this runs.
        dialog.window_start.clear()
        qtbot.keyClicks(dialog.window_start, "-PT3H")
        assert dialog.endpoint.currentText() == "demo-churn-xgb"
        assert dialog.baseline.currentText() == "demo-baseline"
        assert len(dialog.next_runs.text().splitlines()) == 5
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                         Qt.MouseButton.LeftButton)
    _when_dialog_shown(qtbot, fill)
    qtbot.mouseClick(tab.schedules.new_button, Qt.MouseButton.LeftButton)
    panel = tab.schedules
    qtbot.waitUntil(lambda: any(r.name == name for r in panel.schedules.rows()), timeout=10000)
    row = next(r for r in range(panel.schedules_proxy.rowCount())
               if panel.schedules_proxy.record_at(r).name == name)
    rect = panel.schedule_table.visualRect(panel.schedules_proxy.index(row, 0))
    qtbot.mouseClick(panel.schedule_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    return row


def test_schedule_dialog_validates_the_expression(qtbot, runner, demo_folder):
    window = _window(qtbot, runner, demo_folder)
    seen = {}

    def check(dialog):
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        qtbot.keyClicks(dialog.name, "x")
        dialog.preset.setCurrentText("Daily at hour")
        dialog.number.setValue(5)
        seen["daily"] = dialog.expression.text()
        dialog.preset.setCurrentText("Custom")
        dialog.expression.setText("cron(nonsense)")
        seen["enabled"] = save.isEnabled()
        seen["error"] = dialog.error.text()
        dialog.reject()
    _when_dialog_shown(qtbot, check)
    qtbot.mouseClick(window.executions_tab.schedules.new_button, Qt.MouseButton.LeftButton)
    assert seen["daily"] == "cron(0 5 ? * * *)"
    assert seen["enabled"] is False and seen["error"]


def test_run_now_shows_violations_distributions_and_history(qtbot, runner, demo_folder,
                                                             qtmodeltester):
    window = _window(qtbot, runner, demo_folder)
    tab = window.executions_tab
    row = _create_schedule(qtbot, tab, "gui-hourly")
    qtmodeltester.check(tab.schedules.schedules)
    assert tab.schedules.schedules_proxy.index(row, 3).data() == "Scheduled"
    assert tab.schedules.selected_schedule().name == "gui-hourly"
    qtbot.mouseClick(tab.schedules.run_button, Qt.MouseButton.LeftButton)
    executions = tab.schedules.executions
    qtbot.waitUntil(lambda: executions.rowCount() == 1 and executions.row_at(0).status in FINAL,
                    timeout=120000)
    qtmodeltester.check(executions)
    execution = executions.row_at(0)
    assert execution.status.startswith("Completed"), execution.failure_reason
    view = tab.report.violations
    qtbot.waitUntil(lambda: view.model.rowCount() == 70, timeout=10000)
    flagged = [r for r in view.model.rows() if r.has_violation]
    assert execution.violation_count >= len(flagged) > 0
    assert all(r.data_type for r in view.model.rows())  # from the execution's statistics.json
    dists = tab.report.distributions
    tab.report.pages.setCurrentWidget(dists)
    assert set(dists.plot.series) == {"baseline", "collected"}
    assert dists.why.text()
    tab.report.pages.setCurrentWidget(tab.history)
    qtbot.waitUntil(lambda: tab.history.metric.count() > 0, timeout=10000)
    assert tab.history.metric.currentText().startswith("feature_baseline_drift_")
    xs, ys = tab.history.points()
    assert len(ys) == 1
    assert tab.history._threshold.isVisible()
    tab.history.alert_threshold.clear()
    qtbot.keyClicks(tab.history.alert_threshold, "0.05")
    qtbot.mouseClick(tab.history.add_alert_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.history.rules.rowCount() == 1, timeout=10000)
    qtmodeltester.check(tab.history.rules)
    qtmodeltester.check(tab.history.events)
    assert tab.history.events.rowCount() >= 1  # INSUFFICIENT_DATA -> OK or ALARM
    rule = tab.history.rules.row_at(0)
    assert rule.metric == "feature_baseline_drift_{f}" and rule.threshold == 0.05
    assert rule.state in ("ALARM", "OK")
