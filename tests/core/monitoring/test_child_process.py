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


# -- core.process_tree: the pieces the keeper is built from -------------------------------

TREE = """
import os, subprocess, sys, time
from core import process_tree
print(process_tree.contain_self(), flush=True)
if os.fork() == 0:          # a child that double-forks: the grandchild is orphaned at once
    if os.fork() == 0:
        time.sleep(600)
    os._exit(0)
subprocess.Popen(["sleep", "600"])
time.sleep(1)
print(" ".join(map(str, process_tree.members(os.getpid()))), flush=True)
time.sleep(600)
"""


def test_a_contained_root_keeps_its_orphans_and_kill_tree_takes_them_all():
    from core import process_tree

    root = subprocess.Popen([sys.executable, "-c", TREE], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert root.stdout.readline().strip() == "True"  # the subreaper holds on Linux
        members = [int(pid) for pid in root.stdout.readline().split()]
        # the sleep child, and the orphaned grandchild re-parented to the root (not init);
        # the exited middle child may linger as a zombie the root never reaped
        running = [pid for pid in members if process_tree.alive(pid)]
        assert len(running) == 2, members
        assert all(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
                   == str(root.pid) for pid in running)
        assert process_tree.kill_tree(root.pid) >= 3
        root.wait(10)
        assert _wait_for(lambda: not any(process_tree.alive(pid) for pid in running), 10)
    finally:
        if root.poll() is None:
            root.kill()


def test_kill_tree_of_a_gone_process_is_a_no_op():
    from core import process_tree

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True)
    assert process_tree.kill_tree(int(done.stdout)) == 0
    assert not process_tree.alive(int(done.stdout))


def test_memory_cap_applies_to_the_process_and_its_children():
    code = ("from core.monitoring.child_process import limit_memory\n"
            "import resource, subprocess, sys\n"
            "limit_memory(600 * 1024 * 1024)\n"
            "print(resource.getrlimit(resource.RLIMIT_AS)[0])\n"
            "subprocess.run([sys.executable, '-c', 'bytearray(900 * 1024 * 1024)'],"
            " check=False)\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.stdout.splitlines()[0] == str(600 * 1024 * 1024)
    assert "MemoryError" in run.stderr  # the grandchild inherited the cap
