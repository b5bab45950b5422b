"""The workspace: a folder with ``workspace.db`` (SQLite, WAL), capture, baselines, reports, models.

``Workspace.open(folder)`` is safe from many threads and processes at once. This module holds
endpoints, baselines and metric points; schedules, executions and alerts come from the mixins
in ``core.workspace.schedules``, ``core.workspace.executions`` and ``core.workspace.alerts``.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

from core.errors import AppError, ValidationError
from core.names import validate_name, validate_optional_name
from core.workspace.alerts import AlertStore
from core.workspace.db import Database, from_db_time, to_db_time, utc_now
from core.workspace.db_file import open_database, private_folder
from core.workspace.executions import ExecutionStore
from core.workspace.notifications import NotificationStore
from core.workspace.schedules import ScheduleStore

log = logging.getLogger(__name__)

DB_NAME = "workspace.db"
SUBFOLDERS = ("capture", "baselines", "reports", "models")


@dataclass(frozen=True)
class EndpointRecord:
    """A served model as the workspace knows it; servers keep ``status``/``pid`` current."""

    name: str
    backend: str = "local"
    status: str = "Creating"
    model_path: str = ""
    url: str = ""
    port: int | None = None
    pid: int | None = None
    variant: str = "AllTraffic"
    capture_config: dict = field(default_factory=dict)
    failure_reason: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class BaselineRecord:
    """A baseline: which dataset, where its ``statistics.json``/``constraints.json`` are, when."""

    name: str
    dataset: str
    statistics_path: str
    constraints_path: str
    item_count: int = 0
    feature_count: int = 0
    created_at: datetime | None = None


_ENDPOINT_FIELDS = tuple(f.name for f in fields(EndpointRecord))
_ENDPOINT_UPDATABLE = frozenset(_ENDPOINT_FIELDS) - {"name", "created_at", "updated_at"}


class Workspace(ScheduleStore, ExecutionStore, AlertStore, NotificationStore):
    """A workspace folder and its database. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(self, root: Path, db: Database) -> None:
        self._root = root
        self._db = db

    @classmethod
    def open(cls, folder: str | os.PathLike) -> Workspace:
        """Open (creating if needed) the workspace in ``folder`` and bring its schema up to date.

        An empty (0-byte) or lost ``workspace.db`` is refused, never recreated empty, and a
        damaged one raises ``WorkspaceDatabaseError`` (``core.workspace.db_file``).
        """
        root = Path(folder).expanduser().resolve()
        try:
            for name in SUBFOLDERS:
                private_folder(root / name, root)
        except OSError as error:
            raise AppError(f"Cannot use {root} as a workspace folder: {error.strerror or error}.") \
                from error
        return cls(root, open_database(root))

    root = property(lambda self: self._root)
    db_path = property(lambda self: self._db.path)
    capture_dir = property(lambda self: self._root / "capture")
    baselines_dir = property(lambda self: self._root / "baselines")
    reports_dir = property(lambda self: self._root / "reports")
    models_dir = property(lambda self: self._root / "models")

    backups_dir = property(lambda self: self._root / "backups")

    def backup_if_due(self):
        """The daily backup of the database (a ``Backup``), when the newest is a day old."""
        from core.workspace import backup

        return backup.backup_if_due(self._db.path, self._root)

    def backup_now(self):
        """A ``Backup`` of the database now (among the newest ``KEEP`` manual ones)."""
        from core.workspace import backup

        return backup.backup_database(self._db.path, self._root, backup.MANUAL)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- endpoints -------------------------------------------------------------------------

    def upsert_endpoint(self, rec: EndpointRecord) -> EndpointRecord:
        """Insert or replace an endpoint, keeping its original ``created_at``."""
        validate_name(rec.name, "endpoint")
        validate_name(rec.variant, "variant")
        now = to_db_time(utc_now())
        values = {f: getattr(rec, f) for f in _ENDPOINT_FIELDS}
        values["capture_config"] = json.dumps(rec.capture_config or {})
        values["created_at"] = to_db_time(rec.created_at) or now
        values["updated_at"] = now

        def upsert(conn: sqlite3.Connection) -> None:
            updates = ", ".join(f"{k} = excluded.{k}" for k in values if k != "created_at")
            conn.execute(f"INSERT INTO endpoints ({', '.join(values)}) "
                         f"VALUES ({', '.join('?' * len(values))}) "
                         f"ON CONFLICT(name) DO UPDATE SET {updates}", tuple(values.values()))

        self._db.write(upsert)
        return self.get_endpoint(rec.name)

    def get_endpoint(self, name: str) -> EndpointRecord | None:
        row = self._db.read(lambda c: c.execute(
            "SELECT * FROM endpoints WHERE name = ?", (name,)).fetchone())
        return _endpoint(row) if row else None

    def list_endpoints(self) -> list[EndpointRecord]:
        rows = self._db.read(lambda c: c.execute(
            "SELECT * FROM endpoints ORDER BY name").fetchall())
        return [_endpoint(r) for r in rows]

    def update_endpoint(self, name: str, **changes) -> EndpointRecord | None:
        """Change some fields of an endpoint; returns the new record, or None if it is gone."""
        unknown = set(changes) - _ENDPOINT_UPDATABLE
        if unknown:
            raise ValidationError(f"Unknown endpoint fields: {', '.join(sorted(unknown))}. "
                                  f"Allowed: {', '.join(sorted(_ENDPOINT_UPDATABLE))}.")
        if "capture_config" in changes:
            changes["capture_config"] = json.dumps(changes["capture_config"] or {})
        changes["updated_at"] = to_db_time(utc_now())
        sets = ", ".join(f"{k} = ?" for k in changes)
        self._db.write(lambda c: c.execute(f"UPDATE endpoints SET {sets} WHERE name = ?",
                                           (*changes.values(), name)))
        return self.get_endpoint(name)

    def delete_endpoint(self, name: str) -> bool:
        """Forget an endpoint (its captured files stay on disk). True if it existed."""
        cur = self._db.write(lambda c: c.execute("DELETE FROM endpoints WHERE name = ?", (name,)))
        return cur.rowcount > 0

    # -- baselines -------------------------------------------------------------------------

    def add_baseline(self, rec: BaselineRecord) -> BaselineRecord:
        """Record a baseline; a baseline of the same name is replaced (a re-run)."""
        validate_name(rec.name, "baseline")
        row = (rec.name, str(rec.dataset), str(rec.statistics_path), str(rec.constraints_path),
               int(rec.item_count), int(rec.feature_count), to_db_time(rec.created_at or utc_now()))
        self._db.write(lambda c: c.execute(
            "INSERT OR REPLACE INTO baselines (name, dataset, statistics_path, constraints_path, "
            "item_count, feature_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", row))
        return self.get_baseline(rec.name)

    def get_baseline(self, name: str) -> BaselineRecord | None:
        row = self._db.read(lambda c: c.execute(
            "SELECT * FROM baselines WHERE name = ?", (name,)).fetchone())
        return _baseline(row) if row else None

    def list_baselines(self) -> list[BaselineRecord]:
        rows = self._db.read(lambda c: c.execute(
            "SELECT * FROM baselines ORDER BY created_at DESC, name").fetchall())
        return [_baseline(r) for r in rows]

    # -- metrics ---------------------------------------------------------------------------

    def add_metric_points(self, points, execution_id: int | None = None) -> int:
        """Store ``MetricPoint``s (namespace, name, dimensions, timestamp, value, statistic_values).

        The ``Endpoint`` and ``MonitoringSchedule`` dimensions become filterable columns.
        Returns the number of points stored.
        """
        rows = [_metric_row(p, execution_id) for p in points]

        def insert(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO metric_points (execution_id, namespace, name, endpoint, schedule, "
                "dimensions, timestamp, value, statistic_values) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows)
            conn.executemany("INSERT OR IGNORE INTO metric_catalog (name, endpoint, schedule) "
                             "VALUES (?, ?, ?)", {(r[2], r[3], r[4]) for r in rows})

        if rows:
            self._db.write(insert)
        return len(rows)

    def metric_series(self, name: str, *, endpoint: str | None = None,
                      schedule: str | None = None,
                      last: int | None = None) -> list[tuple[datetime, float]]:
        """One metric over time, oldest first. Statistic sets give their average (Sum/SampleCount).

        A window measured twice (a re-run) keeps only its latest value; ``last`` keeps only
        the latest that many points.
        """
        where, params = _series_filter(endpoint, schedule)
        sql = ("SELECT timestamp, endpoint, schedule, value, statistic_values FROM metric_points "
               "WHERE name = ?" + where + " ORDER BY timestamp DESC, id DESC")

        def newest_first(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            cursor, seen, rows = conn.execute(sql, (name, *params)), set(), []
            try:
                for row in cursor:
                    key = (row["timestamp"], row["endpoint"], row["schedule"])
                    if key not in seen:  # the latest measurement of a window wins
                        seen.add(key)
                        rows.append(row)
                        if last is not None and len(rows) >= last:
                            break
            finally:
                cursor.close()  # an unfinished statement would hold a read snapshot open
            return rows

        rows = self._db.read(newest_first)[::-1]
        series = []
        for row in rows:
            value = _point_value(row["value"], row["statistic_values"])
            if value is not None:
                series.append((from_db_time(row["timestamp"]), value))
        return series

    def metric_names(self, *, endpoint: str | None = None,
                     schedule: str | None = None) -> list[str]:
        """The distinct metric names stored (optionally for one endpoint/schedule), sorted."""
        where, params = _series_filter(endpoint, schedule)
        sql = "SELECT DISTINCT name FROM metric_catalog WHERE 1 = 1" + where + " ORDER BY name"
        return [r[0] for r in self._db.read(lambda c: c.execute(sql, params).fetchall())]


def _endpoint(row: sqlite3.Row) -> EndpointRecord:
    where = f"workspace.db, endpoints row {row['name']!r}"  # a row read back is checked again
    validate_name(row["name"], "endpoint", where=where)
    validate_optional_name(row["variant"], "variant", where=where)
    values = {k: row[k] for k in _ENDPOINT_FIELDS}
    values["capture_config"] = json.loads(row["capture_config"] or "{}")
    values["created_at"] = from_db_time(row["created_at"])
    values["updated_at"] = from_db_time(row["updated_at"])
    return EndpointRecord(**values)


def _baseline(row: sqlite3.Row) -> BaselineRecord:
    validate_name(row["name"], "baseline", where="workspace.db, baselines table")
    return BaselineRecord(row["name"], row["dataset"], row["statistics_path"],
                          row["constraints_path"], row["item_count"], row["feature_count"],
                          from_db_time(row["created_at"]))


def _metric_row(point, execution_id: int | None) -> tuple:
    dims = [(str(k), str(v)) for k, v in point.dimensions]
    by_key = dict(dims)
    stats = point.statistic_values
    return (execution_id, point.namespace, point.name, by_key.get("Endpoint", ""),
            by_key.get("MonitoringSchedule", ""), json.dumps(dims), to_db_time(point.timestamp),
            None if point.value is None else float(point.value),
            None if stats is None else json.dumps(stats))


def _series_filter(endpoint: str | None, schedule: str | None) -> tuple[str, tuple]:
    where, params = "", []
    if endpoint is not None:
        where, params = where + " AND endpoint = ?", [*params, endpoint]
    if schedule is not None:
        where, params = where + " AND schedule = ?", [*params, schedule]
    return where, tuple(params)


def _point_value(value: float | None, statistic_values: str | None) -> float | None:
    if value is not None:
        return float(value)
    if not statistic_values:
        return None
    stats = json.loads(statistic_values)
    count = stats.get("SampleCount") or 0
    return float(stats["Sum"]) / count if count and "Sum" in stats else None
