"""A pyqtgraph plot of a few live series over ring buffers; the owner appends and redraws on
its own timer (nothing here is pushed per request)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

CAPACITY_POINTS = 600  # ten minutes at one point per second
COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40))


class LivePlot(QWidget):
    """``append(t, values)`` stores one point per series; ``redraw()`` pushes them to the curves."""

    def __init__(self, title: str, y_label: str, series: Sequence[str],
                 capacity: int = CAPACITY_POINTS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names = tuple(series)
        self._capacity = capacity
        self._t = np.zeros(capacity)
        self._y = np.zeros((len(self.names), capacity))
        self._count = 0
        self.plot = pg.PlotWidget(background="w", title=title)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("left", y_label)
        self.plot.setLabel("bottom", "seconds")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.addLegend(offset=(10, 10))
        self._curves = []
        for i, name in enumerate(self.names):
            curve = self.plot.plot(name=name, pen=pg.mkPen(COLOURS[i % len(COLOURS)], width=2))
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self._curves.append(curve)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    @property
    def count(self) -> int:
        return min(self._count, self._capacity)

    def append(self, t: float, values: Sequence[float]) -> None:
        slot = self._count % self._capacity
        self._t[slot] = t
        self._y[:, slot] = values
        self._count += 1

    def data(self, series: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The stored points of one series, oldest first."""
        n = self.count
        if self._count <= self._capacity:
            return self._t[:n].copy(), self._y[series, :n].copy()
        start = self._count % self._capacity
        order = np.r_[start:self._capacity, 0:start]
        return self._t[order], self._y[series, order]

    def redraw(self) -> None:
        for i, curve in enumerate(self._curves):
            t, y = self.data(i)
            curve.setData(t, y)

    def reset(self) -> None:
        self._count = 0
        for curve in self._curves:
            curve.setData([], [])
