"""The executions tab: schedules, executions, violations and distributions."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.jobs import JobRunner


class ExecutionsTab(QWidget):
    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Schedules, executions, violations and distributions."))
        layout.addStretch(1)
