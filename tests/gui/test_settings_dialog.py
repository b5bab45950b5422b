"""The AWS settings dialog: loads and saves the settings file (never a secret), refuses bad
values with a sentence, and runs "Test connection" on the job runner against the loopback
AWS server, showing one sentence per check."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from core.config import AwsSettings, save_settings
from gui.dialogs.settings_dialog import SettingsDialog
from tests.aws.conftest import ROLE_ARN, aws_env, moto_url, settings  # noqa: F401


def _dialog(qtbot, path, runner):
    dialog = SettingsDialog(path=path, runner=runner)
    qtbot.addWidget(dialog)
    return dialog


def test_loads_edits_and_saves_without_secrets(qtbot, tmp_path, runner):
    path = tmp_path / "aws.json"
    save_settings(AwsSettings(region="eu-west-1", bucket="team-bucket", prefix="mm"), path)
    dialog = _dialog(qtbot, path, runner)
    assert dialog.region.currentText() == "eu-west-1" and dialog.bucket.text() == "team-bucket"
    dialog.role_arn.setText(ROLE_ARN)
    dialog.publish_metrics.setChecked(False)
    dialog.buttons.accepted.emit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = json.loads(path.read_text())
    assert saved["role_arn"] == ROLE_ARN and saved["publish_metrics"] is False
    assert not {k for k in saved if "secret" in k or "key" in k or "token" in k}


def test_bad_value_is_refused_with_a_sentence(qtbot, tmp_path, runner):
    path = tmp_path / "aws.json"
    dialog = _dialog(qtbot, path, runner)
    dialog.region.setCurrentText("Frankfurt")
    dialog.buttons.accepted.emit()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "not an AWS region name" in dialog.banner.text()
    assert not path.exists()


def test_unreadable_file_is_reported(qtbot, tmp_path, runner):
    path = tmp_path / "aws.json"
    path.write_text('{"aws_secret_access_key": "x"}')
    dialog = _dialog(qtbot, path, runner)
    assert "holds credentials" in dialog.banner.text()


def test_connection_checks_shown_as_sentences(qtbot, tmp_path, runner, settings,  # noqa: F811
                                              monkeypatch):
    dialog = _dialog(qtbot, tmp_path / "aws.json", runner)
    dialog.set_settings(settings)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=60_000)
    lines = dialog.result_lines()
    assert len(lines) == 5 and all(line.startswith("✓") for line in lines), lines
    assert "every check passed" in dialog.banner.text()

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=60_000)
    lines = dialog.result_lines()
    assert lines[-1].startswith("✗ Identity: No AWS credentials were found")
    assert "Some checks failed" in dialog.banner.text()
