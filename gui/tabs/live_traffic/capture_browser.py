"""Browse an endpoint's capture folders (yyyy/mm/dd/hh), the records of a file, and any
record pretty-printed. Files are read through the job runner."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDir, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QFileSystemModel, QLabel, QPlainTextEdit, QSplitter, QTableView,
                               QTreeView, QVBoxLayout, QWidget)

from core.report.capture_view import CaptureRow, capture_file_rows, pretty_record
from gui.errors import show_error
from gui.jobs import JobRunner
from gui.widgets.record_table import ALIGN_RIGHT, Column, RecordFilterProxy, RecordTableModel

RECORD_LIMIT = 5000  # records listed per file; capture files roll over hourly anyway

COLUMNS = (
    Column("line", lambda r: r.line, ALIGN_RIGHT),
    Column("inferenceTime", lambda r: r.inference_time),
    Column("inferenceId", lambda r: r.inference_id),
    Column("input", lambda r: r.input_preview),
    Column("output", lambda r: r.output_preview),
)


class CaptureBrowser(QWidget):
    """``set_root(folder)`` shows the capture tree; selecting a file lists its records."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.files = QFileSystemModel(self)
        self.files.setNameFilters(["*.jsonl"])
        self.files.setNameFilterDisables(False)
        self.files.setFilter(QDir.Filter.AllDirs | QDir.Filter.Files | QDir.Filter.NoDotAndDotDot)
        self.tree = QTreeView()
        self.tree.setModel(self.files)
        for column in (1, 2, 3):
            self.tree.hideColumn(column)
        self.tree.setHeaderHidden(True)
        self.records = RecordTableModel(COLUMNS, self)
        self.proxy = RecordFilterProxy(self)
        self.proxy.setSourceModel(self.records)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # file order
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.file_label = QLabel("Choose a capture file.")
        self.record_text = QPlainTextEdit()
        self.record_text.setReadOnly(True)
        self.record_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.record_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.file_label)
        middle_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tree)
        splitter.addWidget(middle)
        splitter.addWidget(self.record_text)
        splitter.setSizes([260, 480, 440])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _connect_signals(self) -> None:
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)

    def set_root(self, folder: Path | None) -> None:
        if folder is None:
            return
        folder.mkdir(parents=True, exist_ok=True)
        root = self.files.setRootPath(str(folder))
        self.tree.setRootIndex(root)

    def open_file(self, path: Path) -> None:
        """List the records of one capture file (on a worker)."""
        index = self.files.index(str(path))
        if index.isValid():
            self.tree.setCurrentIndex(index)
        else:
            self._load(path)

    def _load(self, path: Path) -> None:
        self.file_label.setText(f"Reading {path.name}…")
        self._runner.submit(capture_file_rows, str(path), RECORD_LIMIT,
                            on_done=lambda rows, p=path: self._on_rows_loaded(p, rows),
                            on_error=lambda e: show_error(self, e), name="Read capture file")

    def _on_tree_current_changed(self, current, _previous) -> None:
        path = Path(self.files.filePath(current))
        if path.is_file():
            self._load(path)

    def _on_rows_loaded(self, path: Path, rows: list[CaptureRow]) -> None:
        self.records.set_rows(rows)
        more = " (first records only)" if len(rows) >= RECORD_LIMIT else ""
        self.file_label.setText(f"{path.parent.name}h / {path.name}: {len(rows)} records{more}")
        if rows:
            self.table.selectRow(0)
        else:
            self.record_text.clear()

    def _on_table_current_changed(self, current, _previous) -> None:
        if current.isValid():
            self.record_text.setPlainText(pretty_record(self.proxy.record_at(current.row()).record))
