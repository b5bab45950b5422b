"""The baselines tab: suggest a baseline from a training dataset (with progress and Cancel),
the workspace's baselines, a baseline's statistics, its constraints (editable, saved as
constraints.json) and each feature's distribution. Core work goes through the job runner."""

from __future__ import annotations

import math
import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit,
                               QPushButton, QSplitter, QTableView, QTabWidget, QVBoxLayout,
                               QWidget)

from core.errors import AppError
from core.names import validate_name
from core.report.results import feature_map, statistics_rows
from gui.adapters import quick
from gui.errors import show_error
from gui.jobs import JobRunner
from gui.settings import Settings
from gui.tabs.baselines import jobs
from gui.tabs.baselines.constraints_editor import ConstraintsEditor
from gui.widgets.job_progress import JobProgress
from gui.widgets.record_table import ALIGN_RIGHT, Column, RecordFilterProxy, RecordTableModel
from gui.widgets.status_banner import StatusBanner

RESIZE_PRECISION_ROWS = 100  # rows measured when sizing columns to contents


def _num(value: float) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.6g}"


def _column(title: str, attr: str) -> Column:
    return Column(title, lambda r: getattr(r, attr), ALIGN_RIGHT, _num)


STATISTICS_COLUMNS = (
    Column("feature", lambda r: r.feature),
    Column("type", lambda r: r.inferred_type),
    _column("present", "num_present"), _column("missing", "num_missing"),
    _column("mean", "mean"), _column("std", "std_dev"), _column("min", "min"),
    _column("max", "max"), _column("distinct", "distinct_count"),
)
BASELINE_COLUMNS = (
    Column("baseline", lambda r: r.name, tooltip=lambda r: r.statistics_path),
    Column("dataset", lambda r: Path(r.dataset).name, tooltip=lambda r: r.dataset),
    Column("rows", lambda r: r.item_count, ALIGN_RIGHT),
    Column("features", lambda r: r.feature_count, ALIGN_RIGHT),
    Column("created", lambda r: r.created_at,
           fmt=lambda v: v.strftime("%Y-%m-%d %H:%M") if v else ""),
)


def _table(model: RecordTableModel, parent: QWidget) -> tuple[QTableView, RecordFilterProxy]:
    proxy = RecordFilterProxy(parent)
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(0)
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # document order until a click
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # Sized from the first rows only: a 500-feature table must not be measured in full.
    table.horizontalHeader().setResizeContentsPrecision(RESIZE_PRECISION_ROWS)
    return table, proxy


class BaselinesTab(QWidget):
    """Baselines of the open workspace."""

    baselines_changed = Signal()

    def __init__(self, runner: JobRunner, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._settings = settings or Settings()
        self._workspace = None
        self._baseline = None
        self._statistics: dict = {}
        self._plot = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.banner = StatusBanner()
        self.dataset = QLineEdit(self._settings.value("baselines/last_dataset"))
        self.dataset.setPlaceholderText("training dataset: CSV or JSON Lines")
        self.browse = QPushButton("Browse…")
        self.header = QCheckBox("First row is a header")
        self.header.setChecked(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("baseline name")
        self.suggest_button = QPushButton("Suggest baseline")
        self.suggest_button.setShortcut("Ctrl+B")
        self.suggest_button.setToolTip("Profile the dataset into statistics and constraints (Ctrl+B)")
        self.progress = JobProgress()
        row = QHBoxLayout()
        for widget, stretch in ((QLabel("Dataset"), 0), (self.dataset, 3), (self.browse, 0),
                                (self.header, 0), (QLabel("Name"), 0), (self.name, 1),
                                (self.suggest_button, 0)):
            row.addWidget(widget, stretch)
        suggest_box = QGroupBox("Suggest a baseline")
        box_layout = QVBoxLayout(suggest_box)
        box_layout.addLayout(row)
        box_layout.addWidget(self.progress)
        self.baselines = RecordTableModel(BASELINE_COLUMNS, self)
        self.baseline_table, self.baselines_proxy = _table(self.baselines, self)
        self.statistics = RecordTableModel(STATISTICS_COLUMNS, self)
        self.statistics_table, self.statistics_proxy = _table(self.statistics, self)
        self.statistics_filter = QLineEdit()
        self.statistics_filter.setPlaceholderText("Filter features…")
        stats_page = QWidget()
        stats_layout = QVBoxLayout(stats_page)
        stats_layout.addWidget(self.statistics_filter)
        stats_layout.addWidget(self.statistics_table, 1)
        self.constraints = ConstraintsEditor()
        self.distribution_page = QWidget()
        self._distribution_layout = QVBoxLayout(self.distribution_page)
        self.distribution_hint = QLabel("Select a feature in Statistics to see its distribution.")
        self._distribution_layout.addWidget(self.distribution_hint)
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(stats_page, "Statistics")
        self.pages.addTab(self.constraints, "Constraints")
        self.pages.addTab(self.distribution_page, "Distribution")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.baseline_table)
        split.addWidget(self.pages)
        split.setSizes([380, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(suggest_box)
        layout.addWidget(split, 1)

    def _connect_signals(self) -> None:
        self.browse.clicked.connect(self._on_browse_clicked)
        self.dataset.textChanged.connect(self._on_dataset_changed)
        self.suggest_button.clicked.connect(self._on_suggest_clicked)
        self.baseline_table.selectionModel().selectionChanged.connect(self._on_baseline_selected)
        self.statistics_filter.textChanged.connect(self.statistics_proxy.setFilterFixedString)
        self.statistics_table.selectionModel().currentRowChanged.connect(self._on_feature_changed)
        self.constraints.save_requested.connect(self._on_constraints_save_requested)
        self.constraints.problem.connect(self.banner.show_error)

    def set_workspace(self, workspace) -> None:
        self._workspace = workspace
        datasets = Path(workspace.root) / "datasets"
        if not self.dataset.text() and datasets.is_dir():
            training = sorted(datasets.glob("*train*.csv"))
            if training:
                self.dataset.setText(str(training[0]))
        self.refresh()

    def refresh(self) -> None:
        """Reload the workspace's baselines."""
        if self._workspace is not None:
            self._runner.submit(quick(self._workspace.list_baselines),
                                on_done=self._on_baselines_loaded, on_error=self._on_failed,
                                name="List baselines")

    def shutdown(self) -> None:
        if self.progress.job is not None:
            self.progress.job.cancel()

    @property
    def plot(self):
        """The distribution chart, built the first time a feature is shown."""
        if self._plot is None:
            from gui.widgets.distribution_plot import DistributionPlot

            self._plot = DistributionPlot()
            self._distribution_layout.addWidget(self._plot, 1)
        return self._plot

    def _on_baselines_loaded(self, records) -> None:
        current = self._baseline.name if self._baseline else None
        self.baselines.set_rows(records)
        target = current or (records[-1].name if records else None)
        for row in range(self.baselines_proxy.rowCount()):
            if self.baselines_proxy.record_at(row).name == target:
                self.baseline_table.selectRow(row)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Training dataset", self.dataset.text(),
                                              "Datasets (*.csv *.jsonl *.json);;All files (*)")
        if path:
            self.dataset.setText(path)

    def _on_dataset_changed(self, text: str) -> None:
        if text and not self.name.isModified():
            stem = Path(text).name.split(".")[0]
            stem = re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-")[:54].strip("-")
            self.name.setText(f"{stem}-baseline" if stem else "baseline")

    def _on_suggest_clicked(self) -> None:
        self.banner.clear()
        if self._workspace is None:
            self.banner.show_warning("Open a workspace first (File > Open workspace).")
            return
        if self.progress.busy:
            return
        dataset, name = self.dataset.text().strip(), self.name.text().strip()
        if not dataset or not name:
            self.banner.show_error("Choose a dataset and give the baseline a name.")
            return
        try:
            validate_name(name, "baseline")
        except AppError as error:
            self.banner.show_error(str(error))
            return
        self._settings.set_value("baselines/last_dataset", dataset)
        job = self._runner.submit(jobs.suggest_and_register, self._workspace, name, dataset,
                                  self.header.isChecked(), on_done=self._on_suggested,
                                  on_error=self._on_suggest_failed,
                                  on_progress=self.progress.update,
                                  on_cancelled=self._on_suggest_cancelled,
                                  name=f"Suggest baseline {name}")
        self.progress.track(job, f"Profiling {Path(dataset).name}…")
        self.suggest_button.setEnabled(False)

    def _suggest_finished(self) -> None:
        self.progress.finish()
        self.suggest_button.setEnabled(True)

    def _on_suggested(self, record) -> None:
        self._suggest_finished()
        self._baseline = record
        self.banner.show_info(f"Baseline {record.name}: {record.item_count} rows, "
                              f"{record.feature_count} features.")
        self.refresh()
        self.baselines_changed.emit()

    def _on_suggest_cancelled(self) -> None:
        self._suggest_finished()
        self.banner.show_info("Baseline suggestion cancelled.")

    def _on_suggest_failed(self, error: BaseException) -> None:
        self._suggest_finished()
        self._on_failed(error)

    def _on_baseline_selected(self, *_args) -> None:
        rows = self.baseline_table.selectionModel().selectedRows()
        if not rows:
            return
        self._baseline = self.baselines_proxy.record_at(rows[0].row())
        self._runner.submit(jobs.read_baseline, self._baseline, on_done=self._on_documents_loaded,
                            on_error=self._on_failed, name="Read baseline")

    def _on_documents_loaded(self, documents) -> None:
        statistics, constraints = documents
        self._statistics = feature_map(statistics)
        self.statistics.set_rows(statistics_rows(statistics))
        self.constraints.set_document(constraints)
        if self.statistics_proxy.rowCount():
            self.statistics_table.selectRow(0)

    def _on_feature_changed(self, current, _previous) -> None:
        if current.isValid() and self.pages.currentWidget() is not None:
            name = self.statistics_proxy.record_at(current.row()).feature
            self.distribution_hint.setText(f"{name}: distribution of the training data.")
            self.plot.set_feature(name, self._statistics.get(name), None,
                                  baseline_label="training data")

    def _on_constraints_save_requested(self, doc: dict) -> None:
        if self._baseline is None:
            return
        self.banner.clear()
        self._runner.submit(jobs.save_constraints, self._baseline.constraints_path, doc,
                            on_done=lambda _: self._on_constraints_saved(doc),
                            on_error=self._on_failed, name="Save constraints")

    def _on_constraints_saved(self, doc: dict) -> None:
        self.constraints.mark_saved(doc)
        self.banner.show_info(f"Saved {self._baseline.constraints_path}.")

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, AppError):
            self.banner.show_error(str(error))
        else:
            show_error(self, error)
