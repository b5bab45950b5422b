"""The main window: four tabs, the File menu, a status bar of running jobs, remembered state,
and the wiring between tabs (which never talk to each other directly)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QLabel, QMainWindow, QMessageBox, QProgressBar,
                               QTabWidget)

from gui.adapters import quick
from gui.desktop_notifier import DesktopNotifier
from gui.errors import show_error
from gui.jobs import JobRunner
from gui.scheduler_driver import SchedulerDriver
from gui.settings import Settings
from gui.tabs.baselines_tab import BaselinesTab
from gui.tabs.deployment_tab import DeploymentTab
from gui.tabs.executions_tab import ExecutionsTab
from gui.tabs.live_traffic_tab import LiveTrafficTab
from gui.workspace_loader import is_empty_folder, open_workspace_job

log = logging.getLogger(__name__)

STATUS_MESSAGE_MS = 10000


class MainWindow(QMainWindow):
    """Tabs get the runner and the open workspace; the window owns neither's lifetime rules."""

    workspace_opened = Signal(object)

    def __init__(self, runner: JobRunner, workspace: Path | None = None, demo: bool = False,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self._runner = runner
        self._settings = settings or Settings()
        self.workspace = None
        self.scheduler = SchedulerDriver(runner, self)
        self.notifier = DesktopNotifier(self)
        self.setWindowTitle("Model Monitor Desktop")
        self.resize(1280, 820)
        self._build_ui()
        self._build_menus()
        self._connect_signals()
        self._restore_state()
        folder = workspace or (Path(self._settings.value("workspace/last"))
                               if self._settings.value("workspace/last") else None)
        if folder is not None:
            # After show(): a failure dialog must have a visible parent, and start-up stays quick.
            QTimer.singleShot(0, lambda: self.open_workspace(Path(folder), demo=demo))

    def _build_ui(self) -> None:
        runner = self._runner
        self.tabs = QTabWidget()
        settings = self._settings
        self.deployment_tab = DeploymentTab(runner, settings)
        self.live_traffic_tab = LiveTrafficTab(runner, settings)
        self.baselines_tab = BaselinesTab(runner, settings)
        self.executions_tab = ExecutionsTab(runner, settings)
        self.tabs.addTab(self.deployment_tab, "Deployment")
        self.tabs.addTab(self.live_traffic_tab, "Live traffic")
        self.tabs.addTab(self.baselines_tab, "Baselines")
        self.tabs.addTab(self.executions_tab, "Executions")
        self.setCentralWidget(self.tabs)
        self.jobs_label = QLabel()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.workspace_label = QLabel("No workspace")
        self.scheduler_label = QLabel()
        bar = self.statusBar()
        bar.addWidget(self.workspace_label, 1)
        bar.addPermanentWidget(self.scheduler_label)
        bar.addPermanentWidget(self.jobs_label)
        bar.addPermanentWidget(self.busy)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_workspace_action = self._action(file_menu, "&Open workspace…",
                                                  QKeySequence.StandardKey.Open,
                                                  self._on_open_workspace_triggered)
        self.new_workspace_action = self._action(file_menu, "&New workspace…",
                                                 QKeySequence.StandardKey.New,
                                                 self._on_new_workspace_triggered)
        file_menu.addSeparator()
        self.open_results_action = self._action(file_menu, "Open &results…", "Ctrl+Shift+O",
                                                self._on_open_results_triggered)
        self.settings_action = self._action(file_menu, "&AWS settings…", "Ctrl+,",
                                            self._on_settings_triggered)
        self.managed_action = self._action(file_menu, "SageMaker &schedules…", "Ctrl+Shift+M",
                                           self._on_managed_schedules_triggered)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", "Ctrl+Q", self.close)
        view_menu = self.menuBar().addMenu("&View")
        for i in range(self.tabs.count()):
            self._action(view_menu, self.tabs.tabText(i), f"Ctrl+{i + 1}",
                         lambda _=False, i=i: self.tabs.setCurrentIndex(i))
        view_menu.addSeparator()
        self._action(view_menu, "&Refresh", "F5",
                     self._on_refresh_triggered)

    def _action(self, menu, text, shortcut, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _connect_signals(self) -> None:
        self._runner.jobs_changed.connect(self._on_runner_jobs_changed)
        self.scheduler.state_changed.connect(self.scheduler_label.setText)
        self.scheduler.execution_finished.connect(self._on_execution_finished)
        self.scheduler.alert_changed.connect(self._on_alert_changed)
        self.scheduler.execution_finished.connect(self.executions_tab.on_execution_finished)
        for tab in self._tabs():
            self.workspace_opened.connect(tab.set_workspace)
        # Cross-tab wiring lives here, never inside a tab.
        self.deployment_tab.endpoints_changed.connect(self.live_traffic_tab.refresh)
        self.deployment_tab.endpoints_changed.connect(self.executions_tab.refresh)
        self.baselines_tab.baselines_changed.connect(self.executions_tab.refresh)

    def _tabs(self):
        return (self.deployment_tab, self.live_traffic_tab, self.baselines_tab,
                self.executions_tab)

    def _restore_state(self) -> None:
        geometry = self._settings.value("window/geometry")
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = self._settings.value("window/state")
        if not state.isEmpty():
            self.restoreState(state)
        self.tabs.setCurrentIndex(min(max(0, self._settings.value("window/tab")),
                                      self.tabs.count() - 1))

    def open_workspace(self, folder: Path, demo: bool = False) -> None:
        """Open (and with ``demo``, first fill an empty folder with the demo) on a worker."""
        make_demo = demo and is_empty_folder(folder)
        self.workspace_label.setText(f"Opening {folder}…" if not make_demo
                                     else f"Creating the demo workspace in {folder}…")
        self._runner.submit(open_workspace_job, folder, make_demo=make_demo,
                            on_done=self._on_workspace_loaded,
                            on_error=self._on_workspace_failed, exclusive=True,
                            name="Create demo workspace" if make_demo else "Open workspace")

    def _on_workspace_loaded(self, workspace) -> None:
        old, self.workspace = self.workspace, workspace
        self._settings.set_value("workspace/last", str(workspace.root))
        self.workspace_label.setText(f"Workspace: {workspace.root}")
        self.setWindowTitle(f"{Path(workspace.root).name} — Model Monitor Desktop")
        self.scheduler.stop()
        self.workspace_opened.emit(workspace)
        self.scheduler.start(workspace)
        if old is not None and old is not workspace:
            old.close()

    def _on_workspace_failed(self, error: BaseException) -> None:
        self.workspace_label.setText("No workspace")
        show_error(self, error)

    def _on_open_workspace_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open workspace",
                                                  self._settings.value("workspace/last"))
        if folder:
            self.open_workspace(Path(folder))

    def _on_new_workspace_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose an empty folder for the workspace")
        if not folder:
            return
        if not is_empty_folder(Path(folder)):
            QMessageBox.warning(self, "New workspace", "Choose an empty folder.")
            return
        answer = QMessageBox.question(self, "New workspace",
                                      "Fill it with the demo (model, training set, traffic)?")
        self.open_workspace(Path(folder), demo=answer == QMessageBox.StandardButton.Yes)

    def _on_open_results_triggered(self) -> None:
        self.tabs.setCurrentWidget(self.executions_tab)
        self.executions_tab.open_results()

    def _on_settings_triggered(self) -> None:
        from gui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self, runner=self._runner)
        dialog.exec()
        dialog.deleteLater()
        self.deployment_tab.refresh()  # the AWS backend appears once it is set up

    def _on_managed_schedules_triggered(self) -> None:
        from gui.dialogs.managed_schedules_dialog import ManagedSchedulesDialog
        from gui.tabs.executions_tab import aws_configured

        if not aws_configured():
            QMessageBox.information(self, "SageMaker schedules", "Set up the AWS backend first "
                                    "(File > AWS settings).")
            return
        dialog = ManagedSchedulesDialog(self._runner, self)
        dialog.open_requested.connect(self._open_managed_execution)
        dialog.exec()
        dialog.deleteLater()

    def _open_managed_execution(self, location: str) -> None:
        self.tabs.setCurrentWidget(self.executions_tab)
        self.executions_tab.open_remote(location)

    def _on_refresh_triggered(self) -> None:
        self.tabs.currentWidget().refresh()

    def busy_jobs(self) -> list[str]:
        """Names of the running jobs, without the scheduler's long-lived one."""
        driving = self.scheduler.job
        return [job.name for job in self._runner.active_jobs() if job is not driving]

    def _on_runner_jobs_changed(self) -> None:
        names = self.busy_jobs()
        self.jobs_label.setText("" if not names else "Running: " + ", ".join(names))
        self.busy.setVisible(bool(names))

    def _on_execution_finished(self, execution) -> None:
        self.statusBar().showMessage(f"Execution of {execution.schedule}: {execution.status}, "
                                     f"{execution.violation_count} violations", STATUS_MESSAGE_MS)

    def _on_alert_changed(self, event) -> None:
        self.statusBar().showMessage(f"Alert {event.rule}: {event.old_state} → {event.new_state}",
                                     STATUS_MESSAGE_MS)
        if event.new_state == "ALARM" and self.workspace is not None:
            self._runner.submit(quick(self.workspace.get_alert_rule), event.rule,
                                on_done=lambda rule, e=event: self._notify_desktop(rule, e),
                                name="Alert notification")

    def _notify_desktop(self, rule, event) -> None:
        if rule is not None and "desktop" in rule.destinations:
            self.notifier.notify(f"Alert {event.rule}: ALARM", event.reason)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._settings.set_value("window/geometry", self.saveGeometry())
        self._settings.set_value("window/state", self.saveState())
        self._settings.set_value("window/tab", self.tabs.currentIndex())
        self._settings.sync()
        self.scheduler.stop()  # before the runner waits for its workers
        for tab in self._tabs():
            tab.shutdown()
        self._runner.shutdown()
        if self.workspace is not None:
            self.workspace.close()
        super().closeEvent(event)
