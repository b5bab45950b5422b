"""One monitoring result on screen: the violations table and the per-feature distributions.

Fed a ``core.report.results.ResultSet`` (a local execution's report folder or SageMaker files).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from core.report.results import ResultSet, build_violation_rows
from gui.tabs.executions.distributions_view import DistributionsView
from gui.tabs.executions.violations_view import ViolationsView


class ReportView(QWidget):
    """``set_result(result)``; double-clicking a violations row opens that feature's chart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = ResultSet()
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.title = QLabel("No result selected.")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.violations = ViolationsView()
        self.distributions = DistributionsView()
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.violations, "Violations")
        self.pages.addTab(self.distributions, "Distributions")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.pages, 1)

    def _connect_signals(self) -> None:
        self.violations.table.doubleClicked.connect(self._on_violations_double_clicked)

    def set_result(self, result: ResultSet, title: str = "") -> None:
        self.result = result
        self.title.setText(title or result.source or "")
        self.violations.set_rows(build_violation_rows(result.baseline_statistics,
                                                      result.statistics, result.violations))
        self.distributions.set_result(result)

    def clear(self) -> None:
        self.set_result(ResultSet(), "No result selected.")

    def _on_violations_double_clicked(self, index) -> None:
        feature = self.violations.proxy.record_at(index.row()).feature
        self.pages.setCurrentWidget(self.distributions)
        self.distributions.show_feature(feature)
