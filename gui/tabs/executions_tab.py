"""The executions tab: schedules and their executions on the left; the selected execution's
violations table, distributions and metric history on the right; "Open results…" for any
SageMaker output. Talks to ``core.report`` and the workspace's schedules (through the runner)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QVBoxLayout, QWidget

from core.errors import AppError
from core.report import ResultSet, load_results
from gui.dialogs.open_results_dialog import OpenResultsDialog
from gui.errors import show_error
from gui.jobs import JobRunner
from gui.settings import Settings
from gui.tabs.executions.report_view import ReportView
from gui.widgets.status_banner import StatusBanner

log = logging.getLogger(__name__)


class ExecutionsTab(QWidget):
    """Schedules, executions and their reports."""

    result_shown = Signal(str)

    def __init__(self, runner: JobRunner, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._settings = settings or Settings()
        self._workspace = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.banner = StatusBanner()
        self.open_results_button = QPushButton("Open results…")
        self.open_results_button.setToolTip("Open a SageMaker monitoring output folder or files "
                                            "(Ctrl+Shift+O)")
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.open_results_button)
        self.left = QWidget()
        self.left_layout = QVBoxLayout(self.left)
        self.left_layout.setContentsMargins(0, 0, 0, 0)
        self.report = ReportView()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.report)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([430, 850])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

    def _connect_signals(self) -> None:
        self.open_results_button.clicked.connect(self.open_results)

    def set_workspace(self, workspace) -> None:
        self._workspace = workspace
        self.refresh()

    def refresh(self) -> None:
        """Reload schedules and executions of the open workspace."""

    def shutdown(self) -> None:
        """Nothing runs on a timer here; the runner is shut down by the window."""

    def open_results(self) -> None:
        """Ask for SageMaker result files or a folder and show them."""
        dialog = OpenResultsDialog(self._settings.value("results/last_dir"), parent=self)
        if not dialog.exec():
            return
        locations, baseline = dialog.locations(), dialog.baseline()
        first = Path(locations[0])
        self._settings.set_value("results/last_dir", str(first if first.is_dir() else first.parent))
        self.show_results(locations, baseline)

    def show_results(self, locations: list[str], baseline: str | None = None) -> None:
        """Load result documents on a worker and show them."""
        self.banner.clear()
        self._runner.submit(load_results, *locations, baseline_statistics=baseline,
                            on_done=self._on_results_loaded, on_error=self._on_job_failed,
                            name="Open results")

    def _on_results_loaded(self, result: ResultSet) -> None:
        self.report.set_result(result, f"Results: {result.source}")
        if result.statistics is None:
            self.banner.show_info("These results have no statistics.json of the analysed data: "
                                  "data type and completeness cannot be shown.")
        elif result.baseline_statistics is None:
            self.banner.show_info("No baseline statistics: distributions show the current "
                                  "data only. Open them with the results to compare.")
        self.result_shown.emit(result.source)

    def _on_job_failed(self, error: BaseException) -> None:
        if isinstance(error, AppError):
            self.banner.show_error(str(error))
        else:
            show_error(self, error)
