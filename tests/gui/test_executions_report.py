"""The executions tab shows real SageMaker results like ``show_violation_df``: opened from
disk through the Open results dialog, filtered and sorted by the user."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gui.dialogs.open_results_dialog import OpenResultsDialog
from gui.tabs.executions.violations_view import ROW_TINT, VIOLATION_COLOUR
from gui.tabs.executions_tab import ExecutionsTab


def _fill_dialog_when_shown(qtbot, text, baseline=""):
    def fill():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, OpenResultsDialog)
        qtbot.keyClicks(dialog.location, text)
        if baseline:
            qtbot.keyClicks(dialog.baseline_edit, baseline)
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Open),
                         Qt.MouseButton.LeftButton)
    QTimer.singleShot(50, fill)


def _open_samples(qtbot, runner, samples):
    tab = ExecutionsTab(runner)
    qtbot.addWidget(tab)
    tab.show()
    _fill_dialog_when_shown(qtbot, str(samples / "data-quality"))
    qtbot.mouseClick(tab.open_results_button, Qt.MouseButton.LeftButton)
    view = tab.report.violations
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=5000)
    return tab, view


def test_open_results_folder_shows_violations_table(qtbot, runner, samples, qtmodeltester):
    tab, view = _open_samples(qtbot, runner, samples)
    qtmodeltester.check(view.model)
    headers = [view.model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(view.model.columnCount())]
    assert headers == ["feature", "data_type", "completeness", "baseline_drift",
                       "categorical_values"]
    names = [view.proxy.record_at(r).feature for r in range(view.proxy.rowCount())]
    assert names == sorted(names) and "Churn" in names
    row = names.index("State_WV")
    cell = view.proxy.index(row, 1)
    assert cell.data(Qt.ItemDataRole.BackgroundRole).color().name() == "#ffa500"  # orange
    assert "99.58289885297185%" in cell.data(Qt.ItemDataRole.ToolTipRole)
    tinted = view.proxy.index(row, 2).data(Qt.ItemDataRole.BackgroundRole)
    assert tinted.color().name() == ROW_TINT
    assert view.proxy.index(names.index("Day Mins"), 2).data(Qt.ItemDataRole.BackgroundRole) is None
    assert view.proxy.index(row, 3).data() == "N/A"
    assert "10 with violations" in view.summary.text()
    assert "no statistics.json" in tab.banner.text()
    assert VIOLATION_COLOUR == "orange"


def test_user_filters_and_sorts_the_violations_table(qtbot, runner, samples):
    _tab, view = _open_samples(qtbot, runner, samples)
    qtbot.keyClicks(view.filter_edit, "state_w")
    assert {view.proxy.record_at(r).feature for r in range(view.proxy.rowCount())} == {
        "State_WA", "State_WV"}
    view.filter_edit.clear()
    qtbot.mouseClick(view.only_violations, Qt.MouseButton.LeftButton)
    assert view.proxy.rowCount() == 10
    header = view.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(0) + 20, header.height() // 2))
    names = [view.proxy.record_at(r).feature for r in range(view.proxy.rowCount())]
    assert names == sorted(names, reverse=True)


def test_distributions_show_selected_feature_with_summary(qtbot, runner, samples, qtmodeltester):
    tab, view = _open_samples(qtbot, runner, samples)
    dists = tab.report.distributions
    qtmodeltester.check(dists.model)
    row = next(r for r in range(view.proxy.rowCount()) if view.proxy.record_at(r).feature == "Day Mins")
    index = view.proxy.index(row, 0)
    view.table.scrollTo(index)
    rect = view.table.visualRect(index)
    # A double click is press, release, then the double-click event, as a real mouse sends.
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.report.pages.currentWidget() is dists
    assert dists.plot.plot.getPlotItem().getAxis("bottom").labelText == "Day Mins"
    assert set(dists.plot.series) == {"baseline"}
    assert len(dists.plot.series["baseline"].keys) == 10
    stats = {dists.stats.item(r, 0).text(): dists.stats.item(r, 1).text()
             for r in range(dists.stats.rowCount())}
    assert stats["num_present"] == "2333"
    assert "Day Mins" in dists.why.text()


def test_open_results_with_nothing_readable_shows_banner(qtbot, runner, tmp_path):
    (tmp_path / "notes.json").write_text('{"hello": 1}')
    tab = ExecutionsTab(runner)
    qtbot.addWidget(tab)
    tab.show()
    _fill_dialog_when_shown(qtbot, str(tmp_path))
    qtbot.mouseClick(tab.open_results_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.banner.level == "error", timeout=5000)
    assert "No SageMaker monitoring documents" in tab.banner.text()


def test_export_report_writes_what_the_tab_shows(qtbot, runner, samples, tmp_path):
    """Export report: the HTML holds every feature of the shown table; the PDF is printed in a
    child process while the tab stays responsive."""
    tab, view = _open_samples(qtbot, runner, samples)
    assert tab.export_button.isEnabled()
    tab.export_report(str(tmp_path / "sagemaker.html"))
    qtbot.waitUntil(lambda: "Report written" in tab.banner.text(), timeout=30000)
    text = (tmp_path / "sagemaker.html").read_text()
    for record in view.model.rows():
        assert f'data-feature="{record.feature}"' in text.replace("&#x27;", "'")
    tab.export_report(str(tmp_path / "sagemaker.pdf"))
    qtbot.waitUntil(lambda: "sagemaker.pdf" in tab.banner.text(), timeout=120000)
    assert (tmp_path / "sagemaker.pdf").read_bytes()[:5] == b"%PDF-"
