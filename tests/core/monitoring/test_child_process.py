"""A user script never outlives the process that runs it, even when that process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.core.monitoring.helpers import write_capture

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="dying with the parent relies on Linux's PR_SET_PDEATHSIG")

HANGING_SCRIPT = """
import os, time
from pathlib import Path

def preprocess_handler(inference_record):
    Path({pid_file!r}).write_text(str(os.getpid()))
    while True:
        time.sleep(0.1)
"""

RUNNER = """
import sys
from pathlib import Path
from core.monitoring.preprocess import run_preprocessor
run_preprocessor(sys.argv[1], [Path(p) for p in sys.argv[3:]], work_dir=Path(sys.argv[2]),
                 timeout_s=600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child stays a zombie until its (new) parent reaps it; that is not running.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_script_dies_when_its_runner_is_killed(tmp_path):
    files = write_capture(tmp_path / "capture", [("1,2", "0.5")])
    pid_file = tmp_path / "script.pid"
    script = tmp_path / "hang.py"
    script.write_text(HANGING_SCRIPT.format(pid_file=str(pid_file)))
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(script), str(tmp_path / "work"), *map(str, files)],
        cwd=PROJECT_ROOT, start_new_session=True)
    try:
        assert _wait_for(pid_file.exists, 120), "the script never started"
        script_pid = int(pid_file.read_text())
        assert _alive(script_pid)
        runner.send_signal(signal.SIGKILL)
        runner.wait(10)
        assert _wait_for(lambda: not _alive(script_pid), 10), "the script outlived its runner"
    finally:
        if runner.poll() is None:
            runner.kill()
        if pid_file.exists() and _alive(int(pid_file.read_text())):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
