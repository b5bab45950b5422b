"""Runs the workspace's monitoring scheduler inside the app, as one long job of the runner,
and reports finished executions and alert changes as signals on the GUI thread."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot

from core.errors import AppError
from gui.jobs import Job, JobRunner

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 2.0  # how soon a Run-now request queued in the workspace starts


class SchedulerDriver(QObject):
    """``start(workspace)`` drives it until ``stop()``; another process may drive it instead."""

    execution_finished = Signal(object)
    alert_changed = Signal(object)
    state_changed = Signal(str)

    # Emitted from the scheduler's thread with the stop event of the run that reported, and
    # queued to this object's (the GUI) thread: a report still queued when that run was
    # stopped (the window closing) is dropped instead of reaching torn-down tabs.
    _finished = Signal(object, object)
    _alerted = Signal(object, object)

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._job: Job | None = None
        self._stop_event: threading.Event | None = None
        self.state = "Not running"
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._alerted.connect(self._on_alerted, Qt.ConnectionType.QueuedConnection)

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
        finished, alerted = self._finished.emit, self._alerted.emit
        self._job = self._runner.submit(
            _drive, workspace, stop_event,
            lambda execution, e=stop_event: finished(e, execution),
            lambda event, e=stop_event: alerted(e, event),
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

    @Slot(object, object)
    def _on_finished(self, run: threading.Event, execution) -> None:
        if run is self._stop_event:
            self.execution_finished.emit(execution)

    @Slot(object, object)
    def _on_alerted(self, run: threading.Event, event) -> None:
        if run is self._stop_event:
            self.alert_changed.emit(event)

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
    from core.scheduling.scheduler import Scheduler

    scheduler = Scheduler(workspace, on_execution=on_execution, on_alert=on_alert)
    scheduler.run_forever(stop_event, poll_interval_s=POLL_INTERVAL_S)
