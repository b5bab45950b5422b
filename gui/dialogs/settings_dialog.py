"""AWS settings: profile, region, execution role, S3 bucket and prefix, with "Test connection".

Edits the file ``core.config`` reads; credentials are never asked for or stored (they come
from the AWS profile). The connection test runs on the job runner and shows one sentence per
check.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from core.config import AwsSettings, default_settings_path, load_settings, save_settings
from core.errors import AppError
from gui.jobs import JobRunner
from gui.widgets.status_banner import StatusBanner

log = logging.getLogger(__name__)

REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
           "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1",
           "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "sa-east-1")
OK_COLOR, FAILED_COLOR = QColor("#1b7f3b"), QColor("#b3261e")


def _profiles() -> list[str]:
    """Profile names in the user's AWS config files (names only, never their contents)."""
    try:
        import botocore.session

        return sorted(botocore.session.Session().available_profiles)
    except Exception:  # noqa: BLE001 - a broken config file must not stop the dialog
        log.info("cannot list AWS profiles", exc_info=True)
        return []


class SettingsDialog(QDialog):
    """Edit and test the AWS settings; Save writes them to ``path``.

    Args:
        parent: the owning window.
        path: the settings file (default: ``core.config.default_settings_path()``).
        runner: the app's job runner; the dialog makes its own when None.
    """

    def __init__(self, parent: QWidget | None = None, *, path: str | Path | None = None,
                 runner: JobRunner | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path) if path is not None else default_settings_path()
        self._own_runner = runner is None
        self._runner = runner or JobRunner(self)
        self._test_job = None
        self.setWindowTitle("AWS settings")
        self.setMinimumWidth(620)
        self._build_ui()
        self._connect_signals()
        try:
            self.set_settings(load_settings(self.path))
        except AppError as error:
            self.banner.show_error(f"{error} Defaults are shown; saving replaces the file.")

    def _build_ui(self) -> None:
        self.profile = QComboBox()
        self.profile.setEditable(True)
        self.profile.addItems(["", *_profiles()])
        self.profile.setToolTip("AWS profile from your AWS config files; empty: the default "
                                "credential chain (environment, default profile, SSO, role).")
        self.region = QComboBox()
        self.region.setEditable(True)
        self.region.addItems(["", *REGIONS])
        self.role_arn = QLineEdit()
        self.role_arn.setPlaceholderText("arn:aws:iam::123456789012:role/SageMakerRole")
        self.bucket = QLineEdit()
        self.prefix = QLineEdit()
        self.endpoint_url = QLineEdit()
        self.endpoint_url.setPlaceholderText("empty for AWS; or S3-compatible storage URL")
        self.publish_metrics = QCheckBox("Publish execution metrics to CloudWatch")
        self.client_side_capture = QCheckBox("Capture traffic on this computer when an endpoint "
                                             "cannot capture")
        form = QFormLayout()
        form.addRow("Profile:", self.profile)
        form.addRow("Region:", self.region)
        form.addRow("Execution role ARN:", self.role_arn)
        form.addRow("S3 bucket:", self.bucket)
        form.addRow("S3 prefix:", self.prefix)
        form.addRow("Endpoint URL:", self.endpoint_url)
        form.addRow("", self.publish_metrics)
        form.addRow("", self.client_side_capture)
        note = QLabel("Credentials are never stored here: they come from the chosen AWS profile "
                      "('aws configure' or 'aws sso login').")
        note.setWordWrap(True)
        self.banner = StatusBanner()
        self.test_button = QPushButton("Test connection")
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.setMinimumHeight(120)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.test_button)
        layout.addWidget(self.results)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.buttons.accepted.connect(self._on_save_clicked)
        self.buttons.rejected.connect(self.reject)

    def set_settings(self, settings: AwsSettings) -> None:
        self.profile.setCurrentText(settings.profile)
        self.region.setCurrentText(settings.region)
        self.role_arn.setText(settings.role_arn)
        self.bucket.setText(settings.bucket)
        self.prefix.setText(settings.prefix)
        self.endpoint_url.setText(settings.endpoint_url)
        self.publish_metrics.setChecked(settings.publish_metrics)
        self.client_side_capture.setChecked(settings.client_side_capture)

    def settings(self) -> AwsSettings:
        """The settings as edited (not validated)."""
        return AwsSettings(profile=self.profile.currentText().strip(),
                           region=self.region.currentText().strip(),
                           role_arn=self.role_arn.text().strip(),
                           bucket=self.bucket.text().strip(), prefix=self.prefix.text().strip(),
                           endpoint_url=self.endpoint_url.text().strip(),
                           publish_metrics=self.publish_metrics.isChecked(),
                           client_side_capture=self.client_side_capture.isChecked())

    def _on_save_clicked(self) -> None:
        try:
            save_settings(self.settings(), self.path)
        except AppError as error:
            self.banner.show_error(str(error))
            return
        self.accept()

    def _on_test_button_clicked(self) -> None:
        try:
            settings = self.settings().validate()
        except AppError as error:
            self.banner.show_error(str(error))
            return
        from core.backends.aws.connection import check_connection

        self.banner.show_info("Testing the connection…")
        self.results.clear()
        self.test_button.setEnabled(False)
        self._test_job = self._runner.submit(check_connection, settings,
                                             on_done=self._on_test_done,
                                             on_error=self._on_test_failed,
                                             on_cancelled=self._on_test_finished,
                                             name="Test AWS connection")

    def _on_test_done(self, report) -> None:
        self._on_test_finished()
        for check in report.checks:
            item = QListWidgetItem(f"{'✓' if check.ok else '✗'} {check.name}: {check.message}")
            item.setForeground(OK_COLOR if check.ok else FAILED_COLOR)
            self.results.addItem(item)
        if report.ok:
            self.banner.show_info("Connection works: every check passed.")
        else:
            self.banner.show_error("Some checks failed: see the sentences below.")

    def _on_test_failed(self, error: BaseException) -> None:
        self._on_test_finished()
        self.banner.show_error(str(error) if isinstance(error, AppError)
                               else f"The connection test failed unexpectedly: {error}")

    def _on_test_finished(self) -> None:
        self._test_job = None
        self.test_button.setEnabled(True)

    def result_lines(self) -> list[str]:
        return [self.results.item(i).text() for i in range(self.results.count())]

    def done(self, result: int) -> None:
        if self._test_job is not None:
            self._test_job.cancel()
        if self._own_runner:
            self._runner.shutdown()
        super().done(result)
