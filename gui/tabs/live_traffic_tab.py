"""The live traffic tab: send traffic to an endpoint and watch it live."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.jobs import JobRunner


class LiveTrafficTab(QWidget):
    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Send traffic to an endpoint and watch it live."))
        layout.addStretch(1)
