"""The job runner: results on the GUI thread, throttled progress, silent cancel, lanes, shutdown."""

from __future__ import annotations

import threading
import time

import pytest

from core.errors import AppError
from core.progress import Progress
from gui.jobs import JobRunner


@pytest.fixture
def runner(qtbot):
    r = JobRunner()
    yield r
    r.shutdown()


def _add(a, b, *, progress, cancel):
    return a + b


def test_result_arrives_on_gui_thread(qtbot, runner):
    seen = {}

    def done(value):
        seen["value"] = value
        seen["thread"] = threading.current_thread()

    runner.submit(_add, 2, 3, on_done=done)
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 5
    assert seen["thread"] is threading.main_thread()


def test_progress_is_throttled_but_last_update_arrives(qtbot, runner):
    updates: list[Progress] = []
    finished = []

    def chatty(*, progress, cancel):
        for i in range(1, 5001):
            progress(Progress(i, 5000))
        return "ok"

    runner.submit(chatty, on_progress=updates.append, on_done=finished.append)
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    qtbot.wait(50)
    assert 1 <= len(updates) < 100
    assert updates[-1].done == 5000


def test_cancelled_job_is_silent(qtbot, runner):
    errors, cancelled, started = [], [], threading.Event()

    def slow(*, progress, cancel):
        started.set()
        while True:
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    job = runner.submit(slow, on_error=errors.append, on_cancelled=lambda: cancelled.append(1))
    assert started.wait(5)
    job.cancel()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=5000)
    assert errors == []


def test_cancelled_job_never_reaches_default_error_handler(qtbot):
    handled = []
    r = JobRunner(error_handler=handled.append)
    started = threading.Event()

    def slow(*, progress, cancel):
        started.set()
        while True:
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    job = r.submit(slow)
    started.wait(5)
    job.cancel()
    qtbot.waitUntil(lambda: r.active_count == 0, timeout=5000)
    r.shutdown()
    assert handled == []


def test_errors_go_to_on_error_or_default_handler(qtbot):
    handled = []
    r = JobRunner(error_handler=handled.append)

    def fails(*, progress, cancel):
        raise AppError("the dataset is empty")

    got = []
    r.submit(fails, on_error=got.append)
    r.submit(fails)
    qtbot.waitUntil(lambda: bool(got and handled), timeout=5000)
    r.shutdown()
    assert str(got[0]) == "the dataset is empty"
    assert isinstance(handled[0], AppError)


def test_exclusive_jobs_never_overlap(qtbot, runner):
    lock = threading.Lock()
    state = {"running": 0, "max": 0, "done": 0}

    def work(*, progress, cancel):
        with lock:
            state["running"] += 1
            state["max"] = max(state["max"], state["running"])
        time.sleep(0.02)
        with lock:
            state["running"] -= 1
        return 1

    def done(_):
        state["done"] += 1

    for _ in range(6):
        runner.submit(work, exclusive=True, on_done=done)
    qtbot.waitUntil(lambda: state["done"] == 6, timeout=5000)
    assert state["max"] == 1


def test_busy_signal_and_shutdown_leave_nothing_pending(qtbot):
    r = JobRunner()
    with qtbot.waitSignal(r.busy_changed, timeout=5000) as blocker:
        r.submit(_add, 1, 1)
    assert blocker.args == [True]
    release = threading.Event()

    def blocked(*, progress, cancel):
        while not release.is_set():
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    r.submit(blocked)
    r.shutdown()
    assert r.active_count == 0
    with pytest.raises(RuntimeError):
        r.submit(_add, 1, 2)
