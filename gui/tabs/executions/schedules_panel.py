"""Schedules of the workspace with their actions, and the executions of the selected one.

Pure view: the tab supplies records and reacts to its signals (new, edit, run now, start,
stop, execution selected)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QGroupBox, QHeaderView, QPushButton, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from gui.widgets.record_table import ALIGN_RIGHT, Column, RecordFilterProxy, RecordTableModel

RESIZE_PRECISION_ROWS = 100  # rows measured when sizing columns to contents

STATUS_COLOURS = {"Completed": "#dff3df", "CompletedWithViolations": "#fff7dc",
                  "Failed": "#fde8e8", "InProgress": "#e8f1fb", "Pending": "#f1f1f1",
                  "Stopped": "#eeeeee", "Stopping": "#eeeeee", "Scheduled": "#dff3df"}


def _time(value) -> str:
    return value.strftime("%m-%d %H:%M") if value else ""


def _window(rec) -> str:
    if not rec.window_start or not rec.window_end:
        return ""
    return f"{rec.window_start:%H:%M} → {rec.window_end:%H:%M}"


SCHEDULE_COLUMNS = (
    Column("schedule", lambda r: r.name),
    Column("endpoint", lambda r: r.endpoint),
    Column("expression", lambda r: r.expression),
    Column("status", lambda r: r.status, background=lambda r: STATUS_COLOURS.get(r.status)),
    Column("baseline", lambda r: r.baseline),
)
EXECUTION_COLUMNS = (
    Column("scheduled", lambda r: r.scheduled_time, fmt=_time,
           tooltip=lambda r: f"{r.scheduled_time:%Y-%m-%d %H:%M:%S} UTC ({r.trigger})"),
    Column("window", _window),
    Column("status", lambda r: r.status, background=lambda r: STATUS_COLOURS.get(r.status),
           tooltip=lambda r: r.status_message or None),
    Column("violations", lambda r: r.violation_count, ALIGN_RIGHT,
           tooltip=lambda r: "\n".join(f"{k}: {v}" for k, v in (r.violation_counts or {}).items())
           or None),
    Column("failure reason", lambda r: r.failure_reason, tooltip=lambda r: r.failure_reason or None),
)


def _table(model, proxy) -> QTableView:
    proxy.setSourceModel(model)
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # Sized from the first rows only: a 500-feature table must not be measured in full.
    table.horizontalHeader().setResizeContentsPrecision(RESIZE_PRECISION_ROWS)
    return table


class SchedulesPanel(QWidget):
    """Two tables; ``set_schedules``/``set_executions`` fill them, keeping the selection."""

    schedule_selected = Signal(object)
    execution_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.schedules = RecordTableModel(SCHEDULE_COLUMNS, self)
        self.schedules_proxy = RecordFilterProxy(self)
        self.schedule_table = _table(self.schedules, self.schedules_proxy)
        self.new_button = QPushButton("New…")
        self.edit_button = QPushButton("Edit…")
        self.run_button = QPushButton("Run now")
        self.run_button.setShortcut("Ctrl+R")
        self.run_button.setToolTip("Run the selected schedule now (Ctrl+R)")
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        buttons = QGridLayout()  # two rows keep the panel narrow on small screens
        for i, button in enumerate((self.new_button, self.edit_button, self.run_button,
                                    self.start_button, self.stop_button)):
            buttons.addWidget(button, i // 3, i % 3)
        schedules_box = QGroupBox("Schedules")
        box_layout = QVBoxLayout(schedules_box)
        box_layout.addWidget(self.schedule_table, 1)
        box_layout.addLayout(buttons)
        self.executions = RecordTableModel(EXECUTION_COLUMNS, self)
        self.executions_proxy = RecordFilterProxy(self)
        self.execution_table = _table(self.executions, self.executions_proxy)
        self.execution_table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.stop_execution_button = QPushButton("Stop execution")
        self.stop_execution_button.setEnabled(False)
        executions_box = QGroupBox("Executions")
        executions_layout = QVBoxLayout(executions_box)
        executions_layout.addWidget(self.execution_table, 1)
        executions_layout.addWidget(self.stop_execution_button, 0,
                                    Qt.AlignmentFlag.AlignLeft)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(schedules_box)
        split.addWidget(executions_box)
        split.setSizes([220, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self._update_buttons()

    def _connect_signals(self) -> None:
        self.schedule_table.selectionModel().selectionChanged.connect(
            self._on_schedule_selection_changed)
        self.execution_table.selectionModel().selectionChanged.connect(
            self._on_execution_selection_changed)

    def selected_schedule(self):
        rows = self.schedule_table.selectionModel().selectedRows()
        return self.schedules_proxy.record_at(rows[0].row()) if rows else None

    def selected_execution(self):
        rows = self.execution_table.selectionModel().selectedRows()
        return self.executions_proxy.record_at(rows[0].row()) if rows else None

    def set_schedules(self, records) -> None:
        current = self.selected_schedule()
        self.schedules.set_rows(records)
        name = current.name if current is not None else (records[0].name if records else None)
        self._select(self.schedule_table, self.schedules_proxy, lambda r: r.name == name)
        self._update_buttons()

    def set_executions(self, records) -> None:
        current = self.selected_execution()
        self.executions.set_rows(records)
        if current is not None:
            self._select(self.execution_table, self.executions_proxy, lambda r: r.id == current.id)
        self._on_execution_selection_changed()

    def select_execution(self, execution_id: int) -> bool:
        return self._select(self.execution_table, self.executions_proxy,
                            lambda r: r.id == execution_id)

    @staticmethod
    def _select(table, proxy, predicate) -> bool:
        for row in range(proxy.rowCount()):
            if predicate(proxy.record_at(row)):
                table.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        schedule = self.selected_schedule()
        for button in (self.edit_button, self.run_button):
            button.setEnabled(schedule is not None)
        self.start_button.setEnabled(schedule is not None and schedule.status == "Stopped")
        self.stop_button.setEnabled(schedule is not None and schedule.status != "Stopped")

    def _on_schedule_selection_changed(self, *_args) -> None:
        self._update_buttons()
        self.schedule_selected.emit(self.selected_schedule())

    def _on_execution_selection_changed(self, *_args) -> None:
        execution = self.selected_execution()
        self.stop_execution_button.setEnabled(execution is not None
                                              and execution.status in ("Pending", "InProgress"))
        if execution is not None:
            self.execution_selected.emit(execution)
