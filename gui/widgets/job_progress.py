"""A progress bar with its message and a Cancel button for the one job a tab is running."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from core.progress import Progress
from gui.jobs import Job

BAR_STEPS = 1000


class JobProgress(QWidget):
    """``track(job)`` shows it; ``update(progress)`` moves it; ``finish()`` hides it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job: Job | None = None
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setTextVisible(True)
        self.message = QLabel()
        self.cancel_button = QPushButton("Cancel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.message, 2)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.hide()

    @property
    def busy(self) -> bool:
        return self.job is not None

    def track(self, job: Job, message: str = "") -> None:
        self.job = job
        self.bar.setRange(0, 0)  # indeterminate until the first report with a total
        self.message.setText(message)
        self.cancel_button.setEnabled(True)
        self.show()

    def update(self, progress: Progress) -> None:
        fraction = progress.fraction
        if fraction is None:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, BAR_STEPS)
            self.bar.setValue(int(fraction * BAR_STEPS))
        if progress.message:
            self.message.setText(progress.message)

    def finish(self) -> None:
        self.job = None
        self.hide()

    def _on_cancel_button_clicked(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.message.setText("Cancelling…")
