"""The deployment tab: deploy a model artifact to an endpoint with data capture, undeploy, and
the list of endpoints. Talks to ``core.serving.lifecycle`` through the job runner."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QTableView, QVBoxLayout, QWidget)

from core.errors import AppError, ValidationError
from core.names import validate_name
from core.serving.config import CaptureConfig
from gui.errors import show_error
from gui.jobs import JobRunner
from gui.settings import Settings
from gui.widgets.job_progress import JobProgress
from gui.widgets.record_table import Column, RecordFilterProxy, RecordTableModel
from gui.widgets.status_banner import StatusBanner

RESIZE_PRECISION_ROWS = 100  # rows measured when sizing columns to contents


def _lifecycle():
    # Imported on first use, on a worker: it pulls in the model server and XGBoost (~0.8 s),
    # which the window does not need to appear.
    from core.serving import lifecycle

    return lifecycle


class EndpointRow:
    """An endpoint record with its capture counts (``lifecycle.capture_health``; None: none)."""

    def __init__(self, record, health: dict | None) -> None:
        self.record, self.health = record, health

    def __getattr__(self, name: str):
        return getattr(self.record, name)


def _refresh_endpoints(workspace, *, progress=None, cancel=None) -> list[EndpointRow]:
    lifecycle = _lifecycle()
    return [EndpointRow(r, lifecycle.capture_health(workspace, r.name) if r.backend == "local"
                        else None) for r in lifecycle.refresh_endpoints(workspace)]


def _deploy(workspace, name, model_path, capture, backend, *, progress, cancel):
    if backend == "aws":
        from core.backends.aws.endpoints import deploy_endpoint
        from core.config import load_settings

        deploy_endpoint(load_settings(), name, model_path, capture, workspace=workspace,
                        progress=progress, cancel=cancel)
        return workspace.get_endpoint(name)
    return _lifecycle().deploy_local(workspace, name, model_path, capture, progress=progress,
                                     cancel=cancel)


def _undeploy(workspace, record, *, progress=None, cancel=None):
    if record.backend == "aws":
        from core.backends.aws.endpoints import delete_endpoint
        from core.config import load_settings

        delete_endpoint(load_settings(), record.name, workspace=workspace, progress=progress,
                        cancel=cancel)
        return workspace.get_endpoint(record.name)
    return _lifecycle().undeploy(workspace, record.name)


def _validate_name(name: str) -> bool:
    """SageMaker's name rule (``core.names``); raises ValidationError. True once checked."""
    validate_name(name, "endpoint")
    return True


def _aws_configured() -> bool:
    from core.config import default_settings_path

    return default_settings_path().is_file()


STATUS_COLOURS = {"InService": "#dff3df", "Creating": "#e8f1fb", "Failed": "#fde8e8",
                  "Degraded": "#fff1d6"}
LIVE_STATUSES = ("InService", "Creating", "Degraded")


def _capture_text(rec) -> str:
    cap = rec.capture_config or {}
    if not cap.get("enable"):
        return "off"
    modes = "+".join(m for m, k in (("request", "capture_input"), ("response", "capture_output"))
                     if cap.get(k, True))
    mode = "".join(text for key, text in (("synchronous", ", sync"),
                                          ("refuse_when_failing", ", refuse"))
                   if cap.get(key))
    return f"{cap.get('sampling_percentage', 100):g}% {modes}{mode}"


def _count(key: str):
    """A column of one capture count (answered, captured, failed, retrying)."""
    return lambda r: (getattr(r, "health", None) or {}).get(key, "")


def _counts_tooltip(r) -> str | None:
    health = getattr(r, "health", None)
    if not health:
        return None
    text = ", ".join(f"{k} {health.get(k, 0)}" for k in
                     ("answered", "captured", "failed", "retrying", "refused"))
    return text + ("" if health.get("running") else " (final: the server has stopped)")


COLUMNS = (
    Column("endpoint", lambda r: r.name),
    Column("status", lambda r: r.status, background=lambda r: STATUS_COLOURS.get(r.status),
           tooltip=lambda r: r.failure_reason or None),
    Column("backend", lambda r: r.backend),
    Column("url", lambda r: r.url),
    Column("capture", _capture_text, tooltip=lambda r: (r.capture_config or {}).get("destination")),
    Column("answered", _count("answered"), tooltip=_counts_tooltip),
    Column("captured", _count("captured"), tooltip=_counts_tooltip),
    Column("failed", _count("failed"), tooltip=_counts_tooltip,
           background=lambda r: "#fde8e8" if _count("failed")(r) else None),
    Column("retrying", _count("retrying"), tooltip=_counts_tooltip,
           background=lambda r: "#fff1d6" if _count("retrying")(r) else None),
    Column("model", lambda r: Path(r.model_path).name if r.model_path else "",
           tooltip=lambda r: r.model_path or None),
    Column("updated", lambda r: r.updated_at, fmt=lambda v: v.strftime("%Y-%m-%d %H:%M:%S")
           if v else ""),
)


class DeploymentTab(QWidget):
    """Deploy / undeploy endpoints of the open workspace."""

    endpoints_changed = Signal()

    def __init__(self, runner: JobRunner, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._workspace = None
        self._build_ui()
        self._connect_signals()
        self._on_capture_toggled(self.capture_enabled.isChecked())

    def _build_ui(self) -> None:
        self.banner = StatusBanner()
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self._build_form())
        layout.addWidget(self._build_list(), 1)

    def _build_form(self) -> QGroupBox:
        self.model_edit = QLineEdit()
        self.model_edit.setPlaceholderText("model.tar.gz (XGBoost) or a model file")
        self.browse_model = QPushButton("Browse…")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. churn-xgb")
        self.name_hint = QLabel()
        self.backend = QComboBox()
        self.backend.addItem("Local", "local")
        self.capture_enabled = QCheckBox("Capture requests and responses")
        self.capture_enabled.setChecked(True)
        self.sampling = QDoubleSpinBox()
        self.sampling.setRange(0.0, 100.0)
        self.sampling.setValue(100.0)
        self.sampling.setSuffix(" %")
        self.capture_input = QCheckBox("Request")
        self.capture_input.setChecked(True)
        self.capture_output = QCheckBox("Response")
        self.capture_output.setChecked(True)
        self.destination = QLineEdit()
        self.destination.setPlaceholderText("the workspace's capture/ folder")
        self.synchronous = QCheckBox("Synchronous (answer only once the record is written)")
        self.synchronous.setToolTip(
            "No answered request is lost, even if the server is killed; each captured request "
            "waits for its write. Off: records are written within milliseconds and a graceful "
            "stop writes them all, but a killed server loses the few still queued.")
        self.refuse_when_failing = QCheckBox("Refuse requests while capture fails")
        self.refuse_when_failing.setToolTip(
            "Answer 503 while capture records cannot be written (unwritable or full "
            "destination). Off: requests are answered and their records kept in memory and "
            "retried; the endpoint shows Degraded.")
        self.deploy_button = QPushButton("Deploy")
        self.deploy_button.setShortcut("Ctrl+D")
        self.deploy_button.setToolTip("Deploy the model to the endpoint (Ctrl+D)")
        self.progress = JobProgress()
        form = QFormLayout()
        form.addRow("Model artifact:", self._row(self.model_edit, self.browse_model))
        form.addRow("Endpoint name:", self._row(self.name_edit, self.name_hint))
        form.addRow("Backend:", self.backend)
        form.addRow("Data capture:", self._row(self.capture_enabled, QLabel("sampling"),
                                               self.sampling, self.capture_input,
                                               self.capture_output, stretch_index=None))
        form.addRow("Capture destination:", self.destination)
        form.addRow("Capture mode:", self._row(self.synchronous, self.refuse_when_failing,
                                               stretch_index=None))
        form.addRow("", self._row(self.deploy_button, self.progress, stretch_index=1))
        new_box = QGroupBox("Deploy a model")
        new_box.setLayout(form)
        return new_box

    def _build_list(self) -> QGroupBox:
        self.model = RecordTableModel(COLUMNS, self)
        self.proxy = RecordFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Sized from the first rows only: a 500-feature table must not be measured in full.
        self.table.horizontalHeader().setResizeContentsPrecision(RESIZE_PRECISION_ROWS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.undeploy_button = QPushButton("Undeploy")
        self.undeploy_button.setEnabled(False)
        self.refresh_button = QPushButton("Refresh")
        list_box = QGroupBox("Endpoints")
        list_layout = QVBoxLayout(list_box)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self._row(self.undeploy_button, self.refresh_button,
                                        stretch_index=None))
        return list_box

    @staticmethod
    def _row(*widgets, stretch_index: int | None = 0) -> QWidget:
        """Widgets side by side; the one at ``stretch_index`` takes the spare room (None: none)."""
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        for i, w in enumerate(widgets):
            row.addWidget(w, 1 if i == stretch_index else 0)
        # A trailing spacer keeps buttons at their natural width when the stretching widget
        # (e.g. a hidden progress bar) takes no room.
        row.addStretch(1 if stretch_index is None else 0)
        return holder

    def _connect_signals(self) -> None:
        self.browse_model.clicked.connect(self._on_browse_model_clicked)
        self.name_edit.textChanged.connect(self._on_name_edit_changed)
        self.capture_enabled.toggled.connect(self._on_capture_toggled)
        self.deploy_button.clicked.connect(self._on_deploy_clicked)
        self.undeploy_button.clicked.connect(self._on_undeploy_clicked)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)

    def set_workspace(self, workspace) -> None:
        self._workspace = workspace
        self.refresh()

    def _update_backends(self) -> None:
        """AWS is offered once its settings exist (File > AWS settings)."""
        has_aws = self.backend.findData("aws") >= 0
        if _aws_configured() and not has_aws:
            self.backend.addItem("AWS (SageMaker)", "aws")
        elif not _aws_configured() and has_aws:
            self.backend.removeItem(self.backend.findData("aws"))

    def refresh(self) -> None:
        """Re-check the endpoints' servers and reload the list."""
        self._update_backends()
        if self._workspace is not None:
            self._runner.submit(_refresh_endpoints, self._workspace,
                                on_done=self._on_endpoints_loaded, on_error=self._on_job_failed,
                                name="Refresh endpoints")

    def shutdown(self) -> None:
        """Endpoints are separate processes and keep serving after the app closes."""

    def capture_config(self) -> CaptureConfig:
        return CaptureConfig(enable=self.capture_enabled.isChecked(),
                             sampling_percentage=self.sampling.value(),
                             capture_input=self.capture_input.isChecked(),
                             capture_output=self.capture_output.isChecked(),
                             destination=self.destination.text().strip(),
                             synchronous=self.synchronous.isChecked(),
                             refuse_when_failing=self.refuse_when_failing.isChecked())

    def selected_endpoint(self):
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record_at(rows[0].row()) if rows else None

    def _on_endpoints_loaded(self, records) -> None:
        selected = self.selected_endpoint()
        self.model.set_rows(records)
        if selected is not None:
            for row in range(self.proxy.rowCount()):
                if self.proxy.record_at(row).name == selected.name:
                    self.table.selectRow(row)

    def _on_browse_model_clicked(self) -> None:
        start = str(self._workspace.models_dir) if self._workspace else ""
        path, _ = QFileDialog.getOpenFileName(self, "Model artifact", start,
                                              "Model artifacts (*.tar.gz *.json *.ubj *.bin);;"
                                              "All files (*)")
        if path:
            self.model_edit.setText(path)

    def _on_name_edit_changed(self, text: str) -> None:
        try:
            if not _validate_name(text):
                self.name_hint.clear()
                return
            self.name_hint.setText("✓")
            self.name_hint.setToolTip("")
        except ValidationError as error:
            self.name_hint.setText("invalid name" if text else "")
            self.name_hint.setToolTip(str(error))

    def _on_capture_toggled(self, on: bool) -> None:
        for widget in (self.sampling, self.capture_input, self.capture_output, self.destination,
                       self.synchronous, self.refuse_when_failing):
            widget.setEnabled(on)

    def _on_table_selection_changed(self, *_args) -> None:
        record = self.selected_endpoint()
        self.undeploy_button.setEnabled(record is not None and record.status in LIVE_STATUSES)
        if record is None:
            return
        self.name_edit.setText(record.name)
        self.model_edit.setText(record.model_path)
        cap = CaptureConfig.from_dict(record.capture_config)
        self.capture_enabled.setChecked(cap.enable)
        self.sampling.setValue(cap.sampling_percentage)
        self.capture_input.setChecked(cap.capture_input)
        self.capture_output.setChecked(cap.capture_output)
        self.destination.setText(cap.destination)
        self.synchronous.setChecked(cap.synchronous)
        self.refuse_when_failing.setChecked(cap.refuse_when_failing)

    def _on_deploy_clicked(self) -> None:
        self.banner.clear()
        if self._workspace is None:
            self.banner.show_warning("Open a workspace first (File > Open workspace).")
            return
        if self.progress.busy:
            return
        name, model_path = self.name_edit.text().strip(), self.model_edit.text().strip()
        try:
            _validate_name(name)
            if not model_path:
                raise ValidationError("Choose a model artifact to deploy.")
            capture = self.capture_config()
        except AppError as error:
            self.banner.show_error(str(error))
            return
        job = self._runner.submit(_deploy, self._workspace, name, model_path, capture,
                                  self.backend.currentData(),
                                  on_done=self._on_deployed, on_error=self._on_deploy_failed,
                                  on_progress=self.progress.update,
                                  on_cancelled=self._on_deploy_cancelled,
                                  exclusive=True, name=f"Deploy {name}")
        self.progress.track(job, f"Deploying {name}…")
        self.deploy_button.setEnabled(False)
        self.refresh()

    def _on_deployed(self, record) -> None:
        self._deploy_finished()
        if record.status == "Degraded":
            self.banner.show_warning(f"{record.name} is Degraded at {record.url}: "
                                     f"{record.failure_reason}")
        else:
            self.banner.show_info(f"{record.name} is {record.status} at {record.url}.")

    def _on_deploy_cancelled(self) -> None:
        self._deploy_finished()

    def _deploy_finished(self) -> None:
        self.progress.finish()
        self.deploy_button.setEnabled(True)
        self.refresh()
        self.endpoints_changed.emit()

    def _on_undeploy_clicked(self) -> None:
        record = self.selected_endpoint()
        if record is None or self._workspace is None:
            return
        self.banner.clear()
        self.undeploy_button.setEnabled(False)
        self._runner.submit(_undeploy, self._workspace, record,
                            on_done=lambda rec: self._on_undeployed(rec),
                            on_error=self._on_job_failed, exclusive=True,
                            name=f"Undeploy {record.name}")

    def _on_undeployed(self, record) -> None:
        self.banner.show_info(f"{record.name} is {record.status}.")
        self.refresh()
        self.endpoints_changed.emit()

    def _on_deploy_failed(self, error: BaseException) -> None:
        self._deploy_finished()
        self._on_job_failed(error)

    def _on_job_failed(self, error: BaseException) -> None:
        if isinstance(error, AppError):
            self.banner.show_error(str(error))
        else:
            show_error(self, error)
