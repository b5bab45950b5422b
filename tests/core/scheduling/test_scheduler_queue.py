"""What the scheduler queues when (controllable clock), and the one-scheduler-per-workspace lock."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.scheduling.scheduler import Scheduler, SchedulerLockedError, workspace_has_scheduler
from core.scheduling.lock import SchedulerLock
from core.workspace.store import BaselineRecord, Workspace
from core.workspace.schedules import ScheduleRecord
from tests.core.scheduling.helpers import FakeClock

T0 = datetime(2026, 1, 5, tzinfo=UTC)
PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def ws(tmp_path):
    (tmp_path / "s.json").write_text("{}")
    (tmp_path / "c.json").write_text("{}")
    workspace = Workspace.open(tmp_path / "ws")
    workspace.add_baseline(BaselineRecord("b", "d.csv", str(tmp_path / "s.json"),
                                          str(tmp_path / "c.json")))
    yield workspace
    workspace.close()


def _create(ws, name, expression, **kw):
    return ws.create_schedule(ScheduleRecord(name, "ep", expression, "", "", baseline="b",
                                             created_at=kw.pop("created_at", T0), **kw))


def _slots(records):
    return [(r.schedule, r.scheduled_time.hour, r.scheduled_time.minute) for r in records]


def test_due_runs_are_queued_once_with_their_windows(ws):
    _create(ws, "hourly", "cron(0 * ? * * *)")
    _create(ws, "every-20", "*/20 * * * *")
    clock = FakeClock(T0 + timedelta(minutes=30))
    scheduler = Scheduler(ws, clock=clock)
    assert sorted(_slots(scheduler.enqueue_due())) == [("every-20", 0, 20)]
    clock.set(T0 + timedelta(hours=1, minutes=1))
    assert sorted(_slots(scheduler.enqueue_due())) == [
        ("every-20", 0, 40), ("every-20", 1, 0), ("hourly", 1, 0)]
    assert scheduler.enqueue_due() == []  # nothing new: slots are never queued twice
    run = ws.list_executions("hourly")[0]
    assert (run.window_start, run.window_end) == (T0, T0 + timedelta(hours=1))
    assert scheduler.next_due_time() == T0 + timedelta(hours=1, minutes=20)


def test_catch_up_is_limited_to_the_latest_missed_runs(ws):
    _create(ws, "hourly", "cron(0 * ? * * *)")
    scheduler = Scheduler(ws, clock=FakeClock(T0 + timedelta(hours=30, minutes=5)),
                          max_catch_up=3)
    assert [r.scheduled_time.hour for r in scheduler.enqueue_due()] == [4, 5, 6]
    assert ws.get_schedule("hourly").last_scheduled_time == T0 + timedelta(hours=30)


def test_stopped_schedules_skip_their_slots_and_now_runs_once(ws):
    _create(ws, "paused", "cron(0 * ? * * *)", status="Stopped")
    _create(ws, "once", "NOW", created_at=T0 + timedelta(minutes=7))
    _create(ws, "once-later", "NOW", status="Stopped")
    clock = FakeClock(T0 + timedelta(hours=3, minutes=5))
    scheduler = Scheduler(ws, clock=clock)
    assert _slots(scheduler.enqueue_due()) == [("once", 0, 7)]
    assert scheduler.enqueue_due() == []
    ws.start_schedule("once-later")
    assert _slots(scheduler.enqueue_due()) == [("once-later", 3, 5)]  # as of its start
    ws.start_schedule("paused")
    clock.set(T0 + timedelta(hours=4, minutes=5))
    assert _slots(scheduler.enqueue_due()) == [("paused", 4, 0)]  # hours 1-3 were skipped
    assert scheduler.enqueue_due() == []


def test_a_schedule_created_after_the_clock_starts_from_the_clock(ws):
    _create(ws, "later", "cron(0 * ? * * *)", created_at=T0 + timedelta(days=400))
    clock = FakeClock(T0 + timedelta(minutes=10))
    scheduler = Scheduler(ws, clock=clock)
    assert scheduler.enqueue_due() == []
    clock.set(T0 + timedelta(hours=2, minutes=1))
    assert [r.scheduled_time.hour for r in scheduler.enqueue_due()] == [1, 2]


def test_second_scheduler_in_another_process_is_refused(ws):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from core.scheduling.lock import SchedulerLock\n"
         "lock = SchedulerLock(sys.argv[1]); lock.acquire(); print('locked', flush=True)\n"
         "sys.stdin.read()", str(ws.root)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert workspace_has_scheduler(ws.root)
        with pytest.raises(SchedulerLockedError, match=f"process {holder.pid}"):
            Scheduler(ws).acquire()
    finally:
        holder.kill()  # the kernel drops the lock with the process: no stale lock file
        holder.wait(timeout=10)
    assert not workspace_has_scheduler(ws.root)
    with Scheduler(ws) as scheduler:
        assert scheduler.is_driving
        with pytest.raises(SchedulerLockedError):
            SchedulerLock(ws.root).acquire()  # a second open file is refused even in-process
