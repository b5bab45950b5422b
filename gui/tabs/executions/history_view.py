"""A metric of one schedule across its executions (e.g. a feature's drift distance), with the
threshold drawn, and the schedule's alert rules with their states and recent changes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from gui.widgets.record_table import ALIGN_RIGHT, Column, RecordFilterProxy, RecordTableModel

ALERT_COLOURS = {"ALARM": "#fde8e8", "OK": "#dff3df", "INSUFFICIENT_DATA": "#f1f1f1"}
PREFERRED_PREFIX = "feature_baseline_drift_"


@dataclass
class History:
    """What the view draws: one metric's points, its threshold, alert rules and events."""

    metric: str = ""
    metrics: list[str] = field(default_factory=list)
    points: list = field(default_factory=list)  # (datetime, value)
    threshold: float | None = None
    rules: list = field(default_factory=list)
    events: list = field(default_factory=list)


RULE_COLUMNS = (
    Column("alert", lambda r: r.name, tooltip=lambda r: r.description),
    Column("state", lambda r: r.state, background=lambda r: ALERT_COLOURS.get(r.state),
           tooltip=lambda r: r.state_reason or None),
    Column("condition", lambda r: f"{r.metric} {r.comparison} {r.threshold:g}"),
    Column("since", lambda r: r.state_updated_at,
           fmt=lambda v: v.strftime("%Y-%m-%d %H:%M") if v else ""),
)
EVENT_COLUMNS = (
    Column("time", lambda e: e.timestamp, fmt=lambda v: v.strftime("%Y-%m-%d %H:%M") if v else ""),
    Column("alert", lambda e: e.rule),
    Column("change", lambda e: f"{e.old_state} → {e.new_state}",
           background=lambda e: ALERT_COLOURS.get(e.new_state)),
    Column("execution", lambda e: e.execution_id, ALIGN_RIGHT),
    Column("reason", lambda e: e.reason, tooltip=lambda e: e.reason or None),
)


def default_metric(names: list[str], latest: dict[str, float] | None = None) -> str:
    """The drift metric whose latest value is highest (what an analyst looks at first), else
    the first drift metric, else the first metric."""
    drift = [n for n in names if n.startswith(PREFERRED_PREFIX)]
    if drift and latest:
        return max(drift, key=lambda n: (latest.get(n, float("-inf")), n))
    return (drift or names or [""])[0]


class HistoryView(QWidget):
    """``set_history(history)`` redraws; choosing another metric emits ``metric_changed``."""

    metric_changed = Signal(str)
    # metric pattern, comparison, threshold, destinations (webhook:URL, email:ADDRESS, desktop)
    alert_requested = Signal(str, str, float, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._plot = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.metric = QComboBox()
        self.metric.setMinimumWidth(320)
        self.metric.setMaxVisibleItems(25)
        self.summary = QLabel()
        self.alert_metric = QLineEdit("feature_baseline_drift_{f}")
        self.alert_metric.setToolTip("{f} or * stands for every feature")
        self.alert_comparison = QComboBox()
        self.alert_comparison.addItems([">", ">=", "<", "<="])
        self.alert_threshold = QDoubleSpinBox()
        self.alert_threshold.setDecimals(3)
        self.alert_threshold.setRange(-1e9, 1e9)
        self.alert_threshold.setValue(0.1)
        self.alert_notify = QLineEdit()
        self.alert_notify.setPlaceholderText("notify: desktop, webhook:https://…, email:you@…")
        self.alert_notify.setToolTip("Where a change into or out of ALARM is sent, separated by "
                                     "commas: desktop (this app's tray), webhook:URL (a "
                                     "Slack-compatible JSON POST) or email:ADDRESS (SMTP from "
                                     "the MODEL_MONITOR_SMTP_* environment variables)")
        self.add_alert_button = QPushButton("Add alert")
        top = QHBoxLayout()
        top.addWidget(QLabel("Metric:"))
        top.addWidget(self.metric)
        top.addWidget(self.summary, 1)
        alert_row = QHBoxLayout()
        alert_row.addWidget(QLabel("Alert when"))
        alert_row.addWidget(self.alert_metric, 1)
        alert_row.addWidget(self.alert_comparison)
        alert_row.addWidget(self.alert_threshold)
        alert_row.addWidget(self.alert_notify, 1)
        alert_row.addWidget(self.add_alert_button)
        self.rules = RecordTableModel(RULE_COLUMNS, self)
        self.events = RecordTableModel(EVENT_COLUMNS, self)
        tables = QSplitter(Qt.Orientation.Horizontal)
        for model in (self.rules, self.events):
            proxy = RecordFilterProxy(self)
            proxy.setSourceModel(model)
            table = QTableView()
            table.setModel(proxy)
            table.setSortingEnabled(True)
            table.verticalHeader().setVisible(False)
            table.horizontalHeader().setStretchLastSection(True)
            tables.addWidget(table)
        self._chart_holder = QVBoxLayout()
        self._split = QSplitter(Qt.Orientation.Vertical)
        chart = QWidget()
        chart.setLayout(self._chart_holder)
        self._split.addWidget(chart)
        self._split.addWidget(tables)
        self._split.setSizes([420, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self._split, 1)
        layout.addLayout(alert_row)

    def _connect_signals(self) -> None:
        self.metric.activated.connect(self._on_metric_activated)
        self.add_alert_button.clicked.connect(self._on_add_alert_clicked)

    @property
    def plot(self):
        """The chart, created on first use (pyqtgraph costs start-up time)."""
        if self._plot is None:
            import pyqtgraph as pg

            self._plot = pg.PlotWidget(background="w", axisItems={"bottom": pg.DateAxisItem()})
            self._plot.setMenuEnabled(False)
            self._plot.showGrid(x=True, y=True, alpha=0.3)
            self._plot.getAxis("left").enableAutoSIPrefix(False)
            self._curve = self._plot.plot(pen=pg.mkPen((31, 119, 180), width=2), symbol="o",
                                          symbolSize=7, symbolBrush=(31, 119, 180))
            self._threshold = pg.InfiniteLine(angle=0, movable=False,
                                              pen=pg.mkPen((214, 39, 40), width=2,
                                                           style=Qt.PenStyle.DashLine),
                                              label="threshold {value:.3g}",
                                              labelOpts={"position": 0.05, "color": (214, 39, 40)})
            self._plot.addItem(self._threshold)
            self._chart_holder.addWidget(self._plot)
        return self._plot

    def set_history(self, history: History) -> None:
        self.metric.blockSignals(True)
        self.metric.clear()
        self.metric.addItems(history.metrics)
        self.metric.setCurrentText(history.metric)
        self.metric.blockSignals(False)
        plot = self.plot
        xs = [t.timestamp() for t, _ in history.points]
        ys = [v for _, v in history.points]
        self._curve.setData(xs, ys)
        plot.setTitle(history.metric or "No metrics yet: run the schedule")
        has_threshold = history.threshold is not None and not math.isnan(history.threshold)
        self._threshold.setVisible(has_threshold)
        if has_threshold:
            self._threshold.setValue(history.threshold)
        plot.enableAutoRange()
        over = sum(1 for v in ys if has_threshold and v > history.threshold)
        self.summary.setText(f"{len(ys)} executions" + (f", {over} above the threshold"
                                                          if has_threshold else ""))
        self.rules.set_rows(history.rules)
        self.events.set_rows(history.events)

    def points(self) -> tuple[list, list]:
        """What the curve shows (x as POSIX seconds)."""
        xs, ys = self._curve.getData() if self._plot is not None else ([], [])
        return list(xs if xs is not None else []), list(ys if ys is not None else [])

    def _on_add_alert_clicked(self) -> None:
        destinations = [d.strip() for d in self.alert_notify.text().split(",") if d.strip()]
        self.alert_requested.emit(self.alert_metric.text().strip(),
                                  self.alert_comparison.currentText(), self.alert_threshold.value(),
                                  destinations)

    def _on_metric_activated(self, _index: int) -> None:
        self.metric_changed.emit(self.metric.currentText())
