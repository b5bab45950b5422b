"""``main.py schedule``, ``executions``, ``scheduler`` and ``alerts`` on captured traffic."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from cli import run_cli
from core.scheduling.scheduler import Scheduler
from core.workspace.store import Workspace
from tests.conftest import PROJECT_ROOT
from tests.core.scheduling.helpers import (
    T0,
    FakeClock,
    build_traffic_workspace,
    hourly_schedule,
)


@pytest.fixture
def workspace(tmp_path):
    return str(build_traffic_workspace(tmp_path / "traffic"))


def _cli(capsys, *args):
    code = run_cli(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_schedule_lifecycle_and_executions_list(workspace, capsys):
    ws = ("--workspace", workspace)
    code, _, err = _cli(capsys, "schedule", "create", "bad", "--endpoint", "demo-churn",
                        "--baseline", "churn", "--cron", "every hour", *ws)
    assert code == 2 and "Allowed schedule expressions" in err
    code, out, _ = _cli(capsys, "schedule", "create", "tenmin", "--endpoint", "demo-churn",
                        "--baseline", "churn", "--cron", "*/10 * * * *",
                        "--window-start=-PT10M", *ws)
    assert code == 0 and "Created schedule tenmin (Scheduled, */10 * * * *)" in out
    code, out, _ = _cli(capsys, "schedule", "list", *ws)
    assert "tenmin" in out and "demo-churn" in out and "NEXT RUN" in out
    code, out, _ = _cli(capsys, "schedule", "update", "tenmin", "--window-start=-PT20M",
                        "--max-runtime", "120", *ws)
    assert code == 0 and "window -PT20M to -PT0H" in out
    code, _, err = _cli(capsys, "schedule", "update", "tenmin", "--cron", "often", *ws)
    assert code == 2 and "Allowed schedule expressions" in err
    assert _cli(capsys, "schedule", "update", "tenmin", "--window-start=-PT10M", *ws)[0] == 0
    assert _cli(capsys, "schedule", "stop", "tenmin", *ws)[1].strip().endswith("Stopped.")
    code, out, _ = _cli(capsys, "schedule", "describe", "tenmin", *ws)
    assert "Window:        -PT10M to -PT0H" in out and "Status:        Stopped" in out
    code, out, _ = _cli(capsys, "schedule", "run-now", "tenmin", *ws)
    # no traffic was captured in the last ten minutes of real time
    assert code == 1 and "Failed - Job inputs had no data" in out
    code, out, _ = _cli(capsys, "executions", "list", "--schedule", "tenmin", *ws)
    assert code == 0 and "Job inputs had no data" in out and "Failed" in out
    code, out, _ = _cli(capsys, "executions", "list", "--json", *ws)
    [summary] = json.loads(out)["MonitoringExecutionSummaries"]
    assert summary["MonitoringScheduleName"] == "tenmin"
    assert summary["MonitoringExecutionStatus"] == "Failed"
    assert summary["FailureReason"] == "Job inputs had no data"
    assert summary["ScheduledTime"].endswith("Z") and summary["EndpointName"] == "demo-churn"
    code, _, err = _cli(capsys, "executions", "list", "--schedule", "nope", *ws)
    assert code == 2 and "No schedule named 'nope' (schedules: tenmin)" in err
    code, out, _ = _cli(capsys, "executions", "describe", "1", *ws)
    assert "Trigger:        manual" in out
    assert _cli(capsys, "schedule", "delete", "tenmin", *ws)[0] == 0
    assert _cli(capsys, "schedule", "describe", "tenmin", *ws)[0] == 2


def _main(*args, **kw):
    return subprocess.Popen([sys.executable, "main.py", *args], cwd=PROJECT_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_headless_scheduler_is_alone_and_runs_queued_requests(workspace, capsys):
    ws = ("--workspace", workspace)
    assert _cli(capsys, "schedule", "create", "daily", "--endpoint", "demo-churn", "--baseline",
                "churn", "--cron", "cron(0 3 ? * * *)", *ws)[0] == 0
    first = _main("scheduler", "--poll", "0.2", *ws)
    try:
        assert "Scheduler running" in first.stdout.readline()
        second = _main("scheduler", *ws)
        _, err = second.communicate(timeout=60)
        assert second.returncode == 2 and f"Another scheduler (process {first.pid})" in err
        code, out, _ = _cli(capsys, "schedule", "run-now", "daily", *ws)
        assert code == 0 and "Queued execution" in out
        assert "daily #1: Failed - Job inputs had no data" in first.stdout.readline()
    finally:
        first.send_signal(signal.SIGTERM)
        out, _ = first.communicate(timeout=60)
    assert first.returncode == 0 and "Scheduler stopped." in out
    assert not os.path.exists(os.path.join(workspace, "scheduler.pid"))  # cleared on release
    code, out, _ = _cli(capsys, "scheduler", "--once", *ws)  # the lock is free again
    assert code == 0


def test_scheduler_command_waits_within_its_poll(workspace):
    started = time.monotonic()
    proc = _main("scheduler", "--poll", "0.2", "--workspace", workspace)
    try:
        assert "Scheduler running" in proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0 and time.monotonic() - started < 30


def test_alert_rules_from_the_command_line(workspace, capsys):
    ws_args = ("--workspace", workspace)
    with Workspace.open(workspace) as ws:
        hourly_schedule(ws)
        with Scheduler(ws, clock=FakeClock(T0 + timedelta(hours=2, seconds=1))) as scheduler:
            assert len(scheduler.tick()) == 2
    code, _, err = _cli(capsys, "alerts", "create", "bad", "--condition", "drift is high",
                        *ws_args)
    assert code == 2 and "METRIC OP NUMBER" in err
    code, out, _ = _cli(capsys, "alerts", "create", "drift", "--condition",
                        "feature_baseline_drift_{f} >= 0", "--datapoints", "2", "--periods", "3",
                        "--schedule", "hourly", *ws_args)
    assert code == 0 and out.strip().endswith("State: ALARM.")
    code, out, _ = _cli(capsys, "alerts", "list", *ws_args)
    assert "drift" in out and "ALARM" in out and "2 of the last 3 executions" in out
    code, out, _ = _cli(capsys, "alerts", "history", "--rule", "drift", *ws_args)
    assert "INSUFFICIENT_DATA" in out and "ALARM" in out
    assert _cli(capsys, "alerts", "delete", "drift", *ws_args)[0] == 0
    assert _cli(capsys, "alerts", "delete", "drift", *ws_args)[0] == 2
