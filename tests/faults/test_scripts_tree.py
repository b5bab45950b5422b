"""A user script and every process it starts end with the script: when it returns, times out,
exits abruptly, reaches the execution's total limit, or its runner is killed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from core.monitoring.preprocess import (
    ScriptError,
    ScriptLimits,
    run_postprocessor,
    run_preprocessor,
)
from tests.conftest import PROJECT_ROOT
from tests.core.monitoring.helpers import write_capture
from tests.faults.scripts_helpers import (
    KINDS,
    THEN_EXIT,
    THEN_HANG,
    THEN_RETURN,
    THEN_RETURN_ROW,
    escaping_script,
    kill_leftovers,
    started_pids,
    survivors,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the subreaper that keeps setsid grandchildren is Linux's")


@pytest.fixture
def pids(tmp_path):
    folder = tmp_path / "pids"
    yield folder
    kill_leftovers(folder)


@pytest.fixture
def capture(tmp_path):
    return write_capture(tmp_path / "capture", [("1,2", "0.5"), ("3,4", "0.7")])


def _assert_all_started_and_gone(pids):
    assert set(started_pids(pids)) == set(KINDS) - {"hopper"}, "not every process started"
    assert (pids / "hopper").exists()
    assert survivors(pids) == {}


def test_preprocessor_children_end_when_it_returns(tmp_path, pids, capture):
    script = escaping_script(tmp_path, pids, then=THEN_RETURN_ROW)
    result = run_preprocessor(script, capture, work_dir=tmp_path / "work")
    assert result.rows == 2
    _assert_all_started_and_gone(pids)


def test_postprocessor_children_end_when_it_returns(tmp_path, pids):
    run_postprocessor(escaping_script(tmp_path, pids, post=True), work_dir=tmp_path / "work")
    _assert_all_started_and_gone(pids)


def test_children_end_when_the_script_times_out(tmp_path, pids, capture):
    script = escaping_script(tmp_path, pids, then=THEN_HANG)
    # Long enough for every child to start on a loaded machine before the limit strikes.
    with pytest.raises(ScriptError, match="more than 8 s on record 1 and was stopped"):
        run_preprocessor(script, capture, work_dir=tmp_path / "work", timeout_s=8)
    _assert_all_started_and_gone(pids)


def test_children_end_when_the_script_exits_abruptly(tmp_path, pids):
    script = escaping_script(tmp_path, pids, post=True, then=THEN_EXIT)
    with pytest.raises(ScriptError, match=r"ended unexpectedly \(exit code 3\)"):
        run_postprocessor(script, work_dir=tmp_path / "work")
    _assert_all_started_and_gone(pids)


def test_children_end_at_the_total_time_limit(tmp_path, pids, capture):
    script = escaping_script(tmp_path, pids, then=THEN_HANG)
    limits = ScriptLimits.starting_now(total_s=10, memory_limit_mb=2048,
                                       log_dir=tmp_path / "logs")
    started = time.monotonic()
    with pytest.raises(ScriptError, match="total time limit of 10 s while the preprocess"):
        run_preprocessor(script, capture, work_dir=tmp_path / "work", timeout_s=600,
                         limits=limits)
    assert time.monotonic() - started < 30
    _assert_all_started_and_gone(pids)


RUNNER = """
import sys
from pathlib import Path
from core.monitoring.preprocess import run_preprocessor
if __name__ == "__main__":
    run_preprocessor(sys.argv[1], [Path(p) for p in sys.argv[3:]], work_dir=Path(sys.argv[2]),
                     timeout_s=600)
"""


def test_children_end_when_the_runner_is_killed(tmp_path, pids, capture):
    script = escaping_script(tmp_path, pids, then=THEN_HANG)
    runner_file = tmp_path / "runner.py"
    runner_file.write_text(RUNNER)
    runner = subprocess.Popen([sys.executable, str(runner_file), str(script),
                               str(tmp_path / "work"), *map(str, capture)],
                              cwd=PROJECT_ROOT, start_new_session=True,
                              env={"PYTHONPATH": str(PROJECT_ROOT)})
    try:
        deadline = time.monotonic() + 120
        while len(started_pids(pids)) < 3 or not (pids / "hopper").exists():
            assert time.monotonic() < deadline, "the script never started its processes"
            assert runner.poll() is None, "the runner ended early"
            time.sleep(0.1)
        runner.send_signal(signal.SIGKILL)
        runner.wait(10)
        _assert_all_started_and_gone(pids)
    finally:
        if runner.poll() is None:
            runner.kill()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from tests.core.scheduling.helpers import build_traffic_workspace

    return build_traffic_workspace(tmp_path_factory.mktemp("traffic"))


def test_scheduled_execution_at_its_max_runtime_takes_the_whole_tree(template, tmp_path, pids):
    """The worker's limit (the schedule's max runtime) kills the execution process, the
    script's keeper, the script and every process the script started."""
    from datetime import timedelta

    from core.scheduling.scheduler import Scheduler
    from core.workspace.store import Workspace
    from tests.core.scheduling.helpers import T0, FakeClock, copy_workspace, hourly_schedule

    script = escaping_script(tmp_path, pids, post=True, then=THEN_HANG)
    with Workspace.open(copy_workspace(template, tmp_path / "ws")) as ws:
        hourly_schedule(ws, postprocessor_path=str(script), max_runtime_s=15)
        with Scheduler(ws, clock=FakeClock(T0 + timedelta(hours=1, seconds=1))) as scheduler:
            [overran] = scheduler.tick()
        assert overran.status == "Stopped", overran.failure_reason
        assert overran.failure_reason.startswith("The execution exceeded its maximum runtime "
                                                 "of 15 s. The scripts' logs: ")
        assert (ws.root / "logs" / "executions" / str(overran.id)).is_dir()
    _assert_all_started_and_gone(pids)
