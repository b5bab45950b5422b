"""The scheduler end to end on captured demo traffic: real executions, a controllable clock,
real processes for the killed scheduler and the stuck execution."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from core.scheduling.scheduler import INTERRUPTED, Scheduler
from core.workspace.store import Workspace
from core.workspace.alerts import ALARM, AlertRule
from tests.core.scheduling.helpers import (
    ENDPOINT,
    HOURS,
    PER_HOUR,
    T0,
    FakeClock,
    build_traffic_workspace,
    copy_workspace,
    hourly_schedule,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]
OK_STATUSES = {"Completed", "CompletedWithViolations"}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_traffic_workspace(tmp_path_factory.mktemp("traffic"))


@pytest.fixture
def ws(template, tmp_path):
    workspace = Workspace.open(copy_workspace(template, tmp_path / "ws"))
    yield workspace
    workspace.close()


def _sleeper(folder: Path, seconds: float) -> str:
    """A post-analytics script that takes ``seconds``: a stand-in for a stuck user script."""
    path = folder / "slow_postprocessor.py"
    pids = folder / "sleeper.pids"
    path.write_text(f"import os, time\n\ndef postprocess_handler():\n"
                    f"    with open({str(pids)!r}, 'a') as f:\n"
                    f"        f.write(f'{{os.getpid()}}\\n')\n"
                    f"    time.sleep({seconds})\n")
    return str(path)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_hourly_schedule_over_six_hours_then_an_empty_window(ws):
    hourly_schedule(ws)
    clock = FakeClock(T0 + timedelta(hours=HOURS, seconds=30))
    with Scheduler(ws, clock=clock) as scheduler:
        done = scheduler.tick()
        assert len(done) == HOURS
        for hour, execution in enumerate(done, start=1):
            scheduled = T0 + timedelta(hours=hour)
            assert execution.scheduled_time == scheduled
            assert (execution.window_start, execution.window_end) == (
                scheduled - timedelta(hours=1), scheduled)
            assert execution.status in OK_STATUSES and execution.item_count == PER_HOUR
            expected = ws.reports_dir / ENDPOINT / "hourly" / f"{scheduled:%Y/%m/%d/%H}"
            assert Path(execution.report_dir) == expected
            assert (expected / "constraint_violations.json").is_file()
            assert execution.violation_count == sum(execution.violation_counts.values())
        drift = ws.metric_series("feature_baseline_drift_Day Mins", schedule="hourly")
        assert [t for t, _ in drift] == [T0 + timedelta(hours=h) for h in range(HOURS)]
        clock.set(T0 + timedelta(hours=HOURS + 1, seconds=5))
        [empty] = scheduler.tick()
    assert (empty.status, empty.failure_reason) == ("Failed", "Job inputs had no data")
    assert len(ws.list_executions("hourly")) == HOURS + 1


_KILLABLE_SCHEDULER = textwrap.dedent("""
    import sys
    from datetime import datetime
    from core.scheduling.scheduler import Scheduler
    from core.workspace.store import Workspace

    if __name__ == "__main__":
        now = datetime.fromisoformat(sys.argv[2])
        with Workspace.open(sys.argv[1]) as ws:
            Scheduler(ws, clock=lambda: now).tick()
""")


def test_killed_scheduler_restarted_fails_the_orphan_and_catches_up(ws, tmp_path):
    hourly_schedule(ws, postprocessor_path=_sleeper(tmp_path, 10))
    script = tmp_path / "run_scheduler.py"
    script.write_text(_KILLABLE_SCHEDULER)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    at = T0 + timedelta(hours=2, seconds=30)
    proc = subprocess.Popen([sys.executable, str(script), str(ws.root), at.isoformat()],
                            env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not ws.list_executions("hourly", status="InProgress"):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the scheduler dies mid-execution
        proc.wait(timeout=10)
    [orphan] = ws.list_executions("hourly", status="InProgress")
    assert orphan.scheduled_time == T0 + timedelta(hours=1)

    ws.update_schedule("hourly", postprocessor_path="")
    clock = FakeClock(T0 + timedelta(hours=HOURS, minutes=1))
    with Scheduler(ws, clock=clock, max_catch_up=3) as scheduler:
        assert ws.get_execution(orphan.id).status == "Failed"  # marked when it took over
        done = scheduler.tick()
    assert ws.get_execution(orphan.id).failure_reason == INTERRUPTED
    # hour 2 was queued before the kill; hours 4-6 are the capped catch-up (3 was skipped)
    assert [e.scheduled_time.hour for e in done] == [2, 4, 5, 6]
    assert {e.status for e in done} <= OK_STATUSES


def test_max_runtime_and_a_user_stop_give_stopped(ws, tmp_path):
    """Both kill the execution and the user script it started (which would sleep 40 s)."""
    hourly_schedule(ws, postprocessor_path=_sleeper(tmp_path, 40), max_runtime_s=8)
    pid_file = tmp_path / "sleeper.pids"
    clock = FakeClock(T0 + timedelta(hours=1, seconds=1))
    with Scheduler(ws, clock=clock) as scheduler:
        started = time.monotonic()
        [overran] = scheduler.tick()
        assert time.monotonic() - started < 30
        assert overran.status == "Stopped", overran.failure_reason
        assert "maximum runtime of 8 s" in overran.failure_reason
        ws.update_schedule("hourly", max_runtime_s=600)

        def stop_once_the_script_runs():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if pid_file.exists() and len(pid_file.read_text().split()) == 2:
                    ws.stop_execution(ws.list_executions("hourly", status="InProgress")[0].id)
                    return
                time.sleep(0.05)

        stopper = threading.Thread(target=stop_once_the_script_runs)
        stopper.start()
        clock.set(T0 + timedelta(hours=2, seconds=1))
        started = time.monotonic()
        [stopped] = scheduler.tick()
        stopper.join()
    assert time.monotonic() - started < 30  # not the 40 s the script would take
    assert (stopped.status, stopped.failure_reason) == ("Stopped", "Stopped by the user.")
    pids = [int(p) for p in pid_file.read_text().split()]
    assert len(pids) == 2
    if sys.platform.startswith("linux"):  # the user scripts were killed with their runs
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(p) for p in pids)


def test_run_now_evaluates_alerts_and_reports_state_changes(ws):
    hourly_schedule(ws, status="Stopped")  # Run now works on a stopped schedule too
    ws.create_alert_rule(AlertRule("churn-type", "feature_baseline_drift_{f}", ">=", 0.0,
                                   datapoints_to_alarm=1, evaluation_periods=1,
                                   schedule="hourly"))
    events, finished = [], []
    with Scheduler(ws, on_execution=finished.append, on_alert=events.append) as scheduler:
        execution = scheduler.run_now("hourly")
    # the clock is now: no capture there, so the run fails and no datapoints exist
    assert execution.status == "Failed" and finished == [execution]
    assert events == [] and ws.get_alert_rule("churn-type").state == "INSUFFICIENT_DATA"
    ws.start_schedule("hourly")
    with Scheduler(ws, clock=FakeClock(T0 + timedelta(hours=1, seconds=1)),
                   on_alert=events.append) as scheduler:
        scheduler.tick()
    assert [e.new_state for e in events] == [ALARM]
    assert ws.alert_history("churn-type")[0].execution_id is not None


def test_run_forever_on_a_thread_stops_cleanly_mid_execution(ws, tmp_path):
    """How the app drives it: a background thread, a stop event when the app closes."""
    from core.scheduling.scheduler import workspace_has_scheduler

    hourly_schedule(ws, postprocessor_path=_sleeper(tmp_path, 40))
    pid_file, stop, finished = tmp_path / "sleeper.pids", threading.Event(), []
    scheduler = Scheduler(ws, clock=FakeClock(T0 + timedelta(hours=1, seconds=1)),
                          on_execution=finished.append)
    thread = threading.Thread(target=scheduler.run_forever, args=(stop,),
                              kwargs={"poll_interval_s": 0.2})
    thread.start()
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pid_file.exists(), "the execution never reached its script"
    stop.set()
    thread.join(timeout=20)
    assert not thread.is_alive()
    [execution] = finished
    assert execution.status == "Stopped"
    assert execution.failure_reason == "Stopped because the scheduler was shut down."
    assert not workspace_has_scheduler(ws.root)
