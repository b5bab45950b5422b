"""A one-row-per-feature table with its filter box: the model, a filter proxy on the feature
name, the text box and a sortable single-selection view, built alike wherever features are listed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLineEdit, QTableView

from gui.widgets.record_table import Column, RecordFilterProxy, RecordTableModel

ROW_HEIGHT_PX = 22


@dataclass(frozen=True)
class FeatureTable:
    model: RecordTableModel
    proxy: RecordFilterProxy
    filter_edit: QLineEdit
    table: QTableView


def feature_table(columns: Sequence[Column], parent: QObject, *, sort_column: int,
                  order: Qt.SortOrder) -> FeatureTable:
    """Build the parts; the caller lays them out and sizes the columns."""
    model = RecordTableModel(columns, parent)
    proxy = RecordFilterProxy(parent)
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(0)  # the feature name
    filter_edit = QLineEdit()
    filter_edit.setPlaceholderText("Filter features…")
    filter_edit.setClearButtonEnabled(True)
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(sort_column, order)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT_PX)
    return FeatureTable(model, proxy, filter_edit, table)
