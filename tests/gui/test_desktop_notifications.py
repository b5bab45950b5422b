"""An alert rule that asks for desktop notifications shows one when it goes to ALARM (the tray
where the desktop has one, the status bar always); rules that did not ask stay quiet."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.workspace.alerts import ALARM, OK, AlertRule
from gui.main_window import MainWindow


def _window(qtbot, runner, folder):
    window = MainWindow(runner, workspace=folder)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=20000)
    return window


def test_alarm_of_a_desktop_rule_is_shown(qtbot, runner, demo_folder):
    window = _window(qtbot, runner, demo_folder)
    ws = window.workspace
    ws.create_alert_rule(AlertRule("loud", "feature_baseline_drift_{f}", ">", 0.1,
                                   destinations=("desktop",)))
    ws.create_alert_rule(AlertRule("quiet", "feature_baseline_drift_{f}", ">", 0.1))
    shown = []
    window.notifier.shown.connect(lambda title, text: shown.append((title, text)))
    for name in ("quiet", "loud"):
        event = ws.set_alert_state(name, ALARM, f"{name} drifted")
        window.scheduler.alert_changed.emit(event)
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    qtbot.wait(300)  # the quiet rule's lookup has finished by now too
    assert shown == [("Alert loud: ALARM", "loud drifted")]
    window.scheduler.alert_changed.emit(ws.set_alert_state("loud", OK, "fine"))
    qtbot.wait(300)
    assert len(shown) == 1  # back to OK is not a desktop message
    assert "loud" in window.statusBar().currentMessage()


def test_history_view_adds_a_rule_with_destinations(qtbot, runner, demo_folder):
    window = _window(qtbot, runner, demo_folder)
    tab = window.executions_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.schedules.schedules.rowCount() > 0, timeout=10000)
    tab._on_schedule_selected(tab.schedules.schedules.row_at(0))
    history = tab.history
    history.alert_notify.setText("desktop, webhook:https://hooks.example.com/x")
    qtbot.mouseClick(history.add_alert_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(r.destinations for r in window.workspace.list_alert_rules()),
                    timeout=10000)
    (rule,) = [r for r in window.workspace.list_alert_rules() if r.destinations]
    assert rule.destinations == ("desktop", "webhook:https://hooks.example.com/x")
