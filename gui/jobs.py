"""The one way the GUI runs work off its thread: core functions on two executor lanes.

Workers only emit this runner's private signals; the runner lives on the GUI thread, so those
signals arrive queued there and user callbacks always run on the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from core.errors import Cancelled
from core.progress import CancelToken, Progress

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1  # at most ~10 progress updates per second reach the GUI per job
SHARED_WORKERS = 3


@dataclass
class Job:
    """Handle of one submitted job: cancel it, or wait on its future in tests."""

    id: int
    name: str
    token: CancelToken
    future: Future | None = None
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    on_progress: Callable[[Progress], None] | None = None
    on_cancelled: Callable[[], None] | None = None
    exclusive: bool = False
    _last_progress: float = field(default=0.0, repr=False)

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled


class JobRunner(QObject):
    """Runs ``fn(*args, progress=..., cancel=...)`` on a worker and reports on the GUI thread.

    Two lanes: ``exclusive=True`` jobs (deploy, executions: they change state) run one at a
    time; the others share a small pool.
    """

    busy_changed = Signal(bool)
    jobs_changed = Signal()

    _progressed = Signal(int, object)
    _finished = Signal(int)

    def __init__(self, parent: QObject | None = None,
                 error_handler: Callable[[BaseException], None] | None = None) -> None:
        super().__init__(parent)
        self._exclusive = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job-exclusive")
        self._shared = ThreadPoolExecutor(max_workers=SHARED_WORKERS, thread_name_prefix="job")
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._error_handler = error_handler
        self._closed = False
        # Always queued, also when a job finishes before submit() returns: callbacks then run
        # after submit() and in the order the worker reported (progress before completion).
        self._progressed.connect(self._on_progressed, Qt.ConnectionType.QueuedConnection)
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @property
    def active_count(self) -> int:
        return len(self._jobs)

    def active_jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None,
               on_progress: Callable[[Progress], None] | None = None,
               on_cancelled: Callable[[], None] | None = None, exclusive: bool = False,
               name: str = "", **kwargs: Any) -> Job:
        """Run ``fn`` off the GUI thread; callbacks run on the GUI thread afterwards."""
        if self._closed:
            raise RuntimeError("the job runner has been shut down")
        job = Job(next(self._ids), name or getattr(fn, "__name__", "job"), CancelToken(),
                  on_done=on_done, on_error=on_error, on_progress=on_progress,
                  on_cancelled=on_cancelled, exclusive=exclusive)
        was_idle = not self._jobs
        self._jobs[job.id] = job
        lane = self._exclusive if exclusive else self._shared
        job.future = lane.submit(self._run, job, fn, args, kwargs)
        # Captures only bound signals of the runner: no per-job QObject lives on a pool thread.
        job.future.add_done_callback(lambda _f, job_id=job.id, emit=self._finished.emit: emit(job_id))
        if was_idle:
            self.busy_changed.emit(True)
        self.jobs_changed.emit()
        return job

    def _run(self, job: Job, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        job.token.raise_if_cancelled()
        return fn(*args, progress=self._progress_reporter(job), cancel=job.token, **kwargs)

    def _progress_reporter(self, job: Job) -> Callable[[Progress], None]:
        emit = self._progressed.emit

        def report(p: Progress) -> None:
            now = time.monotonic()
            final = p.total is not None and p.done >= p.total
            if final or now - job._last_progress >= PROGRESS_INTERVAL_S:
                job._last_progress = now
                emit(job.id, p)

        return report

    @Slot(int, object)
    def _on_progressed(self, job_id: int, progress: Progress) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job.on_progress is not None and not job.cancelled:
            job.on_progress(progress)

    @Slot(int)
    def _on_finished(self, job_id: int) -> None:
        job = self._jobs.pop(job_id, None)
        if job is None:
            return
        try:
            self._deliver(job)
        finally:
            self.jobs_changed.emit()
            if not self._jobs:
                self.busy_changed.emit(False)

    def _deliver(self, job: Job) -> None:
        future = job.future
        if future.cancelled():
            error: BaseException | None = Cancelled("Cancelled")
        else:
            error = future.exception()
        if error is None:
            if job.on_done is not None:
                job.on_done(future.result())
        elif isinstance(error, Cancelled):
            if job.on_cancelled is not None:
                job.on_cancelled()
        elif job.on_error is not None:
            job.on_error(error)
        elif self._error_handler is not None:
            self._error_handler(error)
        else:
            log.error("job %s failed", job.name, exc_info=error)

    def shutdown(self) -> None:
        """Cancel everything and wait for the workers; call before any widget is destroyed."""
        self._closed = True
        for job in list(self._jobs.values()):
            job.cancel()
        self._exclusive.shutdown(wait=True, cancel_futures=True)
        self._shared.shutdown(wait=True, cancel_futures=True)
        self._jobs.clear()
