"""Managed Model Monitor schedules from the command line (``main.py aws schedule ...``):
create, describe, stop, start, list executions, open one, delete; names that AWS would refuse
and NOW schedules without window offsets are refused locally with a sentence.

The schedule operations are answered by ``tests/aws/monitoring_service.py`` (moto lacks
them); the job definitions and S3 objects live on the loopback server.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest

from cli import run_cli
from core.backends.storage import Storage
from tests.aws.monitoring_service import MonitoringService

ENDPOINT = "churn-cli"


@pytest.fixture
def service(settings, aws_hooks):
    server = boto3.client("sagemaker", endpoint_url=settings.endpoint_url, region_name="us-east-1")
    return MonitoringService(server).install(aws_hooks)


@pytest.fixture
def aws_cli(settings, tmp_path):
    path = tmp_path / "aws.json"
    path.write_text(json.dumps({"region": "us-east-1", "bucket": settings.bucket,
                                "role_arn": settings.role_arn,
                                "endpoint_url": settings.endpoint_url}))

    def run(*args: str) -> int:
        return run_cli(["aws", "--settings", str(path), *args])

    return run


def _create(aws_cli, settings, name: str, *extra: str) -> int:
    return aws_cli("schedule", "create", name, "--endpoint", ENDPOINT,
                   "--statistics", settings.s3_uri("b", "statistics.json"),
                   "--constraints", settings.s3_uri("b", "constraints.json"), *extra)


def test_every_schedule_action_from_the_command_line(settings, service, aws_cli, samples,
                                                      capsys):
    # The longest name AWS allows: its job definition name must still fit 63 characters.
    name = "c" * 63
    assert _create(aws_cli, settings, name) == 0
    assert capsys.readouterr().out.strip().endswith(f"monitoring-schedule/{name}")
    assert aws_cli("schedule", "describe", name) == 0
    described = capsys.readouterr().out.split("\t")
    assert described[:3] == [name, "Scheduled", ENDPOINT] and len(described[4].strip()) <= 63
    assert aws_cli("schedule", "stop", name) == 0
    assert service.schedules[name]["MonitoringScheduleStatus"] == "Stopped"
    assert aws_cli("schedule", "start", name) == 0
    assert service.schedules[name]["MonitoringScheduleStatus"] == "Scheduled"
    assert aws_cli("schedules", "--endpoint", ENDPOINT) == 0
    assert f"{name}\tScheduled\t{ENDPOINT}" in capsys.readouterr().out

    report = settings.s3_uri("monitoring", name, "results", "2026", "01", "01", "10")
    storage = Storage(settings)
    for file in ("constraint_violations.json", "statistics.json"):
        storage.write_bytes(f"{report}/{file}",
                            (samples / "data-quality" / file).read_bytes()
                            if (samples / "data-quality" / file).exists() else b'{"violations": []}')
    service.add_execution(name, scheduled=datetime(2026, 1, 1, 10, tzinfo=UTC),
                          status="CompletedWithViolations")
    assert aws_cli("executions", name) == 0
    assert "2026-01-01 10:00\tCompletedWithViolations" in capsys.readouterr().out
    assert aws_cli("open-execution", report) == 0
    assert capsys.readouterr().out.strip()
    assert aws_cli("schedule", "delete", name) == 0
    assert name not in service.schedules


@pytest.mark.parametrize("name", ["a" * 64, "caf\u00e9", "has_underscore", "dot.ted",
                                  "ends-"])
def test_names_aws_refuses_are_refused_locally(settings, service, aws_cli, capsys, name):
    assert _create(aws_cli, settings, name) == 2
    assert "does not fit AWS" in capsys.readouterr().err
    assert not service.requests


def test_now_without_window_offsets_is_one_sentence(settings, service, aws_cli, capsys):
    assert _create(aws_cli, settings, "once", "--cron", "NOW") == 2
    assert "needs both window offsets" in capsys.readouterr().err
    assert _create(aws_cli, settings, "once", "--cron", "NOW", "--window-start=-PT1H",
                   "--window-end=-PT0H") == 0
