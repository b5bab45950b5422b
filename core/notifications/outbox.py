"""Delivering the workspace's notification outbox: due rows are sent, each attempt recorded;
a failure is retried with exponential backoff until ``GIVE_UP_AFTER`` has passed.

:class:`Deliverer` runs this on its own thread beside the scheduler, so a slow or dead
receiver never delays an execution.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from core.errors import AppError
from core.notifications.destinations import kind_of
from core.notifications.message import AlertNotice
from core.notifications.senders import DeliveryError, send_email, send_webhook

log = logging.getLogger(__name__)

FIRST_RETRY_S = 15.0
MAX_RETRY_S = 3600.0
GIVE_UP_AFTER = timedelta(hours=24)
POLL_S = 2.0

Sender = Callable[[str, AlertNotice], None]


def default_send(destination: str, notice: AlertNotice) -> None:
    kind, target = kind_of(destination), destination.partition(":")[2]
    if kind == "webhook":
        send_webhook(target, notice)
    elif kind == "email":
        send_email(target, notice)
    else:
        raise DeliveryError(f"{destination!r} is not delivered from the outbox.")


def retry_delay(attempts: int, first_s: float = FIRST_RETRY_S) -> timedelta:
    """Wait before attempt ``attempts + 1``: 15 s, 30 s, 1 min, ... at most an hour."""
    return timedelta(seconds=min(first_s * 2 ** max(attempts - 1, 0), MAX_RETRY_S))


def deliver_due(workspace, *, now: datetime | None = None, send: Sender = default_send,
                first_retry_s: float = FIRST_RETRY_S) -> int:
    """Attempt every due delivery once; returns how many were delivered."""
    delivered = 0
    for notification, notice in workspace.due_notifications(now):
        attempts = notification.attempts + 1
        try:
            send(notification.destination, notice)
        except AppError as error:
            when = now or datetime.now(UTC)
            give_up = when - notification.created_at >= GIVE_UP_AFTER
            retry_at = None if give_up else when + retry_delay(attempts, first_retry_s)
            log.warning("notification %d to %s, attempt %d: %s%s", notification.id,
                        notification.destination, attempts, error,
                        " (given up)" if give_up else "")
            workspace.record_delivery(notification.id, error=str(error), retry_at=retry_at)
            continue
        workspace.record_delivery(notification.id)
        log.info("notification %d delivered to %s (attempt %d)", notification.id,
                 notification.destination, attempts)
        delivered += 1
    return delivered


class Deliverer:
    """Delivers a workspace's outbox on a daemon thread until :meth:`stop`."""

    def __init__(self, workspace, *, send: Sender = default_send, poll_s: float = POLL_S,
                 first_retry_s: float = FIRST_RETRY_S,
                 clock: Callable[[], datetime] | None = None) -> None:
        self._workspace = workspace
        self._send = send
        self._poll_s = poll_s
        self._first_retry_s = first_retry_s
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Deliverer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="notifications", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread, self._stop = None, threading.Event()  # a later start() runs again

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(self._workspace, now=self._clock() if self._clock else None,
                            send=self._send, first_retry_s=self._first_retry_s)
            except Exception:  # the outbox keeps its rows; the next round tries again
                log.exception("delivering notifications failed")
            self._stop.wait(self._poll_s)
