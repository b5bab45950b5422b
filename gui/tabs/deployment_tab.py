"""The deployment tab: deploy a model artifact to an endpoint with data capture."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.jobs import JobRunner


class DeploymentTab(QWidget):
    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Deploy a model artifact to an endpoint with data capture."))
        layout.addStretch(1)
