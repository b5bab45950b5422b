"""The scheduler lock holds against file tampering: deleting or rewriting the files beside it
never lets a second scheduler in (real second processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.scheduling.lock import SchedulerLock, SchedulerLockedError
from core.scheduling.scheduler import Scheduler, workspace_has_scheduler
from core.workspace.lock import PID_NAME
from core.workspace.store import Workspace
from tests.conftest import PROJECT_ROOT

HOLDER = ("import sys\n"
          "from core.scheduling.lock import SchedulerLock\n"
          "SchedulerLock(sys.argv[1]).acquire(); print('locked', flush=True)\n"
          "sys.stdin.read()\n")


@pytest.fixture
def holder(tmp_path):
    Workspace.open(tmp_path / "ws").close()
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "ws")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=PROJECT_ROOT)
    assert proc.stdout.readline().strip() == "locked"
    yield proc, tmp_path / "ws"
    proc.kill()
    proc.wait(timeout=10)


def _second_scheduler(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", "scheduler", "--once", "--workspace",
                           str(folder)], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("tamper", ["delete", "replace", "delete-folder-files", "legacy"])
def test_tampering_with_files_never_lets_a_second_scheduler_in(holder, tamper):
    proc, folder = holder
    pid_file = folder / PID_NAME
    assert pid_file.read_text() == str(proc.pid)
    if tamper == "delete":
        pid_file.unlink()
    elif tamper == "replace":
        pid_file.unlink()
        pid_file.write_text("1")
    elif tamper == "delete-folder-files":  # every file the lock could have lived in
        for entry in folder.iterdir():
            if entry.is_file() and not entry.name.startswith("workspace.db"):
                entry.unlink()
    else:  # the old lock file of earlier versions means nothing now
        (folder / "scheduler.lock").unlink(missing_ok=True)
    assert workspace_has_scheduler(folder)
    second = _second_scheduler(folder)
    assert second.returncode == 2, second.stdout + second.stderr
    assert "Another scheduler" in second.stderr and "Traceback" not in second.stderr
    with Workspace.open(folder) as ws, pytest.raises(SchedulerLockedError):
        Scheduler(ws).acquire()


def test_the_lock_dies_with_its_process(holder):
    proc, folder = holder
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert not workspace_has_scheduler(folder)
    second = _second_scheduler(folder)
    assert second.returncode == 0, second.stderr
    assert "0 executions ran." in second.stdout


def test_in_process_second_lock_is_refused_after_the_pid_file_goes(tmp_path):
    first = SchedulerLock(tmp_path)
    first.acquire()
    try:
        (tmp_path / PID_NAME).unlink()
        with pytest.raises(SchedulerLockedError):
            SchedulerLock(tmp_path).acquire()
    finally:
        first.release()
    again = SchedulerLock(tmp_path)
    again.acquire()
    again.release()
