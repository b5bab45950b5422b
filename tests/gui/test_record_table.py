"""The generic table model: Qt's model contract, display/sort roles, capped appends, filtering."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

from gui.widgets.record_table import (ALIGN_RIGHT, SORT_ROLE, Column, RecordFilterProxy,
                                      RecordTableModel)


@dataclass(frozen=True)
class _Row:
    name: str
    value: float


COLUMNS = (
    Column("name", lambda r: r.name, tooltip=lambda r: f"row {r.name}"),
    Column("value", lambda r: r.value, ALIGN_RIGHT, lambda v: f"{v:.1f}",
           background=lambda r: "orange" if r.value > 5 else None),
)


def _model(rows=()):
    model = RecordTableModel(COLUMNS)
    model.set_rows(list(rows))
    return model


def test_model_passes_qt_model_tester(qtmodeltester):
    model = _model([_Row("a", 1.0), _Row("b", 10.0), _Row("c", float("nan"))])
    qtmodeltester.check(model)
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)


def test_display_sort_tooltip_and_background_roles():
    model = _model([_Row("a", 1.0), _Row("b", 10.0)])
    assert model.data(model.index(1, 1)) == "10.0"
    assert model.data(model.index(1, 1), SORT_ROLE) == 10.0
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "row a"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole) is None
    assert model.data(model.index(1, 1), Qt.ItemDataRole.BackgroundRole).color().name() == "#ffa500"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "value"
    assert model.row_at(1) == _Row("b", 10.0)


def test_append_rows_keeps_at_most_cap_newest(qtmodeltester):
    model = _model()
    for start in range(0, 30, 7):
        model.append_rows([_Row(str(i), float(i)) for i in range(start, start + 7)], cap=10)
    assert model.rowCount() == 10
    assert [r.name for r in model.rows()] == [str(i) for i in range(25, 35)]
    qtmodeltester.check(model)


def test_proxy_sorts_numbers_numerically_and_filters():
    model = _model([_Row("x9", 9.0), _Row("x10", 10.0), _Row("y", 2.0), _Row("nan", float("nan"))])
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    assert [proxy.record_at(i).name for i in range(4)] == ["nan", "y", "x9", "x10"]
    proxy.setFilterFixedString("X")
    assert proxy.rowCount() == 2
    proxy.set_row_filter(lambda r: r.value > 9.5)
    assert [proxy.record_at(i).name for i in range(proxy.rowCount())] == ["x10"]
