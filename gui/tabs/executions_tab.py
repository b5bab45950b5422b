"""The executions tab: schedules and their executions on the left; the selected execution's
violations table, distributions and metric history on the right; "Open results…" for any
SageMaker output. Reads the workspace and ``core.report.results`` through the job runner."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)

from core.errors import AppError
from core.report.html_report import ReportMetadata, write_report_file
from core.report.pdf import print_pdf
from core.report.results import ResultSet, load_results
from gui.adapters import quick
from gui.dialogs.open_results_dialog import OpenResultsDialog
from gui.dialogs.schedule_dialog import ScheduleDialog
from gui.errors import show_error
from gui.jobs import JobRunner
from gui.settings import Settings
from gui.tabs.executions import loaders
from gui.tabs.executions.history_view import HistoryView
from gui.tabs.executions.report_view import ReportView
from gui.tabs.executions.schedules_panel import SchedulesPanel
from gui.widgets.status_banner import StatusBanner

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 2000  # executions list refresh while one is pending or running
ACTIVE = ("Pending", "InProgress", "Stopping")


class ExecutionsTab(QWidget):
    """Schedules, executions and their reports."""

    result_shown = Signal(str)

    def __init__(self, runner: JobRunner, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._settings = settings or Settings()
        self._workspace = None
        self._overview = loaders.Overview([], [], [])
        self._schedule = None
        self._report_request = 0
        self._shown_execution: tuple | None = None
        self._shown: tuple[ResultSet, str] | None = None  # what Export report writes
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_INTERVAL_MS)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.banner = StatusBanner()
        self.open_results_button = QPushButton("Open results…")
        self.open_results_button.setToolTip("Open a SageMaker monitoring output folder or files "
                                            "(Ctrl+Shift+O)")
        self.export_button = QPushButton("Export report…")
        self.export_button.setToolTip("Save the shown results as one self-contained HTML file "
                                      "or a PDF")
        self.export_button.setEnabled(False)
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.export_button)
        top.addWidget(self.open_results_button)
        self.schedules = SchedulesPanel()
        self.report = ReportView()
        self.history = HistoryView()
        self.report.pages.addTab(self.history, "History")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.schedules)
        self.splitter.addWidget(self.report)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([470, 810])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

    def _connect_signals(self) -> None:
        self.open_results_button.clicked.connect(self.open_results)
        self.export_button.clicked.connect(self._on_export_clicked)
        panel = self.schedules
        panel.schedule_selected.connect(self._on_schedule_selected)
        panel.execution_selected.connect(self._on_execution_selected)
        panel.new_button.clicked.connect(self._on_new_clicked)
        panel.edit_button.clicked.connect(self._on_edit_clicked)
        panel.run_button.clicked.connect(self._on_run_clicked)
        panel.stop_execution_button.clicked.connect(self._on_stop_execution_clicked)
        panel.start_button.clicked.connect(lambda: self._set_running(True))
        panel.stop_button.clicked.connect(lambda: self._set_running(False))
        self.history.metric_changed.connect(self._load_history)
        self.history.alert_requested.connect(self._on_alert_requested)
        self.report.distributions.feature_selected.connect(self._on_feature_selected)
        self._poll.timeout.connect(self._on_poll_timeout)

    def set_workspace(self, workspace) -> None:
        self._workspace = workspace
        self.refresh()

    def refresh(self) -> None:
        """Reload schedules (then the selected schedule's executions and history)."""
        if self._workspace is not None:
            self._submit(loaders.load_overview, self._workspace, on_done=self._on_overview_loaded,
                         name="Load schedules")

    def shutdown(self) -> None:
        self._poll.stop()

    def on_execution_finished(self, execution) -> None:
        """The scheduler finished one: reload its schedule's executions and history."""
        if self._schedule is not None and execution.schedule == self._schedule.name:
            self._load_executions()
            self._load_history(self.history.metric.currentText())

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._poll.stop()
        super().hideEvent(event)

    def _submit(self, fn, *args, on_done, name: str, **kwargs) -> None:
        self._runner.submit(fn, *args, on_done=on_done, on_error=self._on_job_failed, name=name,
                            **kwargs)

    def _on_overview_loaded(self, overview: loaders.Overview) -> None:
        self._overview = overview
        self.schedules.set_schedules(overview.schedules)
        if not overview.schedules:
            self._on_schedule_selected(None)

    def _on_schedule_selected(self, schedule) -> None:
        self._schedule = schedule
        if schedule is None:
            self.schedules.set_executions([])
            return
        self._load_executions()
        self._load_history(self.history.metric.currentText())

    def _load_executions(self) -> None:
        if self._schedule is not None:
            name = self._schedule.name
            self._submit(loaders.load_executions, self._workspace, name,
                         on_done=lambda rows, n=name: self._on_executions_loaded(n, rows),
                         name="Load executions")

    def _load_history(self, metric: str = "") -> None:
        if self._schedule is not None:
            name = self._schedule.name
            self._submit(loaders.load_history, self._workspace, self._schedule, metric,
                         on_done=lambda h, n=name: self._on_history_loaded(n, h),
                         name="Load history")

    def _on_history_loaded(self, schedule: str, history) -> None:
        if self._schedule is not None and schedule == self._schedule.name:
            self.history.set_history(history)

    def _on_executions_loaded(self, schedule: str, executions) -> None:
        if self._schedule is None or schedule != self._schedule.name:
            return  # an answer for a schedule no longer selected
        self.schedules.set_executions(executions)
        if self.schedules.selected_execution() is None:
            done = [e for e in executions if e.report_dir]
            if done:
                self.schedules.select_execution(done[0].id)  # newest first
        if any(e.status in ACTIVE for e in executions) and self.isVisible():
            self._poll.start()
        elif self._poll.isActive():
            self._poll.stop()
            self._load_history(self.history.metric.currentText())

    def _on_poll_timeout(self) -> None:
        self._load_executions()

    def _next_report(self) -> int:
        """A number for the report being asked for: only the latest request is shown."""
        self._report_request += 1
        return self._report_request

    def _on_execution_selected(self, execution) -> None:
        shown = (execution.id, execution.status)
        if shown == self._shown_execution:
            return  # re-selected after a refresh of the list: the report is already on screen
        self._shown_execution = shown
        ticket = self._next_report()
        self._submit(loaders.load_execution_result, self._workspace, execution,
                     on_done=lambda r, e=execution, t=ticket: self._on_execution_result(e, r, t),
                     name="Load execution")

    def _on_execution_result(self, execution, result: ResultSet, ticket: int) -> None:
        if ticket != self._report_request:
            return
        self.banner.clear()
        title = (f"{execution.schedule} — scheduled {execution.scheduled_time:%Y-%m-%d %H:%M} UTC, "
                 f"{execution.status}, {execution.violation_count} violations")
        if execution.report_dir:  # several executions may share an hour: name its own folder
            folder = Path(execution.report_dir)
            title += f" — {folder.parent.name}/{folder.name}"
        if not result.source:
            self.report.set_result(ResultSet(), title + " (no report)")
            if execution.failure_reason:
                self.banner.show_warning(f"Execution failed: {execution.failure_reason}")
            return
        self._show(result, title)

    def _show(self, result: ResultSet, title: str) -> None:
        self.report.set_result(result, title)
        self._shown = (result, title)
        self.export_button.setEnabled(True)
        self.result_shown.emit(result.source)

    def _on_export_clicked(self) -> None:
        if self._shown is None:
            return
        start = self._settings.value("report/last_file") or "report.html"
        path, _ = QFileDialog.getSaveFileName(self, "Export report", start,
                                              "HTML report (*.html);;PDF (*.pdf)")
        if path:
            self.export_report(path)

    def export_report(self, path: str) -> None:
        """Write the shown results to ``path`` (.html, or .pdf through an HTML file beside it)."""
        result, title = self._shown
        self._settings.set_value("report/last_file", path)
        self._submit(_export_report, result, title, path, on_done=self._on_exported,
                     name="Export report")

    def _on_exported(self, path) -> None:
        self.banner.show_info(f"Report written to {path}")

    def _on_new_clicked(self) -> None:
        self._edit_schedule(None)

    def _on_edit_clicked(self) -> None:
        self._edit_schedule(self.schedules.selected_schedule())

    def _edit_schedule(self, existing) -> None:
        if self._workspace is None:
            self.banner.show_warning("Open a workspace first (File > Open workspace).")
            return
        dialog = ScheduleDialog(self._overview.endpoints, self._overview.baselines, existing,
                                parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        self.banner.clear()
        self._submit(quick(_save_schedule), self._workspace, values, existing is None,
                     on_done=lambda _rec: self.refresh(), name="Save schedule")

    def _on_feature_selected(self, feature: str) -> None:
        # The history follows the feature being looked at, when it has a drift metric.
        metric = f"feature_baseline_drift_{feature}"
        if self.history.metric.findText(metric) >= 0 and metric != self.history.metric.currentText():
            self._load_history(metric)

    def _on_alert_requested(self, metric: str, comparison: str, threshold: float,
                            destinations: list) -> None:
        if self._schedule is None:
            return
        self.banner.clear()
        self._submit(loaders.add_alert_rule, self._workspace, self._schedule.name, metric,
                     comparison, threshold, destinations=tuple(destinations),
                     on_done=lambda _r: self._load_history(self.history.metric.currentText()),
                     name="Add alert")

    def _on_run_clicked(self) -> None:
        schedule = self.schedules.selected_schedule()
        if schedule is None:
            return
        self.banner.clear()
        self._submit(quick(self._workspace.run_now), schedule.name,
                     on_done=lambda _e: self._load_executions(), name="Run now")

    def _on_stop_execution_clicked(self) -> None:
        execution = self.schedules.selected_execution()
        if execution is not None:
            self._submit(quick(self._workspace.stop_execution), execution.id,
                         on_done=lambda _e: self._load_executions(), name="Stop execution")

    def _set_running(self, running: bool) -> None:
        schedule = self.schedules.selected_schedule()
        if schedule is None:
            return
        change = self._workspace.start_schedule if running else self._workspace.stop_schedule
        self._submit(quick(change), schedule.name, on_done=lambda _r: self.refresh(),
                     name="Start schedule" if running else "Stop schedule")

    def open_results(self) -> None:
        """Ask for SageMaker result files or a folder (or, with AWS set up, an S3 URI or a
        processing job ARN) and show them."""
        dialog = OpenResultsDialog(self._settings.value("results/last_dir"),
                                   remote=aws_configured(), parent=self)
        accepted = dialog.exec()
        locations, baseline, remote = dialog.locations(), dialog.baseline(), dialog.is_remote()
        dialog.deleteLater()
        if not accepted:
            return
        if remote:
            self.open_remote(locations[0], baseline)
            return
        first = Path(locations[0])
        self._settings.set_value("results/last_dir", str(first if first.is_dir() else first.parent))
        self.show_results(locations, baseline)

    def open_remote(self, location: str, baseline: str | None = None) -> None:
        """Show results from S3 or a processing job ARN (downloaded on a worker)."""
        self.banner.clear()
        self._shown_execution = None
        ticket = self._next_report()
        self._submit(_open_remote, location, baseline,
                     on_done=lambda r, t=ticket: self._on_results_loaded(r, t),
                     name="Open results from AWS")

    def show_results(self, locations: list[str], baseline: str | None = None) -> None:
        """Load result documents on a worker and show them."""
        self.banner.clear()
        self._shown_execution = None
        ticket = self._next_report()
        self._submit(load_results, *locations, baseline_statistics=baseline,
                     on_done=lambda r, t=ticket: self._on_results_loaded(r, t),
                     name="Open results")

    def _on_results_loaded(self, result: ResultSet, ticket: int) -> None:
        if ticket != self._report_request:
            return
        self._show(result, f"Results: {result.source}")
        if result.statistics is None:
            self.banner.show_info("These results have no statistics.json of the analysed data: "
                                  "data type and completeness cannot be shown.")
        elif result.baseline_statistics is None:
            self.banner.show_info("No baseline statistics: distributions show the current "
                                  "data only. Open them with the results to compare.")

    def _on_job_failed(self, error: BaseException) -> None:
        if isinstance(error, AppError):
            self.banner.show_error(str(error))
        else:
            show_error(self, error)


def _export_report(result: ResultSet, title: str, path: str, *, progress, cancel) -> str:
    target = Path(path)
    metadata = ReportMetadata(title=title, fields={"Results": result.source})
    if target.suffix.lower() != ".pdf":
        return str(write_report_file(result, target, metadata))
    html_path = target.with_suffix(".html")
    write_report_file(result, html_path, metadata)
    return str(print_pdf(html_path, target))


def aws_configured() -> bool:
    """True once AWS settings were saved (File > AWS settings)."""
    from core.config import default_settings_path

    return default_settings_path().is_file()


def _open_remote(location: str, baseline: str | None, *, progress, cancel) -> ResultSet:
    # boto3 loads only when AWS results are opened.
    from core.backends.aws.results import open_execution
    from core.config import load_settings

    return open_execution(location, load_settings(), baseline=baseline, progress=progress,
                          cancel=cancel)


def _save_schedule(workspace, values: dict, new: bool):
    from core.workspace.schedules import ScheduleRecord

    if new:
        return workspace.create_schedule(ScheduleRecord(**values))
    name = values.pop("name")
    return workspace.update_schedule(name, **values)
