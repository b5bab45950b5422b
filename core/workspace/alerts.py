"""Alert rules, their states and history in the workspace (a mixin of ``core.workspace.store.Workspace``).

API: ``create_alert_rule(AlertRule)``, ``get_alert_rule(name)``,
``list_alert_rules(schedule=None)``, ``delete_alert_rule(name)``,
``set_alert_state(name, state, reason, execution_id=None)`` and
``alert_history(rule=None, limit=100)``. Evaluation lives in ``core.scheduling.alerts``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields, replace
from datetime import datetime

from core.errors import ValidationError
from core.notifications.destinations import parse_destinations
from core.names import validate_name, validate_optional_name
from core.workspace.db import from_db_time, to_db_time, utc_now
from core.workspace.notifications import queue_notifications

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
COMPARISONS = {">": "GreaterThanThreshold", ">=": "GreaterThanOrEqualToThreshold",
               "<": "LessThanThreshold", "<=": "LessThanOrEqualToThreshold"}


@dataclass(frozen=True)
class AlertRule:
    """``metric comparison threshold`` for M (``datapoints_to_alarm``) of the last N executions.

    ``metric`` may hold ``{f}`` (or ``*``) to watch every feature, e.g.
    ``feature_baseline_drift_{f}``. Empty ``endpoint``/``schedule`` match any.
    """

    name: str
    metric: str
    comparison: str
    threshold: float
    datapoints_to_alarm: int = 1
    evaluation_periods: int = 1
    endpoint: str = ""
    schedule: str = ""
    enabled: bool = True
    state: str = INSUFFICIENT_DATA
    state_reason: str = ""
    state_updated_at: datetime | None = None
    created_at: datetime | None = None
    destinations: tuple[str, ...] = ()  # webhook:URL, email:ADDRESS, desktop

    @property
    def description(self) -> str:
        return (f"{self.metric} {self.comparison} {self.threshold:g} for "
                f"{self.datapoints_to_alarm} of the last {self.evaluation_periods} executions")


@dataclass(frozen=True)
class AlertEvent:
    """One state change of a rule."""

    id: int
    rule: str
    timestamp: datetime
    old_state: str
    new_state: str
    reason: str
    execution_id: int | None


_FIELDS = tuple(f.name for f in fields(AlertRule))


class AlertStore:
    """Alert persistence; needs ``self._db``."""

    def create_alert_rule(self, rule: AlertRule) -> AlertRule:
        """Validate and add a rule (state INSUFFICIENT_DATA until first evaluated)."""
        rule = _validated(rule)
        rule = replace(rule, state=INSUFFICIENT_DATA, state_reason="Not evaluated yet.",
                       created_at=utc_now(), state_updated_at=utc_now())
        row = tuple(_db_value(getattr(rule, f)) for f in _FIELDS)

        def insert(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM alert_rules WHERE name = ?", (rule.name,)).fetchone():
                raise ValidationError(f"An alert rule named {rule.name!r} already exists.")
            conn.execute(f"INSERT INTO alert_rules ({', '.join(_FIELDS)}) "
                         f"VALUES ({', '.join('?' * len(_FIELDS))})", row)

        self._db.write(insert)
        return self.get_alert_rule(rule.name)

    def get_alert_rule(self, name: str) -> AlertRule | None:
        row = self._db.read(lambda c: c.execute(
            "SELECT * FROM alert_rules WHERE name = ?", (name,)).fetchone())
        return _rule(row) if row else None

    def list_alert_rules(self, schedule: str | None = None) -> list[AlertRule]:
        """All rules, or those that apply to one schedule (its own and schedule-less ones)."""
        sql, params = "SELECT * FROM alert_rules", ()
        if schedule is not None:
            sql, params = sql + " WHERE schedule IN ('', ?)", (schedule,)
        rows = self._db.read(lambda c: c.execute(sql + " ORDER BY name", params).fetchall())
        return [_rule(r) for r in rows]

    def delete_alert_rule(self, name: str) -> bool:
        return self._db.write(lambda c: c.execute(
            "DELETE FROM alert_rules WHERE name = ?", (name,)).rowcount > 0)

    def set_alert_state(self, name: str, state: str, reason: str,
                        execution_id: int | None = None) -> AlertEvent | None:
        """Store a rule's evaluated state; a change is added to the history and returned."""
        now = to_db_time(utc_now())

        def update(conn: sqlite3.Connection) -> int | None:
            row = conn.execute("SELECT * FROM alert_rules WHERE name = ?", (name,)).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE alert_rules SET state = ?, state_reason = ?, state_updated_at = ? "
                         "WHERE name = ?", (state, reason, now, name))
            if row["state"] == state:
                return None
            event_id = conn.execute(
                "INSERT INTO alert_history (rule, timestamp, old_state, new_state, reason, "
                "execution_id) VALUES (?, ?, ?, ?, ?, ?)",
                (name, now, row["state"], state, reason, execution_id)).lastrowid
            queue_notifications(conn, row, event_id, row["state"], state, now)
            return event_id

        event_id = self._db.write(update)
        if event_id is None:
            return None
        return next(e for e in self.alert_history(name, limit=5) if e.id == event_id)

    def alert_history(self, rule: str | None = None, *, limit: int = 100) -> list[AlertEvent]:
        """State changes, newest first (of one rule, or of all)."""
        sql, params = "SELECT * FROM alert_history", ()
        if rule is not None:
            sql, params = sql + " WHERE rule = ?", (rule,)
        rows = self._db.read(lambda c: c.execute(
            sql + " ORDER BY id DESC LIMIT ?", (*params, int(limit))).fetchall())
        return [AlertEvent(r["id"], r["rule"], from_db_time(r["timestamp"]), r["old_state"],
                           r["new_state"], r["reason"], r["execution_id"]) for r in rows]


def _validated(rule: AlertRule) -> AlertRule:
    validate_name(rule.name, "alert")
    validate_optional_name(rule.endpoint, "endpoint")
    validate_optional_name(rule.schedule, "schedule")
    if not rule.metric or not rule.metric.strip():
        raise ValidationError("An alert rule needs a metric name, e.g. feature_baseline_drift_{f}.")
    symbol = {v: k for k, v in COMPARISONS.items()}.get(rule.comparison, rule.comparison)
    if symbol not in COMPARISONS:
        raise ValidationError(f"Comparison {rule.comparison!r} is not one of "
                              f"{', '.join(COMPARISONS)} (or {', '.join(COMPARISONS.values())}).")
    m, n = rule.datapoints_to_alarm, rule.evaluation_periods
    if not (isinstance(m, int) and isinstance(n, int) and 1 <= m <= n <= 100):
        raise ValidationError(f"An alert needs 1 <= datapoints to alarm ({m}) <= "
                              f"evaluation periods ({n}) <= 100.")
    try:
        threshold = float(rule.threshold)
    except (TypeError, ValueError):
        raise ValidationError(f"Threshold {rule.threshold!r} is not a number.") from None
    return replace(rule, comparison=symbol, threshold=threshold, name=rule.name.strip(),
                   metric=rule.metric.strip(),
                   destinations=parse_destinations(rule.destinations))


def _db_value(value):
    if isinstance(value, datetime):
        return to_db_time(value)
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return value


def _rule(row: sqlite3.Row) -> AlertRule:
    where = f"workspace.db, alert_rules row {row['name']!r}"  # a row read back is checked again
    validate_name(row["name"], "alert", where=where)
    validate_optional_name(row["endpoint"], "endpoint", where=where)
    validate_optional_name(row["schedule"], "schedule", where=where)
    values = {k: row[k] for k in _FIELDS}
    values["enabled"] = bool(values["enabled"])
    values["state_updated_at"] = from_db_time(values["state_updated_at"])
    values["created_at"] = from_db_time(values["created_at"])
    values["destinations"] = tuple(json.loads(values["destinations"] or "[]"))
    return AlertRule(**values)
