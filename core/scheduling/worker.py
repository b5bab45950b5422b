"""Runs monitoring executions in a child process, so one that overruns or is stopped can be killed.

The child is spawned once and reused (imports are paid once); after a kill a fresh one is
spawned for the next execution.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import process_tree
from core.monitoring.child_process import follow_parent

log = logging.getLogger(__name__)

RESULT, ERROR, TIMEOUT, STOPPED, CRASHED = "result", "error", "timeout", "stopped", "crashed"
READY = "ready"
STARTUP_TIMEOUT_S = 120.0  # spawning and importing the engine, not counted as runtime


@dataclass(frozen=True)
class WorkerOutcome:
    """How one execution ended: ``kind`` is result, error, timeout, stopped or crashed."""

    kind: str
    result: Any = None
    message: str = ""


def _serve(conn) -> None:
    """The child's loop: receive a MonitoringRequest, send back the ExecutionResult."""
    _detach_from_terminal_and_follow_parent()
    from core.errors import AppError
    from core.monitoring.execution import run_monitoring

    conn.send((READY, None))  # imports done: the runtime clock starts after this
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            conn.send((RESULT, run_monitoring(request)))
        except AppError as error:
            conn.send((ERROR, str(error)))
        except Exception as error:  # a bug in an execution must not kill the scheduler
            conn.send((ERROR, f"The execution failed unexpectedly: {type(error).__name__}: "
                              f"{error}\n{traceback.format_exc(limit=5)}"))


def _detach_from_terminal_and_follow_parent() -> None:
    """Own process group (so a kill also reaches the scripts an execution starts, and Ctrl+C
    goes to the scheduler alone), and die with the scheduler if it is killed."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    follow_parent()


class ExecutionWorker:
    """A reusable child process for ``run_monitoring``."""

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")  # fork is unsafe beside Qt threads
        self._proc = None
        self._conn = None

    def run(self, request, *, timeout_s: float, should_stop: Callable[[], bool],
            poll_s: float = 0.25) -> WorkerOutcome:
        """Run one request; kill the child after ``timeout_s`` or when ``should_stop()``."""
        if not self._ensure_started():
            return self._crashed()
        self._conn.send(request)
        deadline = time.monotonic() + timeout_s
        while True:
            if self._conn.poll(poll_s):
                try:
                    kind, payload = self._conn.recv()
                except (EOFError, OSError):
                    return self._crashed()
                return WorkerOutcome(kind, payload if kind == RESULT else None,
                                     payload if kind == ERROR else "")
            if not self._proc.is_alive():
                return self._crashed()
            if time.monotonic() >= deadline:
                self._kill()
                return WorkerOutcome(TIMEOUT, message=_timeout_message(request, timeout_s))
            if should_stop():
                self._kill()
                return WorkerOutcome(STOPPED, message="Stopped by the user.")

    def close(self) -> None:
        """Ask the child to exit; kill it if it does not."""
        atexit.unregister(self.close)
        if self._proc is None:
            return
        try:
            self._conn.send(None)
        except OSError:
            pass
        self._proc.join(timeout=5)
        self._kill()

    def _ensure_started(self) -> bool:
        """A live child that has finished its imports (False if it never got ready)."""
        if self._proc is not None and self._proc.is_alive():
            return True
        parent, child = self._ctx.Pipe()
        # Not a daemon: an execution starts its own processes for user scripts. So that
        # interpreter exit never waits on an idle child, close() runs at exit.
        self._proc = self._ctx.Process(target=_serve, args=(child,), name="monitoring-execution")
        self._proc.start()
        atexit.register(self.close)
        child.close()
        self._conn = parent
        try:
            if parent.poll(STARTUP_TIMEOUT_S) and parent.recv()[0] == READY:
                return True
        except (EOFError, OSError):
            pass
        return False

    def _crashed(self) -> WorkerOutcome:
        code = self._proc.exitcode if self._proc is not None else None
        self._kill()
        return WorkerOutcome(CRASHED, message=f"The execution process ended unexpectedly "
                                              f"(exit code {code}).")

    def _kill(self) -> None:
        proc, conn, self._proc, self._conn = self._proc, self._conn, None, None
        if proc is not None and proc.is_alive():
            _kill_group(proc)
            proc.join(timeout=5)
        if conn is not None:
            conn.close()


def _kill_group(proc) -> None:
    """Kill the worker and every process it started, the user scripts' whole trees included
    (their keepers adopt what the scripts fork or ``setsid`` away; see core.process_tree)."""
    process_tree.kill_tree(proc.pid)
    if proc.is_alive():  # the tree could not be frozen (a platform gap): the worker at least
        proc.kill()


def _timeout_message(request, timeout_s: float) -> str:
    message = f"The execution exceeded its maximum runtime of {timeout_s:g} s."
    logs = getattr(request, "script_log_dir", None)
    if logs and Path(logs).is_dir():
        message += f" The scripts' logs: {logs}"
    return message
