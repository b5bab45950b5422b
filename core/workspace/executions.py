"""Monitoring executions in the workspace (a mixin of ``core.workspace.store.Workspace``).

API: ``list_executions(schedule=None, status=None, limit=None)`` (newest first),
``get_execution(id)``, ``run_now(schedule_name)`` (queues a manual run), ``stop_execution(id)``;
the scheduler uses ``add_execution``, ``claim_execution``, ``finish_execution``,
``pending_executions`` and ``fail_interrupted_executions``. Statuses follow SageMaker.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, fields
from datetime import datetime

from core.errors import ValidationError
from core.formats.cron import analysis_window
from core.workspace.db import from_db_time, to_db_time, utc_now

PENDING, IN_PROGRESS, STOPPING = "Pending", "InProgress", "Stopping"
COMPLETED, WITH_VIOLATIONS = "Completed", "CompletedWithViolations"
FAILED, STOPPED = "Failed", "Stopped"
FINAL_STATUSES = frozenset({COMPLETED, WITH_VIOLATIONS, FAILED, STOPPED})
RUNNING_STATUSES = (IN_PROGRESS, STOPPING)


@dataclass(frozen=True)
class ExecutionRecord:
    """One run of a schedule over one window ``[window_start, window_end)``."""

    id: int
    schedule: str
    endpoint: str
    trigger: str  # "schedule" (cron or catch-up) or "manual" (Run now)
    scheduled_time: datetime
    window_start: datetime
    window_end: datetime
    status: str = PENDING
    status_message: str = ""
    failure_reason: str = ""
    report_dir: str = ""
    violation_count: int = 0
    violation_counts: dict = field(default_factory=dict)  # constraint_check_type -> count
    item_count: int = 0
    capture_errors: int = 0  # capture records skipped as unreadable
    runner_pid: int | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


_FIELDS = tuple(f.name for f in fields(ExecutionRecord))
_TIMES = ("scheduled_time", "window_start", "window_end", "created_at", "started_at", "ended_at")


class ExecutionStore:
    """Execution persistence; needs ``self._db`` and ``require_schedule`` (ScheduleStore)."""

    def add_execution(self, schedule, scheduled_time: datetime, *,
                      trigger: str = "schedule") -> ExecutionRecord | None:
        """Queue a Pending execution of ``schedule`` (a ScheduleRecord) at ``scheduled_time``.

        For cron runs this also advances the schedule's ``last_scheduled_time``. Returns None
        when that cron slot already has an execution (so two callers never double-run it).
        """
        start, end = analysis_window(scheduled_time, schedule.window_start, schedule.window_end)
        row = (schedule.name, schedule.endpoint, trigger, to_db_time(scheduled_time),
               to_db_time(start), to_db_time(end), PENDING, to_db_time(utc_now()))

        def insert(conn: sqlite3.Connection) -> int | None:
            cur = conn.execute(
                "INSERT INTO executions (schedule, endpoint, trigger, scheduled_time, window_start,"
                " window_end, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING", row)
            if trigger == "schedule":
                conn.execute("UPDATE schedules SET last_scheduled_time = ? WHERE name = ? AND "
                             "(last_scheduled_time IS NULL OR last_scheduled_time < ?)",
                             (row[3], schedule.name, row[3]))
            return cur.lastrowid if cur.rowcount else None

        new_id = self._db.write(insert)
        return None if new_id is None else self.get_execution(new_id)

    def run_now(self, schedule_name: str) -> ExecutionRecord:
        """Queue a manual execution of a schedule (stopped or not) for the current time."""
        schedule = self.require_schedule(schedule_name)
        return self.add_execution(schedule, utc_now().replace(microsecond=0), trigger="manual")

    def claim_execution(self, execution_id: int, runner_pid: int) -> ExecutionRecord | None:
        """Move Pending -> InProgress unless its schedule already has one running (then None)."""
        now = to_db_time(utc_now())

        def claim(conn: sqlite3.Connection) -> bool:
            row = conn.execute("SELECT schedule, status FROM executions WHERE id = ?",
                               (execution_id,)).fetchone()
            if row is None or row["status"] != PENDING:
                return False
            busy = conn.execute("SELECT 1 FROM executions WHERE schedule = ? AND status IN (?, ?)",
                                (row["schedule"], *RUNNING_STATUSES)).fetchone()
            if busy:
                return False
            conn.execute("UPDATE executions SET status = ?, started_at = ?, runner_pid = ? "
                         "WHERE id = ?", (IN_PROGRESS, now, runner_pid, execution_id))
            return True

        return self.get_execution(execution_id) if self._db.write(claim) else None

    def finish_execution(self, execution_id: int, *, status: str, status_message: str = "",
                         failure_reason: str = "", report_dir: str = "",
                         violation_count: int = 0, violation_counts: dict | None = None,
                         item_count: int = 0, capture_errors: int = 0) -> ExecutionRecord:
        """Record an execution's final status and results."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final execution status: {status!r}")
        values = (status, status_message, failure_reason, str(report_dir), int(violation_count),
                  json.dumps(violation_counts or {}), int(item_count), int(capture_errors),
                  to_db_time(utc_now()), execution_id)
        self._db.write(lambda c: c.execute(
            "UPDATE executions SET status = ?, status_message = ?, failure_reason = ?, "
            "report_dir = ?, violation_count = ?, violation_counts = ?, item_count = ?, "
            "capture_errors = ?, ended_at = ? WHERE id = ?", values))
        return self.get_execution(execution_id)

    def stop_execution(self, execution_id: int) -> ExecutionRecord:
        """Ask for a stop: Pending becomes Stopped now, InProgress becomes Stopping."""
        now = to_db_time(utc_now())

        def stop(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT status FROM executions WHERE id = ?",
                               (execution_id,)).fetchone()
            if row is None:
                return None
            if row["status"] == PENDING:
                conn.execute("UPDATE executions SET status = ?, failure_reason = ?, ended_at = ? "
                             "WHERE id = ?", (STOPPED, "Stopped by the user.", now, execution_id))
            elif row["status"] == IN_PROGRESS:
                conn.execute("UPDATE executions SET status = ? WHERE id = ?",
                             (STOPPING, execution_id))
            return row["status"]

        before = self._db.write(stop)
        if before is None:
            raise ValidationError(f"No execution with id {execution_id}.")
        if before in FINAL_STATUSES:
            raise ValidationError(f"Execution {execution_id} has already finished ({before}).")
        return self.get_execution(execution_id)

    def get_execution(self, execution_id: int) -> ExecutionRecord | None:
        row = self._db.read(lambda c: c.execute(
            "SELECT * FROM executions WHERE id = ?", (execution_id,)).fetchone())
        return _record(row) if row else None

    def list_executions(self, schedule: str | None = None, *, status: str | None = None,
                        limit: int | None = None) -> list[ExecutionRecord]:
        """Executions, newest scheduled time first, optionally for one schedule or status."""
        sql, params = "SELECT * FROM executions WHERE 1 = 1", []
        if schedule is not None:
            sql, params = sql + " AND schedule = ?", [*params, schedule]
        if status is not None:
            sql, params = sql + " AND status = ?", [*params, status]
        sql += " ORDER BY scheduled_time DESC, id DESC"
        if limit is not None:
            sql, params = sql + " LIMIT ?", [*params, int(limit)]
        return [_record(r) for r in self._db.read(lambda c: c.execute(sql, params).fetchall())]

    def pending_executions(self) -> list[ExecutionRecord]:
        """Pending executions, oldest first: the order the scheduler runs them in."""
        rows = self._db.read(lambda c: c.execute(
            "SELECT * FROM executions WHERE status = ? ORDER BY scheduled_time, id",
            (PENDING,)).fetchall())
        return [_record(r) for r in rows]

    def fail_interrupted_executions(self, reason: str) -> list[int]:
        """Mark executions left InProgress/Stopping (their runner died) as Failed."""
        now = to_db_time(utc_now())

        def fail(conn: sqlite3.Connection) -> list[int]:
            ids = [r[0] for r in conn.execute("SELECT id FROM executions WHERE status IN (?, ?)",
                                              RUNNING_STATUSES).fetchall()]
            conn.executemany("UPDATE executions SET status = ?, failure_reason = ?, ended_at = ? "
                             "WHERE id = ?", [(FAILED, reason, now, i) for i in ids])
            return ids

        return self._db.write(fail)


def _record(row: sqlite3.Row) -> ExecutionRecord:
    values = {k: row[k] for k in _FIELDS}
    for name in _TIMES:
        values[name] = from_db_time(values[name])
    values["violation_counts"] = json.loads(values["violation_counts"] or "{}")
    return ExecutionRecord(**values)
