"""Per-feature distributions of one result: a sortable feature list, and for the selected
feature the current against baseline chart, summary statistics and what drove a drift."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHeaderView, QLabel, QScrollArea, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from core.report.results import FeatureRow, ResultSet, build_feature_rows, feature_map, summary_stats
from core.report.drift_text import drift_explanation
from gui.widgets.feature_table import feature_table
from gui.widgets.record_table import ALIGN_RIGHT, Column

WHY_MIN_WIDTH_PX = 220
STAT_KEYS = ("num_present", "num_missing", "mean", "sum", "std_dev", "min", "max",
             "distinct_count")


def _num(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.4g}"


COLUMNS = (
    Column("feature", lambda r: r.feature,
           background=lambda r: "#fff7dc" if r.violated else None),
    Column("type", lambda r: r.inferred_type),
    Column("drift", lambda r: r.drift, ALIGN_RIGHT, _num,
           header_tooltip="Distance between the baseline and current distributions"),
    Column("baseline mean", lambda r: r.baseline_mean, ALIGN_RIGHT, _num),
    Column("current mean", lambda r: r.current_mean, ALIGN_RIGHT, _num),
)


class DistributionsView(QWidget):
    """``set_result(result)`` fills the list; the chart is drawn only for the selected feature."""

    feature_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result = ResultSet()
        self._base: dict[str, dict] = {}
        self._cur: dict[str, dict] = {}
        self._plot = None  # created on first display: pyqtgraph is costly to build up front
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        parts = feature_table(COLUMNS, self, sort_column=2, order=Qt.SortOrder.DescendingOrder)
        self.model, self.proxy = parts.model, parts.proxy
        self.filter_edit, self.table = parts.filter_edit, parts.table
        header = self.table.horizontalHeader()
        header.setDefaultSectionSize(78)
        header.resizeSection(0, 170)
        self.table.horizontalHeader().setStretchLastSection(True)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter_edit)
        left_layout.addWidget(self.table, 1)
        self.stats = QTableWidget(0, 3)
        self.stats.setHorizontalHeaderLabels(["statistic", "baseline", "current"])
        self.stats.verticalHeader().setVisible(False)
        self.stats.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.stats.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.why = QLabel()
        self.why.setWordWrap(True)
        self.why.setTextFormat(Qt.TextFormat.RichText)
        self.why.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._detail = QWidget()
        self._detail_layout = QVBoxLayout(self._detail)
        self._detail_layout.setContentsMargins(0, 0, 0, 0)
        side = QSplitter(Qt.Orientation.Horizontal)
        side.addWidget(self.stats)
        why_scroll = QScrollArea()  # violation descriptions can be long
        why_scroll.setWidgetResizable(True)
        why_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        why_scroll.setWidget(self.why)
        why_scroll.setMinimumWidth(WHY_MIN_WIDTH_PX)
        side.addWidget(why_scroll)
        side.setStretchFactor(1, 1)
        side.setSizes([250, 350])
        self._side = side
        self._detail_layout.addWidget(side, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self._detail)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([420, 780])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _connect_signals(self) -> None:
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)

    @property
    def plot(self):
        """The distribution chart, built the first time a feature is shown."""
        if self._plot is None:
            from gui.widgets.distribution_plot import DistributionPlot

            self._plot = DistributionPlot()
            self._detail_layout.insertWidget(0, self._plot, 3)
        return self._plot

    def set_result(self, result: ResultSet) -> None:
        self._result = result
        self._base = feature_map(result.baseline_statistics)
        self._cur = feature_map(result.statistics)
        self.model.set_rows(build_feature_rows(result))
        if self.proxy.rowCount():
            self.table.selectRow(0)
        else:
            self.stats.setRowCount(0)
            self.why.clear()

    def show_feature(self, name: str) -> None:
        """Select ``name`` in the list (which draws it)."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.record_at(row).feature == name:
                self.table.selectRow(row)
                self.table.scrollTo(self.proxy.index(row, 0))
                return

    def _on_table_current_changed(self, current, _previous) -> None:
        if not current.isValid():
            return
        row: FeatureRow = self.proxy.record_at(current.row())
        base, cur = self._base.get(row.feature), self._cur.get(row.feature)
        self.plot.set_feature(row.feature, base, cur)
        self._fill_stats(summary_stats(base) if base else {}, summary_stats(cur) if cur else {})
        self.why.setText(drift_explanation(row, base, cur, self._result))
        self.feature_selected.emit(row.feature)

    def _fill_stats(self, base: dict, cur: dict) -> None:
        keys = [k for k in STAT_KEYS if k in base or k in cur]
        self.stats.setRowCount(len(keys))
        for i, key in enumerate(keys):
            self.stats.setItem(i, 0, QTableWidgetItem(key))
            for col, source in ((1, base), (2, cur)):
                item = QTableWidgetItem(_num(source[key]) if key in source else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.stats.setItem(i, col, item)
