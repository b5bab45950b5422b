"""SageMaker schedules from the app: the dialog creates, stops, starts and deletes a schedule
and opens an execution, against the loopback AWS server (schedule operations answered by the
service-model-validated hooks of tests/aws/monitoring_service.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gui.dialogs.managed_schedules_dialog import ManagedSchedulesDialog
from tests.aws.conftest import (  # noqa: F401 (fixtures)
    aws_env,
    aws_hooks,
    moto_url,
    requests_checked_against_the_service_model,
    settings,
)
from tests.aws.monitoring_service import MonitoringService


@pytest.fixture
def service(settings, aws_hooks, tmp_path, monkeypatch):  # noqa: F811
    from core.config import save_settings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    save_settings(settings)
    server = boto3.client("sagemaker", endpoint_url=settings.endpoint_url, region_name="us-east-1")
    return MonitoringService(server).install(aws_hooks)


def test_create_stop_start_open_and_delete(qtbot, runner, settings, service,  # noqa: F811
                                           monkeypatch):
    dialog = ManagedSchedulesDialog(runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not runner.active_jobs(), timeout=20000)
    assert dialog.schedules.rowCount() == 0 and dialog.banner.level != "error"
    dialog.name.setText("churn-hourly")
    dialog.endpoint.setText("churn")
    dialog.statistics.setText(settings.s3_uri("b", "statistics.json"))
    dialog.constraints.setText(settings.s3_uri("b", "constraints.json"))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.schedules.rowCount() == 1, timeout=20000)
    assert dialog.selected_schedule() == "churn-hourly"
    qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.schedules.row_at(0)["MonitoringScheduleStatus"] == "Stopped",
                    timeout=20000)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.schedules.row_at(0)["MonitoringScheduleStatus"] == "Scheduled",
                    timeout=20000)

    arn = "arn:aws:sagemaker:us-east-1:123456789012:processing-job/model-monitoring-1"
    service.add_execution("churn-hourly", scheduled=datetime(2026, 1, 1, 10, tzinfo=UTC),
                          status="Completed", job_arn=arn)
    qtbot.mouseClick(dialog.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.executions.rowCount() == 1, timeout=20000)
    dialog.execution_table.selectRow(0)
    with qtbot.waitSignal(dialog.open_requested, timeout=5000) as opened:
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [arn]

    monkeypatch.setattr(QMessageBox, "question",  # the user confirms the deletion
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.schedules.rowCount() == 0, timeout=20000)
    assert "churn-hourly" not in service.schedules


def test_a_now_schedule_without_offsets_is_a_sentence_in_the_banner(qtbot, runner, settings,  # noqa: F811
                                                                    service):
    dialog = ManagedSchedulesDialog(runner)
    qtbot.addWidget(dialog)
    dialog.name.setText("once")
    dialog.endpoint.setText("churn")
    dialog.statistics.setText(settings.s3_uri("b", "statistics.json"))
    dialog.constraints.setText(settings.s3_uri("b", "constraints.json"))
    dialog.cron.setText("NOW")
    dialog.create()
    qtbot.waitUntil(lambda: dialog.banner.level == "error", timeout=20000)
    assert "needs both window offsets" in dialog.banner.text()
    assert not any(op == "CreateMonitoringSchedule" for op, _ in service.requests)
