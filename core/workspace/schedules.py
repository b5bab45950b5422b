"""Monitoring schedules in the workspace (a mixin of ``core.workspace.store.Workspace``).

API: ``create_schedule(ScheduleRecord)``, ``get_schedule(name)``, ``list_schedules()``,
``update_schedule(name, **changes)``, ``start_schedule(name)``, ``stop_schedule(name)``,
``delete_schedule(name)`` (its execution history stays, as on SageMaker); the scheduler uses
``advance_schedule(name, through)``.
Schedule statuses follow SageMaker: ``Scheduled`` (runs when due) and ``Stopped``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path

from core.errors import ValidationError
from core.names import validate_name, validate_optional_name
from core.formats.cron import (
    DEFAULT_WINDOW_END,
    DEFAULT_WINDOW_START,
    parse_expression,
    validate_window,
)
from core.monitoring.capture_errors import DEFAULT_MAX_BAD_RECORD_SHARE, validate_share
from core.workspace.db import from_db_time, to_db_time, utc_now

SCHEDULED, STOPPED = "Scheduled", "Stopped"


@dataclass(frozen=True)
class ScheduleRecord:
    """A monitoring schedule: when to run, on which endpoint's capture, against which baseline.

    ``window_start``/``window_end`` are ISO-8601 negative offsets from the scheduled time;
    ``last_scheduled_time`` is the latest fire time the scheduler has taken care of.
    """

    name: str
    endpoint: str
    expression: str
    statistics_path: str
    constraints_path: str
    baseline: str = ""
    window_start: str = DEFAULT_WINDOW_START
    window_end: str = DEFAULT_WINDOW_END
    status: str = SCHEDULED
    preprocessor_path: str = ""
    postprocessor_path: str = ""
    max_runtime_s: int = 3600
    publish_metrics: bool = True
    max_bad_record_share: float = DEFAULT_MAX_BAD_RECORD_SHARE  # see core.monitoring
    last_scheduled_time: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


_FIELDS = tuple(f.name for f in fields(ScheduleRecord))
_UPDATABLE = frozenset(_FIELDS) - {"name", "created_at", "updated_at"}
_TIMES = ("last_scheduled_time", "created_at", "updated_at")


class ScheduleStore:
    """Schedule persistence; needs ``self._db`` (a ``core.workspace.db.Database``)."""

    def create_schedule(self, rec: ScheduleRecord) -> ScheduleRecord:
        """Validate and add a schedule; a baseline name fills in the two baseline files.

        Raises:
            ValidationError: a bad name, expression, window, missing files, or a taken name.
        """
        rec = _absolute_paths(self._resolve_baseline(rec))
        _validate(rec)
        created = rec.created_at or utc_now()
        rec = replace(rec, created_at=created, updated_at=created)

        def insert(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM schedules WHERE name = ?", (rec.name,)).fetchone():
                raise ValidationError(f"A schedule named {rec.name!r} already exists.")
            conn.execute(f"INSERT INTO schedules ({', '.join(_FIELDS)}) "
                         f"VALUES ({', '.join('?' * len(_FIELDS))})", _row(rec))

        self._db.write(insert)
        return self.get_schedule(rec.name)

    def get_schedule(self, name: str) -> ScheduleRecord | None:
        row = self._db.read(lambda c: c.execute(
            "SELECT * FROM schedules WHERE name = ?", (name,)).fetchone())
        return _record(row) if row else None

    def require_schedule(self, name: str) -> ScheduleRecord:
        """The schedule, or a ValidationError naming the ones that exist."""
        found = self.get_schedule(name)
        if found is None:
            names = ", ".join(s.name for s in self.list_schedules()) or "none yet"
            raise ValidationError(f"No schedule named {name!r} (schedules: {names}).")
        return found

    def list_schedules(self) -> list[ScheduleRecord]:
        rows = self._db.read(lambda c: c.execute(
            "SELECT * FROM schedules ORDER BY name").fetchall())
        return [_record(r) for r in rows]

    def update_schedule(self, name: str, **changes) -> ScheduleRecord:
        """Change some fields (validated as on create); returns the new record."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValidationError(f"Unknown schedule fields: {', '.join(sorted(unknown))}.")
        current = self.require_schedule(name)
        updated = replace(current, **changes, updated_at=utc_now())
        new_files = {"statistics_path", "constraints_path"} & set(changes)
        if "baseline" in changes and not new_files:  # the baseline's files replace the old ones
            updated = self._resolve_baseline(replace(updated, statistics_path="",
                                                     constraints_path=""))
        updated = _absolute_paths(updated)
        _validate(updated)
        sets = ", ".join(f"{k} = ?" for k in _FIELDS if k != "name")
        values = dict(zip(_FIELDS, _row(updated), strict=True))
        self._db.write(lambda c: c.execute(f"UPDATE schedules SET {sets} WHERE name = ?",
                                           (*[values[k] for k in _FIELDS if k != "name"], name)))
        return self.get_schedule(name)

    def start_schedule(self, name: str) -> ScheduleRecord:
        return self.update_schedule(name, status=SCHEDULED)

    def stop_schedule(self, name: str) -> ScheduleRecord:
        """No new executions start; one already running finishes (stop it with stop_execution)."""
        return self.update_schedule(name, status=STOPPED)

    def delete_schedule(self, name: str) -> bool:
        """Remove a schedule and its alert rules; past executions stay. True if it existed."""

        def delete(conn: sqlite3.Connection) -> bool:
            conn.execute("UPDATE executions SET status = 'Stopped', "
                         "failure_reason = 'The schedule was deleted.', ended_at = ? "
                         "WHERE schedule = ? AND status = 'Pending'", (to_db_time(utc_now()), name))
            conn.execute("DELETE FROM alert_rules WHERE schedule = ?", (name,))
            return conn.execute("DELETE FROM schedules WHERE name = ?", (name,)).rowcount > 0

        return self._db.write(delete)

    def advance_schedule(self, name: str, through: datetime) -> None:
        """Note that fire times up to ``through`` are handled (never moves backwards)."""
        when = to_db_time(through)
        self._db.write(lambda c: c.execute(
            "UPDATE schedules SET last_scheduled_time = ? WHERE name = ? AND "
            "(last_scheduled_time IS NULL OR last_scheduled_time < ?)", (when, name, when)))

    def _resolve_baseline(self, rec: ScheduleRecord) -> ScheduleRecord:
        if rec.baseline and not (rec.statistics_path and rec.constraints_path):
            base = self.get_baseline(rec.baseline)
            if base is None:
                raise ValidationError(f"No baseline named {rec.baseline!r} in this workspace.")
            rec = replace(rec, statistics_path=base.statistics_path,
                          constraints_path=base.constraints_path)
        return rec


def _validate(rec: ScheduleRecord) -> None:
    validate_name(rec.name, "schedule")
    if not rec.endpoint:
        raise ValidationError("A schedule needs the endpoint whose captured traffic it monitors.")
    validate_name(rec.endpoint, "endpoint")
    validate_optional_name(rec.baseline, "baseline")
    parse_expression(rec.expression)
    validate_window(rec.window_start, rec.window_end)
    if rec.status not in (SCHEDULED, STOPPED):
        raise ValidationError(f"Schedule status {rec.status!r} is not one of Scheduled, Stopped.")
    if not isinstance(rec.max_runtime_s, int) or not 1 <= rec.max_runtime_s <= 86400:
        raise ValidationError("The maximum runtime must be 1 to 86400 seconds (24 hours).")
    validate_share(rec.max_bad_record_share)
    for label, path in (("statistics", rec.statistics_path), ("constraints", rec.constraints_path)):
        if not path or not Path(path).is_file():
            raise ValidationError(f"The baseline {label} file {path!r} does not exist; give a "
                                  f"baseline name or both baseline files.")
    for label, path in (("preprocessor", rec.preprocessor_path),
                        ("postprocessor", rec.postprocessor_path)):
        if path and not Path(path).is_file():
            raise ValidationError(f"The {label} script {path!r} does not exist.")


def _absolute_paths(rec: ScheduleRecord) -> ScheduleRecord:
    names = ("statistics_path", "constraints_path", "preprocessor_path", "postprocessor_path")
    return replace(rec, **{n: str(Path(getattr(rec, n)).expanduser().resolve())
                           for n in names if getattr(rec, n)})


def _row(rec: ScheduleRecord) -> tuple:
    values = []
    for name in _FIELDS:
        value = getattr(rec, name)
        if name in _TIMES:
            value = to_db_time(value)
        elif name == "publish_metrics":
            value = int(bool(value))
        elif name == "max_bad_record_share":
            value = float(value)
        elif name.endswith("_path"):
            value = str(value or "")
        values.append(value)
    return tuple(values)


def _record(row: sqlite3.Row) -> ScheduleRecord:
    where = f"workspace.db, schedules row {row['name']!r}"  # a row read back is checked again
    validate_name(row["name"], "schedule", where=where)
    validate_name(row["endpoint"], "endpoint", where=where)
    validate_optional_name(row["baseline"], "baseline", where=where)
    values = {k: row[k] for k in _FIELDS}
    for name in _TIMES:
        values[name] = from_db_time(values[name])
    values["publish_metrics"] = bool(values["publish_metrics"])
    return ScheduleRecord(**values)
