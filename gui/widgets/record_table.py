"""A generic read-only table model over a list of records (dataclasses or dicts).

Tabs declare their columns as a tuple of :class:`Column`; views sort through a
``QSortFilterProxyModel`` on :data:`SORT_ROLE`, which returns the raw value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (QAbstractTableModel, QModelIndex, QPersistentModelIndex,
                            QSortFilterProxyModel, Qt)
from PySide6.QtGui import QBrush, QColor

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2

ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter

_Index = QModelIndex | QPersistentModelIndex


def _default_fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return "N/A"
        return f"{value:.6g}"
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column: a title, how to get the raw value from a record, and how to show it.

    ``background`` returns a colour name (or None) per record; ``tooltip`` a text (or None).
    """

    title: str
    value: Callable[[Any], Any]
    align: Qt.AlignmentFlag = ALIGN_LEFT
    fmt: Callable[[Any], str] = _default_fmt
    tooltip: Callable[[Any], str | None] | None = None
    background: Callable[[Any], str | None] | None = None
    header_tooltip: str = ""


def _sort_key(value: Any) -> Any:
    # Mixed None/NaN/number columns must still sort: missing values go first as -inf.
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return -math.inf
    return value


class RecordTableModel(QAbstractTableModel):
    """Rows are records; columns come from a tuple of :class:`Column`."""

    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[Any] = []
        self._brushes: dict[str, QBrush] = {}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        record = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.fmt(column.value(record))
        if role == SORT_ROLE:
            return _sort_key(column.value(record))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value) if hasattr(column.align, "value") else int(column.align)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(record)
        if role == Qt.ItemDataRole.BackgroundRole and column.background is not None:
            colour = column.background(record)
            return self._brush(colour) if colour else None
        if role == RECORD_ROLE:
            return record
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._columns[section].title
            if role == Qt.ItemDataRole.ToolTipRole and self._columns[section].header_tooltip:
                return self._columns[section].header_tooltip
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[Any], cap: int | None = None) -> None:
        """Append at the end; with ``cap``, drop the oldest rows so at most ``cap`` remain."""
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        if cap is not None and len(self._rows) > cap:
            excess = len(self._rows) - cap
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            del self._rows[:excess]
            self.endRemoveRows()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rows(self) -> list[Any]:
        return list(self._rows)

    def column(self, section: int) -> Column:
        return self._columns[section]

    def _brush(self, colour: str) -> QBrush:
        brush = self._brushes.get(colour)
        if brush is None:
            brush = self._brushes[colour] = QBrush(QColor(colour))
        return brush


class RecordFilterProxy(QSortFilterProxyModel):
    """Sorts on raw values and filters rows on a case-insensitive text over all columns."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self._row_filter: Callable[[Any], bool] | None = None

    def set_row_filter(self, predicate: Callable[[Any], bool] | None) -> None:
        """An extra predicate on the record (e.g. "only rows with violations")."""
        self.beginFilterChange()
        self._row_filter = predicate
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def record_at(self, proxy_row: int) -> Any:
        source = self.mapToSource(self.index(proxy_row, 0))
        return self.sourceModel().row_at(source.row())

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802
        if self._row_filter is not None:
            record = self.sourceModel().row_at(source_row)
            if not self._row_filter(record):
                return False
        return super().filterAcceptsRow(source_row, source_parent)

    def lessThan(self, left: _Index, right: _Index) -> bool:  # noqa: N802
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        try:
            return a < b
        except TypeError:  # e.g. str against float in a mixed column
            return str(a) < str(b)
