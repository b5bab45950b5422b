"""The scheduler: queues due executions, runs them one at a time in a child process, keeps history.

Usable in the app (``run_forever(stop_event)`` on a background thread, ``run_now(name)``) and
headless (``main.py scheduler``). A file lock makes sure one scheduler drives a workspace.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from core.errors import AppError
from core.scheduling import worker as execution_worker
from core.notifications.outbox import Deliverer
from core.scheduling.alerts import evaluate_alerts
from core.formats.cron import next_runs, parse_expression, runs_between
from core.scheduling.lock import SchedulerLock, SchedulerLockedError
from core.workspace.db import utc_now
from core.workspace.executions import FAILED, STOPPED, STOPPING, ExecutionRecord
from core.workspace.schedules import SCHEDULED

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted: the scheduler running this execution stopped before it finished"
DEFAULT_MAX_CATCH_UP = 24
DEFAULT_POLL_S = 5.0

__all__ = ["Scheduler", "SchedulerLockedError", "INTERRUPTED"]


class Scheduler:
    """Drives one workspace's schedules.

    Args:
        workspace: an open ``core.workspace.store.Workspace``.
        clock: returns the current UTC time; tests pass a controllable one.
        max_catch_up: after downtime, at most this many missed runs per schedule are queued
            (the latest ones); older missed windows are skipped and logged.
        on_execution: called with each finished ``ExecutionRecord`` (from the scheduler thread).
        on_alert: called with each ``AlertEvent`` (an alert rule changing state).
    """

    def __init__(self, workspace, *, clock: Callable[[], datetime] = utc_now,
                 max_catch_up: int = DEFAULT_MAX_CATCH_UP,
                 on_execution: Callable[[ExecutionRecord], None] | None = None,
                 on_alert: Callable | None = None) -> None:
        self.workspace = workspace
        self._clock = clock
        self.max_catch_up = max(1, int(max_catch_up))
        self._on_execution = on_execution
        self._on_alert = on_alert
        self._lock = SchedulerLock(workspace.root)
        self._worker = execution_worker.ExecutionWorker()
        self._run_lock = threading.Lock()  # tick() and run_now() may come from two threads
        self._stop = threading.Event()
        # Alert notifications go out from their own thread: a dead receiver never delays a run.
        self._deliverer = Deliverer(workspace)

    # -- ownership -------------------------------------------------------------------------

    def acquire(self) -> list[int]:
        """Become the workspace's scheduler and fail executions a dead one left running.

        Returns:
            The ids of executions marked Failed as interrupted.

        Raises:
            SchedulerLockedError: another scheduler (another process) drives this workspace.
        """
        if self._lock.held:
            return []
        self._lock.acquire()
        self._deliverer.start()
        orphans = self.workspace.fail_interrupted_executions(INTERRUPTED)
        if orphans:
            log.warning("marked %d interrupted executions Failed: %s", len(orphans), orphans)
        return orphans

    @property
    def is_driving(self) -> bool:
        return self._lock.held

    def close(self) -> None:
        """Stop the execution process and give up the workspace."""
        self._worker.close()
        self._deliverer.stop()
        self._lock.release()

    def __enter__(self) -> Scheduler:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- running ---------------------------------------------------------------------------

    def tick(self) -> list[ExecutionRecord]:
        """Queue what is due now (catching up missed runs) and run every pending execution.

        Returns:
            The executions that finished during this call, in the order they ran.
        """
        self.acquire()
        with self._run_lock:
            self.enqueue_due()
            finished = []
            for execution in self._pending_in_order():
                if self._stop.is_set():
                    break
                done = self._execute(execution)
                if done is not None:
                    finished.append(done)
            return finished

    def run_now(self, schedule_name: str) -> ExecutionRecord:
        """Queue a manual execution of ``schedule_name`` and run it; returns its final record."""
        self.acquire()
        queued = self.workspace.run_now(schedule_name)
        with self._run_lock:
            return self._execute(queued) or self.workspace.get_execution(queued.id)

    def run_forever(self, stop_event: threading.Event, *,
                    poll_interval_s: float = DEFAULT_POLL_S) -> None:
        """Tick until ``stop_event`` is set, waking at the next fire time or every poll interval
        (to pick up Run-now requests and stops made by other processes)."""
        self.acquire()
        self._stop.clear()
        watcher = threading.Thread(target=self._relay_stop, args=(stop_event,), daemon=True)
        watcher.start()
        try:
            while not stop_event.is_set():
                try:
                    self.workspace.backup_if_due()  # a long-running app still gets daily backups
                    self.tick()
                except AppError as error:  # a bad schedule must not end scheduling
                    log.error("scheduler tick failed: %s", error)
                stop_event.wait(self._seconds_to_wait(poll_interval_s))
        finally:
            self._stop.set()
            self.close()

    def enqueue_due(self) -> list[ExecutionRecord]:
        """Queue Pending executions for every fire time passed since a schedule was last seen."""
        now = self._clock()
        queued = []
        for schedule in self.workspace.list_schedules():
            try:
                expression = parse_expression(schedule.expression)
            except AppError as error:
                log.error("schedule %s has a bad expression: %s", schedule.name, error)
                continue
            since = schedule.last_scheduled_time
            first_sight = min(schedule.created_at or now, now)  # runs start at its creation
            if expression.is_now:  # once, as of when it was created or last started
                if since is None and schedule.status == SCHEDULED:
                    at = min(schedule.updated_at or schedule.created_at or now, now)
                    record = self.workspace.add_execution(schedule, at)
                    queued += [record] if record else []
                continue
            if since is None:
                since = first_sight
                self.workspace.advance_schedule(schedule.name, since)
            due = due_runs(expression, since, now, self.max_catch_up)
            if schedule.status != SCHEDULED:  # a stopped schedule skips its slots
                if due:
                    self.workspace.advance_schedule(schedule.name, due[-1])
                continue
            self._log_skipped(schedule.name, expression, since, due)
            for slot in due:
                record = self.workspace.add_execution(schedule, slot)
                queued += [record] if record else []
        return queued

    def next_due_time(self) -> datetime | None:
        """The earliest upcoming fire time over all running schedules."""
        now, times = self._clock(), []
        for schedule in self.workspace.list_schedules():
            if schedule.status == SCHEDULED:
                try:
                    times += next_runs(schedule.expression, now, 1)
                except AppError:
                    continue
        return min(times, default=None)

    # -- one execution ---------------------------------------------------------------------

    def _execute(self, execution: ExecutionRecord) -> ExecutionRecord | None:
        ws = self.workspace
        schedule = ws.get_schedule(execution.schedule)
        if schedule is None:
            return ws.finish_execution(execution.id, status=STOPPED,
                                       failure_reason="The schedule was deleted.")
        if execution.trigger == "schedule" and schedule.status != SCHEDULED:
            return ws.finish_execution(execution.id, status=STOPPED,
                                       failure_reason="The schedule was stopped.")
        claimed = ws.claim_execution(execution.id, os.getpid())
        if claimed is None:
            return None
        log.info("execution %d of %s (window %s to %s) started", claimed.id, schedule.name,
                 claimed.window_start, claimed.window_end)
        try:
            request = self._request(schedule, claimed)
            outcome = self._worker.run(request, timeout_s=schedule.max_runtime_s,
                                       should_stop=lambda: self._should_stop(claimed.id))
            done = self._record_outcome(claimed, outcome)
        except AppError as error:
            done = ws.finish_execution(claimed.id, status=FAILED, failure_reason=str(error))
        except Exception as error:  # never leave a row InProgress behind a bug
            log.exception("execution %d could not be run", claimed.id)
            done = ws.finish_execution(claimed.id, status=FAILED, failure_reason=(
                f"The scheduler could not run this execution: {type(error).__name__}: {error}"))
        events = evaluate_alerts(ws, schedule.name, execution_id=done.id)
        log.info("execution %d of %s: %s %s", done.id, schedule.name, done.status,
                 done.failure_reason)
        self._notify(done, events)
        return done

    def _request(self, schedule, execution: ExecutionRecord):
        from core.monitoring.execution import MonitoringRequest

        endpoint = self.workspace.get_endpoint(schedule.endpoint)
        destination = (endpoint.capture_config or {}).get("destination") if endpoint else None
        return MonitoringRequest(
            statistics_path=schedule.statistics_path, constraints_path=schedule.constraints_path,
            output_root=str(self.workspace.reports_dir), endpoint_name=schedule.endpoint,
            schedule_name=schedule.name, scheduled_time=execution.scheduled_time,
            window_start=execution.window_start, window_end=execution.window_end,
            capture_root=destination or str(self.workspace.capture_dir),
            preprocessor_path=schedule.preprocessor_path or None,
            postprocessor_path=schedule.postprocessor_path or None,
            publish_metrics=schedule.publish_metrics,
            script_log_dir=str(self.workspace.root / "logs" / "executions" / str(execution.id)),
            max_bad_record_share=schedule.max_bad_record_share)

    def _record_outcome(self, execution: ExecutionRecord, outcome) -> ExecutionRecord:
        ws = self.workspace
        if outcome.kind != execution_worker.RESULT:
            status = STOPPED if outcome.kind in (execution_worker.TIMEOUT,
                                                 execution_worker.STOPPED) else FAILED
            reason = outcome.message
            if outcome.kind == execution_worker.STOPPED and self._stop.is_set():
                reason = "Stopped because the scheduler was shut down."
            return ws.finish_execution(execution.id, status=status, failure_reason=reason)
        result = outcome.result
        counts = Counter(v.get("constraint_check_type", "") for v in result.violations or [])
        if result.metrics:
            ws.add_metric_points(result.metrics, execution_id=execution.id)
        return ws.finish_execution(
            execution.id, status=result.status, status_message=result.status_message or "",
            failure_reason=result.failure_reason or "", report_dir=str(result.report_dir or ""),
            violation_count=result.violation_count, violation_counts=dict(counts),
            item_count=result.item_count, capture_errors=result.capture_errors)

    def _should_stop(self, execution_id: int) -> bool:
        if self._stop.is_set():
            return True
        current = self.workspace.get_execution(execution_id)
        return current is not None and current.status == STOPPING

    def _notify(self, done: ExecutionRecord, events: list) -> None:
        for callback, items in ((self._on_execution, [done]), (self._on_alert, events)):
            for item in items if callback else []:
                try:
                    callback(item)
                except Exception:  # a listener's bug must not stop scheduling
                    log.exception("scheduler listener failed")

    # -- helpers ---------------------------------------------------------------------------

    def _pending_in_order(self):
        seen: set[int] = set()
        while True:  # re-read: Run-now requests may arrive while executions run
            batch = [e for e in self.workspace.pending_executions() if e.id not in seen]
            if not batch:
                return
            seen.add(batch[0].id)
            yield batch[0]

    def _seconds_to_wait(self, poll_interval_s: float) -> float:
        try:
            upcoming = self.next_due_time()
        except AppError:  # a damaged schedule row: tick() reports it; keep polling
            upcoming = None
        if upcoming is None:
            return poll_interval_s
        return max(0.05, min(poll_interval_s, (upcoming - self._clock()).total_seconds() + 0.05))

    def _relay_stop(self, stop_event: threading.Event) -> None:
        stop_event.wait()
        self._stop.set()

    def _log_skipped(self, name: str, expression, since: datetime, due: list[datetime]) -> None:
        if len(due) < self.max_catch_up:
            return
        first_missed = runs_between(expression, since, due[0] - timedelta(seconds=1), 1)
        if first_missed:
            log.warning("schedule %s: more than %d runs were missed; only the latest %d are "
                        "caught up", name, self.max_catch_up, self.max_catch_up)


def due_runs(expression, since: datetime, now: datetime, limit: int) -> list[datetime]:
    """The latest ``limit`` fire times in ``(since, now]``: never one still to come.

    The cron walk works in whole seconds, so ``now`` is floored first (at 10:59:59.5 the 11:00
    run is half a second away, not due), and any time after ``now`` is dropped as a guard.
    """
    floored = now.replace(microsecond=0)
    return [t for t in runs_between(expression, since, floored, limit) if t <= now]


def workspace_has_scheduler(root: str | Path) -> bool:
    """True when a scheduler process is driving the workspace in ``root`` right now."""
    return SchedulerLock(root).is_locked_elsewhere()
