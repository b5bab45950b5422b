"""The violations table of one result, as the AWS helper ``show_violation_df`` draws it:
per feature data_type, completeness, baseline_drift, categorical_values; violating cells
orange, rows with any violation tinted; sortable, filterable, descriptions on hover."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QHeaderView, QLabel, QSizePolicy,
                               QVBoxLayout, QWidget)

from core.report.results import ViolationRow
from gui.widgets.feature_table import feature_table
from gui.widgets.record_table import ALIGN_RIGHT, Column

VIOLATION_COLOUR = "orange"
ROW_TINT = "#fff7dc"


def percent(value: float) -> str:
    """``{:.2%}``, and N/A for NaN, as ``style_violation_df`` formats."""
    return "N/A" if value is None or math.isnan(value) else f"{value:.2%}"


def _cell_colour(column: str):
    def colour(row: ViolationRow) -> str | None:
        if row.violates(column):
            return VIOLATION_COLOUR
        return ROW_TINT if row.has_violation else None
    return colour


def _cell_tooltip(column: str):
    def tip(row: ViolationRow) -> str | None:
        return row.description(column) or None
    return tip


def _column(key: str, fmt=percent) -> Column:
    return Column(key, lambda r, k=key: getattr(r, k), ALIGN_RIGHT if fmt is percent else
                  Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, fmt,
                  tooltip=_cell_tooltip(key), background=_cell_colour(key))


COLUMNS = (
    Column("feature", lambda r: r.feature, tooltip=lambda r: r.description() or None,
           background=lambda r: ROW_TINT if r.has_violation else None),
    _column("data_type", fmt=str),
    _column("completeness"),
    _column("baseline_drift"),
    _column("categorical_values"),
)


class ViolationsView(QWidget):
    """``set_rows(rows)`` shows a table built by ``core.report.results.build_violation_rows``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        parts = feature_table(COLUMNS, self, sort_column=0, order=Qt.SortOrder.AscendingOrder)
        self.model, self.proxy = parts.model, parts.proxy
        self.filter_edit, self.table = parts.filter_edit, parts.table
        self.only_violations = QCheckBox("Only features with violations")
        self.summary = QLabel()
        # The count may be clipped on a narrow window rather than force the window wider.
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.table.setAlternatingRowColors(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 260)
        for section in range(1, len(COLUMNS)):
            header.resizeSection(section, 140)
        header.setStretchLastSection(True)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.only_violations)
        bar.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

    def _connect_signals(self) -> None:
        self.filter_edit.textChanged.connect(self._on_filter_edit_changed)
        self.only_violations.toggled.connect(self._on_only_violations_toggled)

    def set_rows(self, rows: list[ViolationRow]) -> None:
        self.model.set_rows(rows)
        flagged = sum(1 for r in rows if r.has_violation)
        total = sum(len(r.descriptions) for r in rows)
        self.summary.setText(f"{len(rows)} features, {flagged} with violations "
                             f"({total} violations)")

    def selected_feature(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record_at(rows[0].row()).feature if rows else None

    def _on_filter_edit_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)

    def _on_only_violations_toggled(self, checked: bool) -> None:
        self.proxy.set_row_filter((lambda r: r.has_violation) if checked else None)
