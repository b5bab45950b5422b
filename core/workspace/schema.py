"""The workspace database schema as ordered migrations; ``PRAGMA user_version`` counts them.

Never edit a migration that has shipped: append a new one. Times are UTC text from
``core.workspace.db.to_db_time``; JSON columns hold compact JSON text.
"""

from __future__ import annotations

import logging
import sqlite3

from core.errors import AppError

log = logging.getLogger(__name__)

_V1 = """
CREATE TABLE endpoints (
    name TEXT PRIMARY KEY,
    backend TEXT NOT NULL DEFAULT 'local',
    status TEXT NOT NULL DEFAULT 'Creating',
    model_path TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    port INTEGER,
    pid INTEGER,
    variant TEXT NOT NULL DEFAULT 'AllTraffic',
    capture_config TEXT NOT NULL DEFAULT '{}',
    failure_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE baselines (
    name TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    statistics_path TEXT NOT NULL,
    constraints_path TEXT NOT NULL,
    item_count INTEGER NOT NULL DEFAULT 0,
    feature_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE schedules (
    name TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    baseline TEXT NOT NULL DEFAULT '',
    statistics_path TEXT NOT NULL,
    constraints_path TEXT NOT NULL,
    expression TEXT NOT NULL,
    window_start TEXT NOT NULL DEFAULT '-PT1H',
    window_end TEXT NOT NULL DEFAULT '-PT0H',
    status TEXT NOT NULL DEFAULT 'Scheduled',
    preprocessor_path TEXT NOT NULL DEFAULT '',
    postprocessor_path TEXT NOT NULL DEFAULT '',
    max_runtime_s INTEGER NOT NULL DEFAULT 3600,
    publish_metrics INTEGER NOT NULL DEFAULT 1,
    last_scheduled_time TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    trigger TEXT NOT NULL DEFAULT 'schedule',
    scheduled_time TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'Pending',
    status_message TEXT NOT NULL DEFAULT '',
    failure_reason TEXT NOT NULL DEFAULT '',
    report_dir TEXT NOT NULL DEFAULT '',
    violation_count INTEGER NOT NULL DEFAULT 0,
    violation_counts TEXT NOT NULL DEFAULT '{}',
    item_count INTEGER NOT NULL DEFAULT 0,
    runner_pid INTEGER,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT
);
CREATE UNIQUE INDEX executions_one_per_slot ON executions (schedule, scheduled_time)
    WHERE trigger = 'schedule';
CREATE INDEX executions_by_schedule ON executions (schedule, scheduled_time);
CREATE INDEX executions_by_status ON executions (status);
CREATE TABLE metric_points (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id INTEGER,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    endpoint TEXT NOT NULL DEFAULT '',
    schedule TEXT NOT NULL DEFAULT '',
    dimensions TEXT NOT NULL DEFAULT '[]',
    timestamp TEXT NOT NULL,
    value REAL,
    statistic_values TEXT
);
CREATE INDEX metric_points_series ON metric_points (name, endpoint, schedule, timestamp);
CREATE INDEX metric_points_by_execution ON metric_points (execution_id);
CREATE TABLE alert_rules (
    name TEXT PRIMARY KEY,
    metric TEXT NOT NULL,
    comparison TEXT NOT NULL,
    threshold REAL NOT NULL,
    datapoints_to_alarm INTEGER NOT NULL DEFAULT 1,
    evaluation_periods INTEGER NOT NULL DEFAULT 1,
    endpoint TEXT NOT NULL DEFAULT '',
    schedule TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'INSUFFICIENT_DATA',
    state_reason TEXT NOT NULL DEFAULT '',
    state_updated_at TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE alert_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    old_state TEXT NOT NULL,
    new_state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    execution_id INTEGER
);
CREATE INDEX alert_history_by_rule ON alert_history (rule, id);
"""

# v2: reads the GUI and alerts make on long histories. A catalog of metric names (so listing
# them does not scan every point) and an index for one schedule's series, newest first.
_V2 = """
CREATE TABLE metric_catalog (
    name TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    schedule TEXT NOT NULL,
    PRIMARY KEY (name, endpoint, schedule)
) WITHOUT ROWID;
INSERT OR IGNORE INTO metric_catalog (name, endpoint, schedule)
    SELECT DISTINCT name, endpoint, schedule FROM metric_points;
CREATE INDEX metric_points_by_schedule ON metric_points (name, schedule, timestamp)
"""

# v3: alert rules name where their state changes go; an outbox of deliveries, each retried
# with backoff until delivered or given up, so a receiver that is down loses nothing.
_V3_NOTIFICATIONS = """
ALTER TABLE alert_rules ADD COLUMN destinations TEXT NOT NULL DEFAULT '[]';
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    destination TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'Pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    delivered_at TEXT,
    UNIQUE (event_id, destination)
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at)
"""

# Capture records an execution skipped as unreadable (its ``capture_errors`` figure), and the
# share of them a schedule tolerates before an execution fails (1% by default).
_CAPTURE_ERRORS = """
ALTER TABLE executions ADD COLUMN capture_errors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN max_bad_record_share REAL NOT NULL DEFAULT 0.01
"""

# Migration N (1-based) brings a file from user_version N-1 to N.
MIGRATIONS: list[str] = [_V1, _V2, _V3_NOTIFICATIONS, _CAPTURE_ERRORS]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations this file lacks, inside the caller's write transaction.

    Returns:
        The number of migrations applied (0 when the file is current).

    Raises:
        AppError: the file was made by a newer version of the app.
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise AppError(f"This workspace was created by a newer version of the app "
                       f"(schema {current}; this version knows up to {SCHEMA_VERSION}).")
    for number in range(current + 1, SCHEMA_VERSION + 1):
        log.info("workspace schema: applying migration %d", number)
        for statement in _statements(MIGRATIONS[number - 1]):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    return SCHEMA_VERSION - current


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT the caller's transaction; run statement by statement instead.
    return [s.strip() for s in script.split(";") if s.strip()]
