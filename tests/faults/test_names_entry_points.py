"""A hostile name is refused at every entry point (command line, engine API, GUI jobs,
workspace rows read back) before any path is built, and S3 keys stay inside their folder."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import run_cli
from core.errors import ValidationError
from core.serving.capture_writer import CaptureWriter
from core.serving.lifecycle import CaptureConfig, deploy_local, endpoint_folder, undeploy
from core.workspace.alerts import AlertRule
from core.workspace.schedules import ScheduleRecord
from core.workspace.store import BaselineRecord, EndpointRecord, Workspace
from tests.core.test_names import hostile_names

ROOT = Path(__file__).resolve().parents[2]
TRAVERSAL = "../../escape"
FUNCTION_FIXTURES = settings(max_examples=25, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture])

# Every command-line entry point taking a name; NAME is replaced by the hostile name. A name
# in an option is passed as --option=NAME, a positional one after "--", so that argparse
# never mistakes a name starting with "-" for an option.
CLI_ENTRY_POINTS = [
    ["serve", "--model", "m.tar.gz", "--name=NAME"],
    ["serve", "--model", "m.tar.gz", "--name", "ok", "--variant=NAME"],
    ["deploy", "--workspace", "WS", "--model", "m.tar.gz", "--name=NAME"],
    ["undeploy", "--workspace", "WS", "--", "NAME"],
    ["traffic", "--workspace", "WS", "--file", "t.csv", "--endpoint=NAME"],
    ["monitor", "--capture", "c", "--statistics", "s", "--constraints", "c", "--output", "OUT",
     "--schedule=NAME"],
    ["monitor", "--capture", "c", "--statistics", "s", "--constraints", "c", "--output", "OUT",
     "--endpoint=NAME"],
    ["schedule", "create", "--workspace", "WS", "--endpoint", "ep", "--", "NAME"],
    ["schedule", "create", "--workspace", "WS", "--endpoint=NAME", "--", "ok"],
    ["schedule", "create", "--workspace", "WS", "--endpoint", "ep", "--baseline=NAME", "--",
     "ok"],
    *[["schedule", action, "--workspace", "WS", "--", "NAME"]
      for action in ("describe", "start", "stop", "delete", "run-now", "update")],
    ["executions", "list", "--workspace", "WS", "--schedule=NAME"],
    ["alerts", "create", "--workspace", "WS", "--condition", "x > 1", "--", "NAME"],
    ["alerts", "create", "--workspace", "WS", "--condition", "x > 1", "--schedule=NAME", "--",
     "ok"],
    ["alerts", "create", "--workspace", "WS", "--condition", "x > 1", "--endpoint=NAME", "--",
     "ok"],
    ["alerts", "delete", "--workspace", "WS", "--", "NAME"],
    ["alerts", "history", "--workspace", "WS", "--rule=NAME"],
    ["aws", "deploy", "--model", "m.tar.gz", "--name=NAME"],
    ["aws", "undeploy", "--", "NAME"],
    ["aws", "monitor", "--endpoint=NAME", "--schedule", "s", "--statistics", "s",
     "--constraints", "c", "--capture", "c", "--output", "o"],
    ["aws", "monitor", "--endpoint", "ep", "--schedule=NAME", "--statistics", "s",
     "--constraints", "c", "--capture", "c", "--output", "o"],
    ["aws", "schedules", "--endpoint=NAME"],
    ["aws", "executions", "--", "NAME"],
]


def _argv(template: list[str], name: str, tmp_path: Path) -> list[str]:
    out = []
    for word in template:
        word = word.replace("NAME", name) if "NAME" in word else word
        out.append({"WS": str(tmp_path / "ws"), "OUT": str(tmp_path / "out")}.get(word, word))
    return out


def _entry_id(template: list[str]) -> str:
    return " ".join(w for w in template if "NAME" in w or not w.startswith(("-", "W", "O")))


@pytest.mark.parametrize("template", CLI_ENTRY_POINTS, ids=_entry_id)
def test_traversal_name_at_each_cli_entry_point_exits_2_with_one_sentence(template, tmp_path,
                                                                          capsys):
    assert run_cli(_argv(template, TRAVERSAL, tmp_path)) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("error: ") and "not valid" in err, err
    assert "Traceback" not in out + err
    assert not (tmp_path / "out").exists()  # nothing was written anywhere


@given(name=hostile_names().filter(bool))  # an empty optional name means "not given"
@FUNCTION_FIXTURES
def test_generated_hostile_names_at_each_cli_entry_point(tmp_path, capsys, name):
    for template in CLI_ENTRY_POINTS:
        assert run_cli(_argv(template, name, tmp_path)) == 2, template
        _out, err = capsys.readouterr()
        assert err.startswith("error: ") and "not valid" in err, (template, err)


def test_serve_with_traversal_names_writes_nothing_anywhere(tmp_path, model_tar):
    """The reported case: capture at the file-system root. A real process, as a user runs it."""
    capture = tmp_path / "a" / "b" / "capture"
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "serve", "--name", "../../x", "--variant",
         "../../../y", "--model", str(model_tar), "--capture-dest", str(capture)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: Endpoint name '../../x' (--name)")
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # no capture folder, inside or outside


# -- engine API ----------------------------------------------------------------------------

@given(name=hostile_names().filter(bool))  # empty: "none" where a name is optional
@FUNCTION_FIXTURES
def test_engine_api_refuses_generated_hostile_names(tmp_path, model_tar, name):
    from core.monitoring.execution import report_folder
    from gui.tabs.baselines.jobs import suggest_and_register

    root = tmp_path / "api"
    with Workspace.open(root / "ws") as ws:
        calls = [
            lambda: deploy_local(ws, name, model_tar, CaptureConfig()),
            lambda: deploy_local(ws, "ok", model_tar, CaptureConfig(), variant=name),
            lambda: undeploy(ws, name),
            lambda: endpoint_folder(ws, name),
            lambda: CaptureWriter(root / "capture", name, "AllTraffic"),
            lambda: CaptureWriter(root / "capture", "ep", name),
            lambda: report_folder(root / "out", name, "sched", datetime.now(UTC)),
            lambda: report_folder(root / "out", "ep", name, datetime.now(UTC)),
            lambda: ws.upsert_endpoint(EndpointRecord(name=name)),
            lambda: ws.upsert_endpoint(EndpointRecord(name="ok", variant=name)),
            lambda: ws.add_baseline(BaselineRecord(name, "d.csv", "s.json", "c.json")),
            lambda: ws.create_schedule(ScheduleRecord(name, "ep", "NOW", "s", "c")),
            lambda: ws.create_schedule(ScheduleRecord("ok", name, "NOW", "s", "c")),
            lambda: ws.create_alert_rule(AlertRule(name, "m", ">", 1.0)),
            lambda: ws.create_alert_rule(AlertRule("ok", "m", ">", 1.0, schedule=name)),
            lambda: ws.create_alert_rule(AlertRule("ok", "m", ">", 1.0, endpoint=name)),
            lambda: suggest_and_register(ws, name, "d.csv", True),
        ]
        for number, call in enumerate(calls):
            with pytest.raises(ValidationError):
                call()
                pytest.fail(f"call {number} accepted {name!r}")
        assert ws.list_endpoints() == [] and ws.list_baselines() == []
    assert not (root / "capture").exists() and not (root / "out").exists()
    assert sorted(p.name for p in (root / "ws" / "baselines").iterdir()) == []


def test_monitor_report_never_leaves_output(tmp_path, capsys):
    """The reported case: ``monitor --schedule ../../X`` wrote outside --output."""
    out = tmp_path / "deep" / "er" / "reports"
    code = run_cli(["monitor", "--dataset", "d.csv", "--statistics", "s", "--constraints", "c",
                    "--output", str(out), "--schedule", "../../X"])
    assert code == 2 and "Schedule name '../../X' (--schedule) is not valid" in \
        capsys.readouterr().err
    assert not (tmp_path / "deep").exists()


# -- workspace rows read back ------------------------------------------------------------

@pytest.mark.parametrize("table, column, read", [
    ("endpoints", "name", lambda ws: ws.list_endpoints()),
    ("endpoints", "variant", lambda ws: ws.get_endpoint("good")),
    ("baselines", "name", lambda ws: ws.list_baselines()),
    ("schedules", "name", lambda ws: ws.list_schedules()),
    ("schedules", "endpoint", lambda ws: ws.get_schedule("good")),
    ("alert_rules", "name", lambda ws: ws.list_alert_rules()),
    ("alert_rules", "schedule", lambda ws: ws.get_alert_rule("good")),
])
def test_tampered_workspace_rows_are_refused_when_read_back(tmp_path, table, column, read):
    folder = tmp_path / "ws"
    with Workspace.open(folder) as ws:
        stats, constraints = tmp_path / "s.json", tmp_path / "c.json"
        stats.write_text("{}")
        constraints.write_text("{}")
        ws.upsert_endpoint(EndpointRecord(name="good"))
        ws.add_baseline(BaselineRecord("good", "d.csv", str(stats), str(constraints)))
        ws.create_schedule(ScheduleRecord("good", "ep", "NOW", str(stats), str(constraints)))
        ws.create_alert_rule(AlertRule("good", "m", ">", 1.0, schedule="good"))
    with sqlite3.connect(folder / "workspace.db") as conn:  # edited behind the app's back
        conn.execute(f"UPDATE {table} SET {column} = ?", (TRAVERSAL,))
    conn.close()
    with Workspace.open(folder) as ws, pytest.raises(ValidationError) as caught:
        read(ws)
    message = str(caught.value)
    assert f"{TRAVERSAL!r}" in message and f"workspace.db, {table}" in message
    assert "\n" not in message


# -- S3 keys -----------------------------------------------------------------------------

def test_s3_key_with_dot_dot_is_not_downloaded_outside_the_staging_folder(settings, tmp_path):
    from core.backends.aws.session import client
    from core.backends.storage import Storage

    s3 = client(settings, "s3")
    prefix = f"{settings.prefix}/cap"
    s3.put_object(Bucket=settings.bucket, Key=f"{prefix}/ep/ok.jsonl", Body=b"{}\n")
    s3.put_object(Bucket=settings.bucket, Key=f"{prefix}/../../../escape.jsonl", Body=b"x")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=settings.bucket)["Contents"]]
    assert f"{prefix}/../../../escape.jsonl" in keys  # S3 keeps the key as given
    staging = tmp_path / "a" / "b" / "staging"
    with pytest.raises(ValidationError, match=r"escape\.jsonl.*would not stay inside"):
        Storage(settings).download_tree(f"s3://{settings.bucket}/{prefix}", staging)
    assert not list(tmp_path.rglob("*.jsonl"))  # checked before anything was downloaded


@given(relative=st.lists(st.sampled_from(["a", "..", ".", "", "b.json", "/", "\\", "..\\x"]),
                         min_size=1, max_size=6).map("/".join))
@FUNCTION_FIXTURES
def test_local_target_stays_inside_for_any_key(tmp_path, relative):
    from core.backends.storage import local_target

    root = tmp_path / "staging"
    try:
        target = local_target(root, relative, f"s3://b/{relative}")
    except ValidationError:
        return
    resolved = target.resolve()
    assert root.resolve() in resolved.parents


@given(schedule=st.from_regex(r"[a-zA-Z0-9]{1,30}", fullmatch=True),
       metric=st.text(max_size=80), comparison=st.sampled_from([">", ">=", "<", "<=", "?"]),
       threshold=st.floats(allow_nan=False), taken=st.sets(st.text(max_size=70), max_size=5))
@settings(deadline=None)
def test_names_the_gui_makes_up_are_valid_and_unused(schedule, metric, comparison, threshold,
                                                     taken):
    from core.names import is_valid_name
    from gui.tabs.executions.loaders import alert_name

    name = alert_name(schedule, metric, comparison, threshold, taken=taken)
    assert is_valid_name(name) and name not in taken


def test_scheduler_keeps_polling_past_a_tampered_schedule_row(tmp_path):
    import threading

    from core.scheduling.scheduler import Scheduler

    folder = tmp_path / "ws"
    stats, constraints = tmp_path / "s.json", tmp_path / "c.json"
    stats.write_text("{}")
    constraints.write_text("{}")
    with Workspace.open(folder) as ws:
        ws.create_schedule(ScheduleRecord("good", "ep", "cron(0 * ? * * *)", str(stats),
                                          str(constraints)))
    with sqlite3.connect(folder / "workspace.db") as conn:
        conn.execute("UPDATE schedules SET endpoint = ?", (TRAVERSAL,))
    conn.close()
    with Workspace.open(folder) as ws:
        stop = threading.Event()
        scheduler = Scheduler(ws)
        runner = threading.Thread(target=scheduler.run_forever, args=(stop,),
                                  kwargs={"poll_interval_s": 0.05})
        runner.start()
        runner.join(1.0)
        assert runner.is_alive()  # the damaged row did not end scheduling
        stop.set()
        runner.join(10)
        assert not runner.is_alive()
        with pytest.raises(ValidationError, match="workspace.db, schedules row 'good'"):
            ws.list_schedules()  # and it is reported, in one sentence, where it is read
