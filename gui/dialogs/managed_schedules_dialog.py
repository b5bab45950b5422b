"""SageMaker's own monitoring schedules, for accounts that have Model Monitor: list, create,
start, stop, delete, and list a schedule's executions and open one in the Executions tab.

Every AWS call runs as a job of the runner; the dialog only shows what came back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QMessageBox, QPushButton, QTableView,
                               QVBoxLayout, QWidget)

from core.errors import AppError
from gui.errors import show_error
from gui.jobs import JobRunner
from gui.widgets.record_table import Column, RecordTableModel
from gui.widgets.status_banner import StatusBanner

SCHEDULE_COLUMNS = (
    Column("schedule", lambda r: r["MonitoringScheduleName"]),
    Column("status", lambda r: r["MonitoringScheduleStatus"]),
    Column("endpoint", lambda r: r.get("EndpointName", "")),
)
EXECUTION_COLUMNS = (
    Column("scheduled (UTC)", lambda e: e.scheduled_time, fmt=lambda t: f"{t:%Y-%m-%d %H:%M}"),
    Column("status", lambda e: e.status),
    Column("reason", lambda e: e.failure_reason),
)


class ManagedSchedulesDialog(QDialog):
    """``open_requested(location)`` asks the Executions tab to open an execution's report."""

    open_requested = Signal(str)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.setWindowTitle("SageMaker monitoring schedules")
        self.resize(900, 620)
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        self.banner = StatusBanner()
        self.schedules = RecordTableModel(SCHEDULE_COLUMNS, self)
        self.executions = RecordTableModel(EXECUTION_COLUMNS, self)
        self.schedule_table = _table(self.schedules)
        self.execution_table = _table(self.executions)
        self.refresh_button = QPushButton("Refresh")
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.delete_button = QPushButton("Delete…")
        self.open_button = QPushButton("Open execution")
        buttons = QHBoxLayout()
        for button in (self.refresh_button, self.start_button, self.stop_button,
                       self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        self.name = QLineEdit()
        self.endpoint = QLineEdit()
        self.statistics = QLineEdit()
        self.statistics.setPlaceholderText("s3://…/statistics.json")
        self.constraints = QLineEdit()
        self.constraints.setPlaceholderText("s3://…/constraints.json")
        self.cron = QLineEdit("cron(0 * ? * * *)")
        self.window_start = QLineEdit()
        self.window_start.setPlaceholderText("e.g. -PT1H (required with NOW)")
        self.window_end = QLineEdit()
        self.window_end.setPlaceholderText("e.g. -PT0H (required with NOW)")
        self.create_button = QPushButton("Create schedule")
        form = QFormLayout()
        for label, widget in (("Name", self.name), ("Endpoint", self.endpoint),
                              ("Baseline statistics", self.statistics),
                              ("Baseline constraints", self.constraints),
                              ("Schedule expression", self.cron),
                              ("Window start", self.window_start),
                              ("Window end", self.window_end)):
            form.addRow(label, widget)
        form.addRow("", self.create_button)
        create_box = QGroupBox("New data-quality schedule")
        create_box.setLayout(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(QLabel("Schedules"))
        layout.addWidget(self.schedule_table, 2)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Executions of the selected schedule"))
        layout.addWidget(self.execution_table, 2)
        layout.addWidget(create_box)

    def _connect_signals(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.start_button.clicked.connect(lambda: self._act("start"))
        self.stop_button.clicked.connect(lambda: self._act("stop"))
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.create_button.clicked.connect(self._on_create_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.schedule_table.selectionModel().currentRowChanged.connect(
            lambda *_: self._load_executions())

    # -- jobs ----------------------------------------------------------------------------

    def _submit(self, fn, *args, on_done, name: str) -> None:
        self._runner.submit(fn, *args, on_done=on_done, on_error=self._on_failed, name=name)

    def refresh(self) -> None:
        self._submit(_list_schedules, on_done=self._on_schedules_loaded, name="List schedules")

    def _on_schedules_loaded(self, rows) -> None:
        selected = self.selected_schedule()
        self.schedules.set_rows(rows)
        names = [r["MonitoringScheduleName"] for r in rows]
        if rows:
            row = names.index(selected) if selected in names else 0
            self.schedule_table.selectRow(row)
        else:
            self.executions.set_rows([])

    def selected_schedule(self) -> str | None:
        index = self.schedule_table.currentIndex()
        if not index.isValid():
            return None
        return self.schedules.row_at(index.row())["MonitoringScheduleName"]

    def _load_executions(self) -> None:
        name = self.selected_schedule()
        if name:
            self._submit(_list_executions, name, on_done=self.executions.set_rows,
                         name="List executions")

    def _act(self, action: str) -> None:
        name = self.selected_schedule()
        if not name:
            return
        self.banner.clear()
        self._submit(_schedule_action, action, name,
                     on_done=lambda _r, a=action, n=name: self._on_acted(a, n),
                     name=f"{action.title()} schedule")

    def _on_acted(self, action: str, name: str) -> None:
        self.banner.show_info(f"Schedule {name}: {action} done.")
        self.refresh()

    def _on_delete_clicked(self) -> None:
        name = self.selected_schedule()
        if name and QMessageBox.question(
                self, "Delete schedule", f"Delete {name} and its job definition on SageMaker?"
        ) == QMessageBox.StandardButton.Yes:
            self._act("delete")

    def create(self) -> None:
        """Create the schedule the form describes."""
        from core.backends.aws.managed_monitor import ScheduleSpec

        self.banner.clear()
        spec = ScheduleSpec(name=self.name.text().strip(), endpoint=self.endpoint.text().strip(),
                            statistics_uri=self.statistics.text().strip(),
                            constraints_uri=self.constraints.text().strip(),
                            cron=self.cron.text().strip(),
                            window_start=self.window_start.text().strip(),
                            window_end=self.window_end.text().strip())
        self._submit(_create_schedule, spec,
                     on_done=lambda _arn, n=spec.name: self._on_acted("create", n),
                     name="Create schedule")

    def _on_create_clicked(self) -> None:
        self.create()

    def _on_open_clicked(self) -> None:
        index = self.execution_table.currentIndex()
        if not index.isValid():
            self.banner.show_info("Choose an execution to open.")
            return
        execution = self.executions.row_at(index.row())
        if not execution.processing_job_arn:
            self.banner.show_warning("This execution has no processing job (it did not run).")
            return
        self.open_requested.emit(execution.processing_job_arn)

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, AppError):
            self.banner.show_error(str(error))
        else:
            show_error(self, error)


def _table(model: RecordTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # nothing clipped
    header.setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    return table


# Worker-side calls: boto3 loads only when this dialog is used.

def _settings():
    from core.config import load_settings

    return load_settings().validate()


def _list_schedules(*, progress, cancel):
    from core.backends.aws.managed_monitor import list_schedules

    return list_schedules(_settings())


def _list_executions(name: str, *, progress, cancel):
    from core.backends.aws.managed_monitor import list_executions

    return list(reversed(list_executions(_settings(), name)))  # newest first


def _schedule_action(action: str, name: str, *, progress, cancel) -> None:
    from core.backends.aws import managed_monitor

    getattr(managed_monitor, f"{action}_schedule")(_settings(), name)


def _create_schedule(spec, *, progress, cancel) -> str:
    from core.backends.aws.managed_monitor import create_schedule

    return create_schedule(_settings(), spec)
