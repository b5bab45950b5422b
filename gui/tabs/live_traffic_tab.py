"""The live traffic tab: replay a dataset against an endpoint at a chosen rate, watch requests
per second, latency percentiles and errors live, and browse what was captured.

A ``core.serving.traffic.TrafficRunner`` sends; a timer pulls its snapshot only while the tab is shown.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy,
                               QSpinBox, QSplitter, QVBoxLayout, QWidget)

from core.errors import AppError, ValidationError
from gui.adapters import quick
from gui.errors import show_error
from gui.jobs import JobRunner
from gui.settings import Settings
from gui.tabs.live_traffic.capture_browser import CaptureBrowser
from gui.widgets.status_banner import StatusBanner

REFRESH_INTERVAL_MS = 250


def _start_runner(plan):
    # Reading the dataset may take a while: done on a worker, the threads start there too.
    import dataclasses

    from core.backends.aws.invoke import aws_traffic_target, is_aws_endpoint_url
    from core.config import load_settings
    from core.serving.traffic import TrafficRunner

    if is_aws_endpoint_url(plan.target):  # SageMaker: through the SageMaker Runtime client
        invoke, on_finish = aws_traffic_target(load_settings(), plan.endpoint_name)
        plan = dataclasses.replace(plan, target=invoke, on_finish=on_finish)
    return TrafficRunner(plan).start()


class LiveTrafficTab(QWidget):
    """Traffic to one endpoint at a time."""

    def __init__(self, runner: JobRunner, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._settings = settings or Settings()
        self._workspace = None
        self.traffic = None  # a core.serving.traffic.TrafficRunner while sending
        self._t0 = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_INTERVAL_MS)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.banner = StatusBanner()
        self.endpoint = QComboBox()
        self.endpoint.setMinimumWidth(200)
        self.dataset = QLineEdit()
        self.dataset.setPlaceholderText("CSV (no header) or JSON Lines, one request per line")
        self.browse = QPushButton("Browse…")
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0.0, 100000.0)
        self.rate.setValue(self._settings.value("traffic/rate"))
        self.rate.setSuffix(" rows/s")
        self.rate.setSpecialValueText("as fast as possible")
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 64)
        self.concurrency.setValue(self._settings.value("traffic/concurrency"))
        self.loop = QCheckBox("Loop until stopped")
        self.loop.setChecked(True)
        self.start_button = QPushButton("Start")
        self.start_button.setShortcut("Ctrl+T")
        self.start_button.setToolTip("Start sending (Ctrl+T)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.counters = QLabel("Not running.")
        self.counters.setWordWrap(True)
        self.counters.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        form = QFormLayout()
        form.addRow("Endpoint:", self.endpoint)
        data_row = QHBoxLayout()
        data_row.addWidget(self.dataset, 1)
        data_row.addWidget(self.browse)
        form.addRow("Dataset:", data_row)
        run_row = QHBoxLayout()
        for widget in (QLabel("Rate"), self.rate, QLabel("Concurrency"), self.concurrency,
                       self.loop, self.start_button, self.stop_button):
            run_row.addWidget(widget)
        run_row.addStretch(1)
        form.addRow("", run_row)
        form.addRow("", self.counters)
        send_box = QGroupBox("Send traffic")
        send_box.setLayout(form)
        # The charts are built the first time the tab is shown: pyqtgraph is not needed to
        # bring the window up.
        self.rps_plot = self.latency_plot = self.error_plot = None
        self._charts = QHBoxLayout()
        chart_box = QWidget()
        chart_box.setLayout(self._charts)
        self.browser = CaptureBrowser(self._runner)
        capture_box = QGroupBox("Captured data")
        QVBoxLayout(capture_box).addWidget(self.browser)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(chart_box)
        split.addWidget(capture_box)
        split.setSizes([300, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(send_box)
        layout.addWidget(split, 1)

    def _connect_signals(self) -> None:
        self.browse.clicked.connect(self._on_browse_clicked)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        self._timer.timeout.connect(self._on_timer_tick)
        self.endpoint.currentIndexChanged.connect(self._on_endpoint_changed)

    def set_workspace(self, workspace) -> None:
        self._workspace = workspace
        self.browser.set_root(Path(workspace.capture_dir))
        datasets = Path(workspace.root) / "datasets"
        if not self.dataset.text() and datasets.is_dir():
            # The demo's normal traffic file is the natural first choice.
            candidates = sorted(datasets.glob("*traffic*.csv"), key=lambda p: ("drift" in p.name,
                                                                               p.name))
            if candidates:
                self.dataset.setText(str(candidates[0]))
        self.refresh()

    def refresh(self) -> None:
        """Reload the endpoint list."""
        if self._workspace is not None:
            self._runner.submit(quick(self._workspace.list_endpoints),
                                on_done=self._on_endpoints_loaded, on_error=self._on_failed,
                                name="List endpoints")

    def shutdown(self) -> None:
        """Stop sending; the runner threads are daemons, but a clean stop flushes counters."""
        self._timer.stop()
        if self.traffic is not None:
            self.traffic.stop(timeout=2.0)

    def _ensure_charts(self) -> None:
        if self.rps_plot is not None:
            return
        from gui.widgets.live_plot import LivePlot

        self.rps_plot = LivePlot("Requests per second", "requests/s", ["requests/s"])
        self.latency_plot = LivePlot("Latency", "ms", ["p50", "p95", "p99"])
        self.error_plot = LivePlot("Errors", "count", ["errors"])
        for plot in (self.rps_plot, self.latency_plot, self.error_plot):
            self._charts.addWidget(plot)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._ensure_charts()
        if self.traffic is not None:
            self._timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt override)
        # Nothing is drawn for a hidden tab; the runner keeps its own bounded buffer meanwhile.
        self._timer.stop()
        super().hideEvent(event)

    def _on_endpoints_loaded(self, records) -> None:
        current = self.endpoint.currentText()
        self.endpoint.clear()
        for record in records:
            if record.url and record.status == "InService":
                self.endpoint.addItem(record.name, record)
        for record in records:
            if not (record.url and record.status == "InService"):
                self.endpoint.addItem(f"{record.name} ({record.status})", record)
        index = self.endpoint.findText(current)
        if index >= 0:
            self.endpoint.setCurrentIndex(index)

    def _on_endpoint_changed(self, _index: int) -> None:
        """Browse where the chosen endpoint captures (its own destination, if it has one)."""
        record = self.endpoint.currentData()
        if record is None or self._workspace is None:
            return
        destination = (record.capture_config or {}).get("destination")
        root = Path(destination or self._workspace.capture_dir)
        self.browser.set_root(root / record.name if (root / record.name).is_dir() else root)

    def _on_browse_clicked(self) -> None:
        start = str(Path(self._workspace.root) / "datasets") if self._workspace else ""
        path, _ = QFileDialog.getOpenFileName(self, "Traffic dataset", start,
                                              "CSV or JSON Lines (*.csv *.jsonl *.json);;"
                                              "All files (*)")
        if path:
            self.dataset.setText(path)

    def plan(self):
        """The ``core.serving.traffic.TrafficPlan`` the form describes."""
        from core.serving.traffic import TrafficPlan

        record = self.endpoint.currentData()
        if record is None:
            raise ValidationError("Choose an endpoint (deploy one in the Deployment tab).")
        if record.status not in ("InService", "Degraded") or not record.url:  # Degraded serves
            raise ValidationError(f"Endpoint {record.name} is {record.status}: deploy it first.")
        if not self.dataset.text().strip():
            raise ValidationError("Choose a dataset to send.")
        return TrafficPlan(target=record.url, dataset=self.dataset.text().strip(),
                           rows_per_second=self.rate.value() or None,
                           concurrency=self.concurrency.value(),
                           repeat=None if self.loop.isChecked() else 1,
                           endpoint_name=record.name)

    def _on_start_clicked(self) -> None:
        self.banner.clear()
        if self.traffic is not None:
            return
        try:
            plan = self.plan()
        except AppError as error:
            self.banner.show_error(str(error))
            return
        self._settings.set_value("traffic/rate", self.rate.value())
        self._settings.set_value("traffic/concurrency", self.concurrency.value())
        self.start_button.setEnabled(False)
        self._runner.submit(quick(_start_runner), plan, on_done=self._on_traffic_started,
                            on_error=self._on_start_failed, name="Start traffic")

    def _on_traffic_started(self, traffic) -> None:
        self.traffic = traffic
        self._t0 = time.monotonic()
        self._ensure_charts()
        for plot in (self.rps_plot, self.latency_plot, self.error_plot):
            plot.reset()
        self.stop_button.setEnabled(True)
        if self.isVisible():
            self._timer.start()

    def _on_start_failed(self, error: BaseException) -> None:
        self.start_button.setEnabled(True)
        self._on_failed(error)

    def _on_stop_clicked(self) -> None:
        if self.traffic is None:
            return
        self.stop_button.setEnabled(False)
        self._runner.submit(quick(self.traffic.stop), on_done=lambda _: self._on_traffic_stopped(),
                            on_error=self._on_failed, name="Stop traffic")

    def _on_traffic_stopped(self) -> None:
        self.stop_button.setEnabled(False)  # first: the final tick below must not recurse here
        self._on_timer_tick()
        self._timer.stop()
        self.traffic = None
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def _on_timer_tick(self) -> None:
        if self.traffic is None:
            return
        stats = self.traffic.snapshot()
        t = time.monotonic() - self._t0
        self.rps_plot.append(t, [stats.rows_per_second])
        self.latency_plot.append(t, [stats.p50_ms, stats.p95_ms, stats.p99_ms])
        self.error_plot.append(t, [stats.errors])
        for plot in (self.rps_plot, self.latency_plot, self.error_plot):
            plot.redraw()
        self.counters.setText(
            f"Sent {stats.sent}, errors {stats.errors}, {stats.rows_per_second:.1f} requests/s, "
            f"latency p50 {stats.p50_ms:.1f} ms, p95 {stats.p95_ms:.1f} ms, "
            f"p99 {stats.p99_ms:.1f} ms" + (f"\nLast error: {stats.last_error}"
                                            if stats.last_error else ""))
        if self.traffic.finish_error:
            self.banner.show_error(f"Client-side capture was not written: "
                                   f"{self.traffic.finish_error}")
        if not stats.running and self.stop_button.isEnabled():
            self._on_traffic_stopped()  # a finite plan ended by itself

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, AppError):
            self.banner.show_error(str(error))
        else:
            show_error(self, error)
