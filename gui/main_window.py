"""The main window: four tabs, a status bar and the wiring between them (no business logic)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMainWindow, QTabWidget

from gui.jobs import JobRunner
from gui.tabs.baselines_tab import BaselinesTab
from gui.tabs.deployment_tab import DeploymentTab
from gui.tabs.executions_tab import ExecutionsTab
from gui.tabs.live_traffic_tab import LiveTrafficTab


class MainWindow(QMainWindow):
    def __init__(self, runner: JobRunner, workspace: Path | None = None, demo: bool = False) -> None:
        super().__init__()
        self._runner = runner
        self.setWindowTitle("Model Monitor Desktop")
        self.resize(1280, 820)
        self.tabs = QTabWidget()
        self.deployment_tab = DeploymentTab(runner)
        self.live_traffic_tab = LiveTrafficTab(runner)
        self.baselines_tab = BaselinesTab(runner)
        self.executions_tab = ExecutionsTab(runner)
        self.tabs.addTab(self.deployment_tab, "Deployment")
        self.tabs.addTab(self.live_traffic_tab, "Live traffic")
        self.tabs.addTab(self.baselines_tab, "Baselines")
        self.tabs.addTab(self.executions_tab, "Executions")
        self.setCentralWidget(self.tabs)
        self.statusBar().showMessage("Ready")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._runner.shutdown()
        super().closeEvent(event)
