"""The notification outbox in the workspace (a mixin of ``core.workspace.store.Workspace``).

A rule's state change into or out of ALARM queues one row per webhook or e-mail destination,
in the same transaction that records the change (``AlertStore.set_alert_state``), so nothing is
lost between the two. ``core.notifications.outbox`` delivers due rows and records each attempt.
Desktop messages are shown by the app from the alert events themselves.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from core.notifications.destinations import DESKTOP
from core.notifications.message import AlertNotice
from core.workspace.db import from_db_time, to_db_time, utc_now

PENDING, DELIVERED, FAILED = "Pending", "Delivered", "Failed"
NOTIFYING_STATE = "ALARM"  # a change into or out of this state is worth telling


@dataclass(frozen=True)
class Notification:
    """One destination's delivery of one state change, and how it went."""

    id: int
    rule: str
    event_id: int
    destination: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


def queue_notifications(conn: sqlite3.Connection, rule_row: sqlite3.Row, event_id: int,
                        old_state: str, new_state: str, now: str) -> None:
    """Inside the caller's transaction: one Pending row per non-desktop destination."""
    import json

    if NOTIFYING_STATE not in (old_state, new_state):
        return
    for destination in json.loads(rule_row["destinations"] or "[]"):
        if destination != DESKTOP:
            conn.execute("INSERT OR IGNORE INTO notifications (rule, event_id, destination, "
                         "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
                         (rule_row["name"], event_id, destination, now, now))


class NotificationStore:
    """Outbox persistence; needs ``self._db``."""

    def due_notifications(self, now: datetime | None = None,
                          limit: int = 50) -> list[tuple[Notification, AlertNotice]]:
        """Pending deliveries whose next attempt is due, oldest first, with what to say."""
        at = to_db_time(now or utc_now())
        rows = self._db.read(lambda c: c.execute(
            "SELECT n.*, h.old_state, h.new_state, h.reason, h.timestamp AS changed_at, "
            "h.execution_id, r.metric, r.schedule, r.endpoint FROM notifications n "
            "JOIN alert_history h ON h.id = n.event_id "
            "LEFT JOIN alert_rules r ON r.name = n.rule "
            "WHERE n.status = ? AND n.next_attempt_at <= ? ORDER BY n.id LIMIT ?",
            (PENDING, at, int(limit))).fetchall())
        return [(_notification(r), AlertNotice(
            rule=r["rule"], old_state=r["old_state"], new_state=r["new_state"],
            reason=r["reason"], timestamp=from_db_time(r["changed_at"]),
            metric=r["metric"] or "", schedule=r["schedule"] or "",
            endpoint=r["endpoint"] or "", execution_id=r["execution_id"])) for r in rows]

    def record_delivery(self, notification_id: int, *, error: str = "",
                        retry_at: datetime | None = None) -> None:
        """One attempt's outcome: delivered (no error), retried at ``retry_at``, or given up."""
        now = to_db_time(utc_now())
        if not error:
            status, next_at = DELIVERED, now
        else:
            status, next_at = (PENDING, to_db_time(retry_at)) if retry_at else (FAILED, now)
        self._db.write(lambda c: c.execute(
            "UPDATE notifications SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
            "last_error = ?, delivered_at = CASE WHEN ? = '' THEN ? ELSE delivered_at END "
            "WHERE id = ?", (status, next_at, error, error, now, notification_id)))

    def list_notifications(self, rule: str | None = None, *,
                           limit: int = 100) -> list[Notification]:
        """The delivery log, newest first (of one rule, or of all)."""
        sql, params = "SELECT * FROM notifications", ()
        if rule is not None:
            sql, params = sql + " WHERE rule = ?", (rule,)
        rows = self._db.read(lambda c: c.execute(
            sql + " ORDER BY id DESC LIMIT ?", (*params, int(limit))).fetchall())
        return [_notification(r) for r in rows]


def _notification(row: sqlite3.Row) -> Notification:
    return Notification(row["id"], row["rule"], row["event_id"], row["destination"],
                        row["status"], row["attempts"], from_db_time(row["next_attempt_at"]),
                        row["last_error"], from_db_time(row["created_at"]),
                        from_db_time(row["delivered_at"]))
