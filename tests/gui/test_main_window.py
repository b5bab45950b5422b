"""The main window: tabs in order, menu shortcuts, remembered tab and geometry, jobs in the
status bar."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.main_window import MainWindow
from gui.settings import Settings


def _window(qtbot, runner, **kwargs):
    window = MainWindow(runner, **kwargs)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # shortcuts only reach the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    return window


def test_tabs_and_keyboard_shortcuts_switch_tabs(qtbot, runner):
    window = _window(qtbot, runner)
    assert [window.tabs.tabText(i) for i in range(4)] == [
        "Deployment", "Live traffic", "Baselines", "Executions"]
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.executions_tab, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.live_traffic_tab, timeout=2000)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&View"]
    assert window.open_results_action.shortcut().toString() == "Ctrl+Shift+O"


def test_last_tab_and_geometry_are_remembered(qtbot, runner):
    window = _window(qtbot, runner)
    window.tabs.setCurrentIndex(2)
    window.resize(window.minimumSizeHint().width() + 13, window.minimumSizeHint().height() + 7)
    size = (window.width(), window.height())
    window.close()
    assert Settings().value("window/tab") == 2
    again = _window(qtbot, runner)
    assert again.tabs.currentIndex() == 2
    assert (again.width(), again.height()) == size


def test_status_bar_lists_running_jobs(qtbot, runner):
    window = _window(qtbot, runner)
    release = threading.Event()

    def slow(*, progress, cancel):
        release.wait(5)

    runner.submit(slow, name="Slow thing")
    qtbot.waitUntil(lambda: "Slow thing" in window.jobs_label.text(), timeout=2000)
    assert window.busy.isVisible()
    release.set()
    qtbot.waitUntil(lambda: window.jobs_label.text() == "", timeout=5000)
    qtbot.waitUntil(lambda: not window.busy.isVisible(), timeout=2000)


def test_demo_flag_fills_an_empty_folder_and_opens_it(qtbot, runner, tmp_path):
    folder = tmp_path / "new-demo"
    window = _window(qtbot, runner, workspace=folder, demo=True)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=90000)
    assert (folder / "workspace.db").is_file()
    assert str(folder) in window.workspace_label.text()
    qtbot.waitUntil(lambda: window.deployment_tab.model.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(lambda: window.baselines_tab.baselines.rowCount() == 1, timeout=10000)
    assert Settings().value("workspace/last") == str(folder.resolve())
    qtbot.waitUntil(lambda: window.scheduler.running, timeout=5000)
    window.close()
    assert not window.scheduler.running


def test_a_workspace_that_cannot_open_is_reported(qtbot, runner, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("gui.main_window.show_error", lambda parent, error: shown.append(error))
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    window = _window(qtbot, runner, workspace=not_a_folder)
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    assert window.workspace is None and window.workspace_label.text() == "No workspace"


def test_aws_settings_dialog_opens_from_the_file_menu(qtbot, runner, tmp_path, monkeypatch):
    from PySide6.QtCore import QTimer

    from gui.dialogs.settings_dialog import SettingsDialog

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    window = _window(qtbot, runner)
    seen = []

    def close_it():
        dialog = QApplication.activeModalWidget()
        seen.append(type(dialog))
        dialog.reject()
    QTimer.singleShot(100, close_it)
    window.settings_action.trigger()
    assert seen == [SettingsDialog]
