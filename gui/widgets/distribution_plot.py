"""Baseline against current bars for one feature (KLL buckets or top categorical values).

One plot widget is reused for every feature: with 500 features the view never builds a chart
per feature, it redraws this one when the selection changes.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.report.results import Distribution, distribution

CURRENT_BRUSH = (31, 119, 180, 220)  # "collected", as in the seed's charts
BASELINE_BRUSH = (255, 127, 14, 150)  # "baseline", drawn translucent (alpha 0.7 in the seed)
LABEL_CHARS = 10
CATEGORY_OFFSET = 0.35


class DistributionPlot(QWidget):
    """``set_feature(name, baseline, current)`` draws both distributions of one feature."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=False, y=True, alpha=0.3)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setLabel("left", "Frequency")
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.series: dict[str, Distribution] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def clear(self) -> None:
        self.plot.clear()
        self.legend.clear()
        self.series = {}
        self.plot.getAxis("bottom").setTicks(None)

    def set_feature(self, name: str, baseline: dict | None, current: dict | None,
                    baseline_label: str = "baseline") -> None:
        """Draw one feature; ``series`` then maps each drawn label to its distribution."""
        self.clear()
        self.plot.setLabel("bottom", name)
        cur, base = distribution(current), distribution(baseline)
        self.series = {k: d for k, d in (("collected", cur), (baseline_label, base))
                       if d.kind != "none"}
        if "categorical" in (cur.kind, base.kind):
            self._draw_categorical(cur, base, baseline_label)
        else:
            self._draw_numeric(cur, base, baseline_label)
        self.plot.enableAutoRange()

    def _draw_numeric(self, cur: Distribution, base: Distribution, base_label: str) -> None:
        for label, dist, brush in ((base_label, base, BASELINE_BRUSH),
                                   ("collected", cur, CURRENT_BRUSH)):
            if dist.kind != "numeric":
                continue
            width = dist.width if dist.width > 0 else 1.0
            bars = pg.BarGraphItem(x=list(dist.keys), height=list(dist.frequencies),
                                   width=width, brush=brush, pen=pg.mkPen(None), name=label)
            self.plot.addItem(bars)

    def _draw_categorical(self, cur: Distribution, base: Distribution, base_label: str) -> None:
        # Categories of the current data first (top values by frequency), then baseline-only ones.
        values = list(cur.keys) + [v for v in base.keys if v not in cur.keys]
        values = values[: max(len(cur.keys), 10)]
        position = {v: i for i, v in enumerate(values)}
        for label, dist, brush, offset in (("collected", cur, CURRENT_BRUSH, 0.0),
                                           (base_label, base, BASELINE_BRUSH, CATEGORY_OFFSET)):
            xs, heights = [], []
            for key, freq in zip(dist.keys, dist.frequencies):
                if key in position:
                    xs.append(position[key] + offset)
                    heights.append(freq)
            if not xs:
                continue
            bars = pg.BarGraphItem(x=xs, height=heights, width=CATEGORY_OFFSET, brush=brush,
                                   pen=pg.mkPen(None), name=label)
            self.plot.addItem(bars)
        ticks = [(i + CATEGORY_OFFSET / 2, str(v)[:LABEL_CHARS]) for v, i in position.items()]
        self.plot.getAxis("bottom").setTicks([ticks])
