"""SQLite access shared by threads and processes: WAL, one connection per thread, retried writes.

Writers take the write lock up front (``BEGIN IMMEDIATE``) and keep transactions short, so
several processes (the app, endpoint servers, a headless scheduler) share one file safely.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from core.errors import AppError

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_S = 10.0  # SQLite's own wait for a lock, per statement
RETRY_DEADLINE_S = 60.0  # our bounded retry on top, for the rare busy that escapes the wait


class WorkspaceBusyError(AppError):
    """The workspace database stayed locked by another process for too long."""


class WorkspaceDatabaseError(AppError):
    """The workspace database file cannot be used: damaged, truncated, unreadable or full.

    ``damaged`` tells a file whose content is broken from one the system cannot write now.
    """

    def __init__(self, message: str, *, damaged: bool = True) -> None:
        super().__init__(message)
        self.damaged = damaged


def database_error(path: str | os.PathLike, error: sqlite3.DatabaseError) -> WorkspaceDatabaseError:
    """One sentence for an SQLite failure, pointing at the commands that repair a damaged file."""
    text = str(error)
    if _is_damage(error):
        return WorkspaceDatabaseError(
            f"The workspace database {path} is damaged ({text}); `python main.py workspace "
            f"check` lists the damage and `python main.py workspace restore` brings back the "
            f"newest good backup.")
    return WorkspaceDatabaseError(f"The workspace database {path} cannot be used ({text}).",
                                  damaged=False)


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    text = str(error).lower()
    return (type(error) is sqlite3.DatabaseError or "malformed" in text
            or "not a database" in text or "corrupt" in text)


def to_db_time(when: datetime | None) -> str | None:
    """A fixed-width UTC text that sorts in time order (naive datetimes are taken as UTC)."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str | None) -> datetime | None:
    """The inverse of :func:`to_db_time`: an aware UTC datetime."""
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


class Database:
    """One SQLite file; hands each thread (and each forked process) its own connection."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[tuple[int, threading.Thread, sqlite3.Connection]] = []
        self._all_lock = threading.Lock()
        self._closed = False

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (again after a fork)."""
        if self._closed:
            raise AppError(f"The workspace database {self.path} is closed.")
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a crash loses no committed txn
        self._local.conn, self._local.pid = conn, os.getpid()
        with self._all_lock:
            finished = [c for pid, t, c in self._all if pid == os.getpid() and not t.is_alive()]
            self._all = [e for e in self._all if e[2] not in finished]
            self._all.append((os.getpid(), threading.current_thread(), conn))
        for old in finished:  # threads that ended keep no file handle open
            old.close()
        return conn

    def enable_wal(self) -> None:
        """Switch the file to write-ahead logging (persistent, so done once per file)."""
        mode = self._retry(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0])
        if str(mode).lower() != "wal":
            mode = self._retry(lambda c: c.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            if str(mode).lower() != "wal":
                raise AppError(f"The workspace database {self.path} cannot use WAL mode "
                               f"(the file system gave {mode!r}).")

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in one short write transaction, retried whole if the file is busy."""

        def attempt(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
                return result
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        return self._retry(attempt)

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` for reading; in WAL mode readers never wait for writers."""
        return self._retry(fn)

    def _retry(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        deadline = time.monotonic() + RETRY_DEADLINE_S
        delay = 0.01
        while True:
            try:
                return fn(self.connection())
            except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise  # the caller's statement, not the file
            except sqlite3.DatabaseError as error:
                if not (isinstance(error, sqlite3.OperationalError) and _is_busy(error)):
                    raise database_error(self.path, error) from error
                if time.monotonic() >= deadline:
                    raise WorkspaceBusyError(
                        f"The workspace database {self.path} stayed locked by another program "
                        f"for over {RETRY_DEADLINE_S:.0f} s.") from error
                log.debug("workspace database busy (%s); retrying in %.2f s", error, delay)
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.5)

    def close(self) -> None:
        """Close every connection this object opened (from any thread)."""
        self._closed = True
        with self._all_lock:
            conns, self._all = self._all, []
        for pid, _thread, conn in conns:
            if pid == os.getpid():  # a connection inherited across a fork belongs to the parent
                conn.close()
