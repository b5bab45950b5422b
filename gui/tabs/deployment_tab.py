"""The deployment tab: deploy a model artifact to an endpoint with data capture."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.jobs import JobRunner
from gui.settings import Settings


class DeploymentTab(QWidget):
    endpoints_changed = Signal()

    def __init__(self, runner: JobRunner, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._workspace = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Deploy a model artifact to an endpoint with data capture."))
        layout.addStretch(1)

    def set_workspace(self, workspace) -> None:
        self._workspace = workspace

    def refresh(self) -> None:
        pass

    def shutdown(self) -> None:
        pass
