"""The workspace keeps its data: a truncated, lost or damaged database is refused with one
sentence (never recreated empty, never a traceback), and backups bring it back."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli import run_cli
from core.errors import AppError
from core.monitoring.metrics import ENDPOINT_NAMESPACE, MetricPoint
from core.workspace import backup
from core.workspace.db import WorkspaceDatabaseError
from core.workspace.health import check_workspace, is_broken
from core.workspace.schema import MIGRATIONS, SCHEMA_VERSION
from core.workspace.schedules import ScheduleRecord
from core.workspace.store import Workspace
from tests.conftest import PROJECT_ROOT

T0 = datetime(2026, 1, 1, tzinfo=UTC)
EXECUTIONS = 300
GARBAGE = 16 * 1024


def _populate(folder: Path) -> Path:
    """A workspace with schedules, executions and metric points: a file of a few MB."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("statistics.json", "constraints.json"):
        (folder / name).write_text("{}")
    with Workspace.open(folder / "ws") as ws:
        schedule = ws.create_schedule(ScheduleRecord(
            name="hourly", endpoint="ep", expression="cron(0 * ? * * *)",
            statistics_path=str(folder / "statistics.json"),
            constraints_path=str(folder / "constraints.json"), created_at=T0))
        for n in range(EXECUTIONS):
            when = T0 + timedelta(hours=n)
            execution = ws.add_execution(schedule, when)
            ws.finish_execution(execution.id, status="Completed", item_count=n,
                                report_dir=str(ws.reports_dir / f"r{n}"))
            dims = (("Endpoint", "ep"), ("MonitoringSchedule", "hourly"))
            ws.add_metric_points([MetricPoint(ENDPOINT_NAMESPACE, f"feature_baseline_drift_f{i}",
                                              dims, when, value=i / 70) for i in range(70)],
                                 execution_id=execution.id)
        ws.backup_now()  # a fresh backup: no daily one is due when a test opens the copy
    return folder / "ws"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return _populate(tmp_path_factory.mktemp("populated"))


@pytest.fixture
def ws_folder(template, tmp_path) -> Path:
    import shutil

    return Path(shutil.copytree(template, tmp_path / "ws"))


def _damage(db: Path, offset: int) -> None:
    with open(db, "r+b") as handle:
        handle.seek(offset)
        handle.write(os.urandom(GARBAGE))


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = run_cli(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _read_everything(folder: Path) -> None:
    with Workspace.open(folder) as ws:
        ws.list_schedules()
        ws.list_endpoints()
        ws.list_executions(limit=None)
        ws.metric_names()
        ws.metric_series("feature_baseline_drift_f3", schedule="hourly")
        ws.list_alert_rules()


def test_an_empty_database_is_refused_and_left_as_it_is(ws_folder, capsys):
    db = ws_folder / "workspace.db"
    db.write_bytes(b"")
    with pytest.raises(WorkspaceDatabaseError, match="empty"):
        Workspace.open(ws_folder)
    code, out, err = _cli(capsys, "executions", "list", "--workspace", str(ws_folder))
    assert code == 2 and err.count("\n") == 1 and "0 bytes" in err
    assert db.stat().st_size == 0  # never silently recreated as an empty workspace
    code, out, _ = _cli(capsys, "workspace", "check", "--workspace", str(ws_folder))
    assert code == 2 and "error:" in out and "empty (0 bytes)" in out


def test_a_deleted_database_with_backups_is_not_recreated(ws_folder):
    with Workspace.open(ws_folder) as ws:
        ws.backup_now()
    (ws_folder / "workspace.db").unlink()
    with pytest.raises(WorkspaceDatabaseError, match="missing"):
        Workspace.open(ws_folder)
    assert not (ws_folder / "workspace.db").exists()


@pytest.mark.parametrize("fraction", [0.2, 0.35, 0.5, 0.65, 0.8, 0.95])
def test_garbage_anywhere_gives_one_sentence_never_a_traceback(ws_folder, capsys, fraction):
    db = ws_folder / "workspace.db"
    size = db.stat().st_size
    assert size > 20 * GARBAGE
    _damage(db, int(size * fraction) // 4096 * 4096)
    try:
        _read_everything(ws_folder)
    except AppError as error:
        assert "damaged" in str(error) and "workspace restore" in str(error)
    for argv in (("executions", "list", "--limit", "1000"), ("schedule", "list"),
                 ("alerts", "list"), ("endpoints",)):
        code, _, err = _cli(capsys, *argv, "--workspace", str(ws_folder))
        assert code in (0, 2)
        if code == 2:
            assert err.count("\n") == 1 and err.startswith("error: ")
    code, out, _ = _cli(capsys, "workspace", "check", "--workspace", str(ws_folder))
    assert code == 2, out
    assert all(line.split(":", 1)[0] in ("ok", "warning", "error") for line in out.splitlines())


def test_a_damaged_database_in_a_real_process(ws_folder):
    db = ws_folder / "workspace.db"
    _damage(db, db.stat().st_size // 2 // 4096 * 4096)
    for argv, codes in ((["executions", "list", "--limit", "1000"], (0, 2)),
                        (["workspace", "check"], (2,))):
        done = subprocess.run([sys.executable, "main.py", *argv, "--workspace", str(ws_folder)],
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode in codes and "Traceback" not in done.stderr + done.stdout


def test_restore_brings_back_the_newest_good_backup_and_keeps_the_broken_file(ws_folder,
                                                                              capsys):
    with Workspace.open(ws_folder) as ws:
        ws.backup_now()
        kept = len(ws.list_executions(limit=None))
    db = ws_folder / "workspace.db"
    _damage(db, db.stat().st_size // 2 // 4096 * 4096)
    broken = hashlib.sha256(db.read_bytes()).hexdigest()
    code, out, err = _cli(capsys, "workspace", "restore", "--workspace", str(ws_folder))
    assert code == 0, err
    [aside] = [p for p in (ws_folder / "backups").iterdir() if p.name.startswith("replaced-")]
    assert hashlib.sha256((aside / "workspace.db").read_bytes()).hexdigest() == broken
    assert str(aside) in out
    _read_everything(ws_folder)
    with Workspace.open(ws_folder) as ws:
        assert len(ws.list_executions(limit=None)) == kept
    assert not is_broken(check_workspace(ws_folder))
    assert (os.stat(db).st_mode & 0o077) == 0


def test_restore_skips_damaged_backups_and_refuses_when_none_is_good(ws_folder, capsys):
    with Workspace.open(ws_folder) as ws:
        good = ws.backup_now()
        newer = ws.backup_now()
    _damage(newer.path, newer.path.stat().st_size // 2 // 4096 * 4096)
    assert backup.restore_database(ws_folder).source == good.path
    for each in backup.list_backups(ws_folder):  # the daily one of the first open too
        if backup.good_backup_problem(each.path) is None:
            _damage(each.path, each.path.stat().st_size // 2 // 4096 * 4096)
    before = sorted(p.name for p in ws_folder.iterdir())
    code, _, err = _cli(capsys, "workspace", "restore", "--workspace", str(ws_folder))
    assert code == 2 and "no good backup" in err and err.count("\n") == 1
    assert sorted(p.name for p in ws_folder.iterdir()) == before


def test_restore_is_refused_while_the_workspace_is_in_use(ws_folder):
    with Workspace.open(ws_folder) as ws:
        ws.backup_now()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, sqlite3\n"
         "c = sqlite3.connect(sys.argv[1]); c.execute('select count(*) from executions')\n"
         "print('open', flush=True); sys.stdin.read()", str(ws_folder / "workspace.db")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(AppError, match=f"process {holder.pid}"):
            backup.restore_database(ws_folder)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    scheduler = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom core.scheduling.lock import SchedulerLock\n"
         "SchedulerLock(sys.argv[1]).acquire(); print('locked', flush=True); sys.stdin.read()",
         str(ws_folder)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=PROJECT_ROOT)
    try:
        assert scheduler.stdout.readline().strip() == "locked"
        with pytest.raises(AppError, match="in use|Another"):
            backup.restore_database(ws_folder)
    finally:
        scheduler.kill()
        scheduler.wait(timeout=10)
    assert not list((ws_folder / "backups").glob("replaced-*"))


def test_a_backup_of_a_damaged_database_is_refused_and_older_ones_stay(ws_folder):
    with Workspace.open(ws_folder) as ws:
        ws.backup_now()
    before = backup.list_backups(ws_folder)
    db = ws_folder / "workspace.db"
    _damage(db, db.stat().st_size // 2 // 4096 * 4096)
    with pytest.raises(WorkspaceDatabaseError, match="damaged"):
        backup.backup_database(db, ws_folder, backup.DAILY)
    assert backup.list_backups(ws_folder) == before
    assert not [p for p in (ws_folder / "backups").iterdir() if p.name.startswith(".")]


def test_daily_backups_are_taken_when_due_and_pruned(ws_folder):
    import shutil

    shutil.rmtree(ws_folder / "backups")  # this test's clock is older than the template's
    db = ws_folder / "workspace.db"
    for day in range(10):
        backup.backup_database(db, ws_folder, backup.DAILY, now=T0 + timedelta(days=day))
    daily = [b for b in backup.list_backups(ws_folder) if b.kind == backup.DAILY]
    assert [b.taken_at for b in daily] == [T0 + timedelta(days=d) for d in range(9, 2, -1)]
    later = T0 + timedelta(days=9, hours=23)
    assert backup.backup_if_due(db, ws_folder, now=later) is None
    made = backup.backup_if_due(db, ws_folder, now=later + timedelta(hours=2))
    assert made is not None and made.kind == backup.DAILY
    newest = backup.list_backups(ws_folder)[0]
    assert newest.path == made.path and backup.good_backup_problem(made.path) is None


def test_a_migration_is_preceded_by_a_backup(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    conn = sqlite3.connect(folder / "workspace.db")
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Workspace.open(folder):
        pass
    [before] = [b for b in backup.list_backups(folder) if b.kind == backup.BEFORE_MIGRATION]
    assert backup.file_schema_version(before.path) == 1
    assert backup.file_schema_version(folder / "workspace.db") == SCHEMA_VERSION


def test_processes_creating_one_workspace_at_once_never_see_an_empty_file(tmp_path):
    """A new database is linked into place whole: racing first opens all succeed."""
    code = ("import sys\nfrom core.workspace.store import Workspace\n"
            "sys.stdin.readline()\n"
            "with Workspace.open(sys.argv[1]) as ws:\n    print(len(ws.list_schedules()))\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "new")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
             for _ in range(6)]
    for proc in procs:  # release them together
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [p.returncode for p in procs] == [0] * 6, [err for _, err in results]
    assert [out.strip() for out, _ in results] == ["0"] * 6
    assert not [p for p in (tmp_path / "new").iterdir() if p.name.startswith(".workspace.db")]
