"""Runs the workspace's monitoring scheduler inside the app, as one long job of the runner,
and reports finished executions and alert changes as signals on the GUI thread."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Qt, Signal

from core.errors import AppError
from gui.jobs import Job, JobRunner

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 2.0  # how soon a Run-now request queued in the workspace starts


class SchedulerDriver(QObject):
    """``start(workspace)`` drives it until ``stop()``; another process may drive it instead."""

    execution_finished = Signal(object)
    alert_changed = Signal(object)
    state_changed = Signal(str)

    # Emitted from the scheduler's thread; queued to this object's (the GUI) thread.
    _finished = Signal(object)
    _alerted = Signal(object)

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._job: Job | None = None
        self._stop_event: threading.Event | None = None
        self.state = "Not running"
        self._finished.connect(self.execution_finished, Qt.ConnectionType.QueuedConnection)
        self._alerted.connect(self.alert_changed, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return self._job is not None

    @property
    def job(self) -> Job | None:
        return self._job

    def start(self, workspace) -> None:
        self.stop()
        stop_event = threading.Event()
        self._stop_event = stop_event
        self._job = self._runner.submit(
            _drive, workspace, stop_event, self._finished.emit, self._alerted.emit,
            on_done=lambda _r, e=stop_event: self._on_ended(e, "Scheduler stopped"),
            on_error=lambda error, e=stop_event: self._on_failed(e, error),
            on_cancelled=lambda e=stop_event: self._on_ended(e, "Scheduler stopped"),
            name="Scheduler")
        self._set_state("Scheduler running")

    def stop(self) -> None:
        """Ask the running scheduler to stop; a running execution is stopped within a second."""
        if self._stop_event is not None:
            self._stop_event.set()
        if self._job is not None:
            self._job.cancel()
        self._job = self._stop_event = None

    def _on_ended(self, event: threading.Event, state: str) -> None:
        if event is self._stop_event or self._stop_event is None:
            self._job = self._stop_event = None
            self._set_state(state)

    def _on_failed(self, event: threading.Event, error: BaseException) -> None:
        if isinstance(error, AppError):
            # Typically another process (``main.py scheduler``) drives this workspace.
            self._on_ended(event, f"Executions run elsewhere: {error}")
        else:
            log.error("the scheduler stopped", exc_info=error)
            self._on_ended(event, f"Scheduler failed: {error}")

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)


def _drive(workspace, stop_event: threading.Event, on_execution, on_alert, *, progress=None,
           cancel=None) -> None:
    """The job: the scheduler's own loop until ``stop_event`` (it then stops its execution)."""
    from core.monitoring.scheduler import Scheduler

    scheduler = Scheduler(workspace, on_execution=on_execution, on_alert=on_alert)
    scheduler.run_forever(stop_event, poll_interval_s=POLL_INTERVAL_S)
