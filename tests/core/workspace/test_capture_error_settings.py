"""The capture_errors figure of an execution and a schedule's tolerated share of bad records."""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import UTC, datetime

import pytest

from cli import run_cli
from core.errors import ValidationError
from core.workspace.schedules import ScheduleRecord
from core.workspace.schema import MIGRATIONS, SCHEMA_VERSION
from core.workspace.store import BaselineRecord, Workspace

T0 = datetime(2026, 3, 1, 5, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path):
    (tmp_path / "s.json").write_text("{}")
    (tmp_path / "c.json").write_text("{}")
    workspace = Workspace.open(tmp_path / "ws")
    workspace.add_baseline(BaselineRecord("base", "train.csv", str(tmp_path / "s.json"),
                                          str(tmp_path / "c.json")))
    yield workspace
    workspace.close()


def _schedule(ws, **kw):
    return ws.create_schedule(ScheduleRecord("hourly", "ep", "cron(0 * ? * * *)", "", "",
                                             baseline="base", **kw))


def test_a_version_2_file_gains_the_columns_with_their_defaults(tmp_path):
    conn = sqlite3.connect(tmp_path / "workspace.db", isolation_level=None)
    conn.executescript(";".join(MIGRATIONS[:2]) + ";PRAGMA user_version = 2;")
    conn.execute("INSERT INTO schedules (name, endpoint, statistics_path, constraints_path, "
                 "expression, created_at, updated_at) VALUES ('old', 'ep', 's', 'c', "
                 "'cron(0 * ? * * *)', '2026-01-01T00:00:00.000000+00:00', "
                 "'2026-01-01T00:00:00.000000+00:00')")
    conn.execute("INSERT INTO executions (schedule, endpoint, scheduled_time, window_start, "
                 "window_end, status, created_at) VALUES ('old', 'ep', "
                 "'2026-01-01T01:00:00.000000+00:00', '2026-01-01T00:00:00.000000+00:00', "
                 "'2026-01-01T01:00:00.000000+00:00', 'Completed', "
                 "'2026-01-01T01:00:00.000000+00:00')")
    conn.close()
    with Workspace.open(tmp_path) as ws:
        assert ws.get_schedule("old").max_bad_record_share == 0.01
        assert ws.list_executions("old")[0].capture_errors == 0
    conn = sqlite3.connect(tmp_path / "workspace.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 3
    conn.close()


def test_finish_execution_keeps_the_capture_errors_figure(ws):
    schedule = _schedule(ws)
    execution = ws.add_execution(schedule, T0)
    done = ws.finish_execution(execution.id, status="Completed", item_count=990,
                               capture_errors=7)
    assert (done.item_count, done.capture_errors) == (990, 7)
    assert ws.get_execution(execution.id).capture_errors == 7


def test_executions_list_json_carries_capture_errors(ws, capsys):
    schedule = _schedule(ws)
    execution = ws.add_execution(schedule, T0)
    ws.finish_execution(execution.id, status="Failed", failure_reason="bad capture",
                        capture_errors=3)
    assert run_cli(["executions", "list", "--json", "--workspace", str(ws.root)]) == 0
    [summary] = json.loads(capsys.readouterr().out)["MonitoringExecutionSummaries"]
    assert summary["CaptureErrors"] == 3 and summary["MonitoringExecutionStatus"] == "Failed"


@pytest.mark.parametrize("share", [0.0, 0.05, 1.0])
def test_a_schedule_keeps_its_share(ws, share):
    assert _schedule(ws, max_bad_record_share=share).max_bad_record_share == share
    assert ws.update_schedule("hourly", max_bad_record_share=0.2).max_bad_record_share == 0.2


@pytest.mark.parametrize("share", [-0.01, 1.5, math.nan, math.inf, "lots"])
def test_a_share_outside_0_to_1_is_refused(ws, share):
    with pytest.raises(ValidationError, match="must be a number from 0 to 1"):
        _schedule(ws, max_bad_record_share=share)


def test_schedule_cli_option_reaches_the_record(ws, capsys):
    root = str(ws.root)
    assert run_cli(["schedule", "create", "pct", "--endpoint", "ep", "--baseline", "base",
                    "--max-bad-record-share", "2.5%", "--workspace", root]) == 0
    assert ws.get_schedule("pct").max_bad_record_share == pytest.approx(0.025)
    assert run_cli(["schedule", "update", "pct", "--max-bad-record-share", "0",
                    "--workspace", root]) == 0
    assert ws.get_schedule("pct").max_bad_record_share == 0.0
    with pytest.raises(SystemExit) as caught:
        run_cli(["schedule", "update", "pct", "--max-bad-record-share", "nan",
                 "--workspace", root])
    assert caught.value.code == 2
    assert "--max-bad-record-share must be a number from 0 to 1, not 'nan'" in \
        capsys.readouterr().err
