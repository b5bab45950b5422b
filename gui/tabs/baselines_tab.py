"""The baselines tab: suggest a baseline from a training dataset."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.jobs import JobRunner


class BaselinesTab(QWidget):
    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Suggest a baseline from a training dataset."))
        layout.addStretch(1)
