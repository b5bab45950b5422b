"""Python's cyclic garbage collection only on the GUI thread, driven by a timer.

A collection may start on any thread that allocates; if it frees Qt objects on a job's
thread, Qt crashes. Automatic collection is turned off and a GUI-thread timer collects each
generation when its threshold is passed (the approach of pyqtgraph's ``GarbageCollector``,
without importing pyqtgraph at start-up).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Create on the GUI thread; ``stop()`` gives automatic collection back."""

    def __init__(self, interval_s: float = 1.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(int(interval_s * 1000))

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds."""
        counts = gc.get_count()
        for generation in range(3):
            if counts[generation] <= self._thresholds[generation]:
                break
            gc.collect(generation)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
