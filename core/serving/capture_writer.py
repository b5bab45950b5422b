"""Append capture records to hourly JSON Lines files from one writer thread.

Request threads only queue a record (a ready line, or a function that builds it); the writer
thread builds the lines and appends each batch with one ``write(2)`` on an ``O_APPEND`` file
descriptor. Guarantees, in the words of :meth:`CaptureWriter.write`:

* ``wait=False`` (the endpoint's default): when ``write`` returns, the record is queued; the
  writer writes it within milliseconds (it lingers ``LINGER_SECONDS`` after a batch so that
  under load one wake-up and one ``write(2)`` serve many records). A graceful stop (:meth:`close`,
  SIGTERM) writes every queued record before the process exits. A killed process loses only
  the records still queued: those the writer has not yet acknowledged as written
  (``written`` counts the acknowledged ones).
* ``wait=True`` (``--sync-capture``): ``write`` returns True only after the record's line was
  handed to the kernel, so an answered request is a written record even if the process is
  killed the next instant.

Written data survives a killed process (the page cache belongs to the kernel); it survives a
power cut once fsync'd, which the writer does when it closes a file (hour roll-over, stop).
Each batch is whole lines in one ``os.write``, so a killed process can at worst leave one
unterminated last line, never a broken line followed by more data; readers skip it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from core.formats.capture import capture_file_path

log = logging.getLogger(__name__)

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)

LINGER_SECONDS = 0.005  # after a batch, without waiters: records reach the file this late
Line = bytes | Callable[[], bytes]  # a JSON line, or a function the writer calls to build it


class CaptureWriter:
    """Group-commit writer: request threads enqueue, one thread writes batches of lines.

    Files: ``{root}/{endpoint}/{variant}/yyyy/mm/dd/HH/{MM}-{SS}-{mmm}-{uuid}.jsonl``, one file
    per hour per writer, named after its first record's time.
    """

    def __init__(self, root: str | Path, endpoint: str, variant: str) -> None:
        self.root, self.endpoint, self.variant = Path(root), endpoint, variant
        self.written = 0  # records handed to the kernel
        self.failed = 0  # records lost to an error (logged)
        self._lock = threading.Lock()
        self._has_work = threading.Condition(self._lock)
        self._done = threading.Condition(self._lock)
        self._pending: list[tuple[int, Line, datetime]] = []
        self._lost: set[int] = set()  # sequence numbers whose write failed (for waiters)
        self._queued = 0  # sequence number of the last queued record
        self._finished = 0  # sequence number of the last record written (or failed)
        self._waiters = 0  # threads in write(wait=True); they never wait for a linger
        self._linger_next = False
        self._writer_idle = False  # the writer waits for work (and needs a notify)
        self._closing = False
        self._files: dict[tuple, int] = {}  # UTC (year, month, day, hour) -> open fd
        self._thread = threading.Thread(target=self._run, name=f"capture-{endpoint}", daemon=True)
        self._thread.start()

    def write(self, line: Line, when: datetime, *, wait: bool = False,
              timeout: float = 30.0) -> bool:
        """Queue one record captured at ``when`` (its hour picks the folder).

        Args:
            line: the encoded JSON line, or a function returning it (called by the writer).
            when: the record's inference time.
            wait: return only once the line is written (see the module docstring).
            timeout: the longest wait, in seconds.

        Returns:
            False if the writer is closed; with ``wait``, also False if the record could not
            be written (or not within ``timeout``); True otherwise.
        """
        with self._lock:
            if self._closing:
                return False
            self._queued += 1
            seq = self._queued
            self._pending.append((seq, line, when))
            if self._writer_idle:  # notify() costs microseconds; skip it while the writer lingers
                self._has_work.notify()
            if not wait:
                return True
            self._waiters += 1
            try:
                if not self._done.wait_for(lambda: self._finished >= seq, timeout):
                    return False
            finally:
                self._waiters -= 1
            if seq in self._lost:
                self._lost.discard(seq)
                return False
            return True

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued, fsync and close the files; later writes return False."""
        with self._lock:
            self._closing = True
            self._has_work.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            if self._linger_next:
                # Let a few more records arrive: one wake-up and one write(2) serve them all.
                time.sleep(LINGER_SECONDS)
            with self._lock:
                self._writer_idle = True
                self._has_work.wait_for(lambda: self._pending or self._closing)
                self._writer_idle = False
                batch, self._pending = self._pending, []
                upto = self._queued
                closing = self._closing
            lost = self._write_batch(batch) if batch else set()
            with self._lock:
                self.written += len(batch) - len(lost)
                self.failed += len(lost)
                if self._waiters:
                    self._lost |= lost
                self._finished = upto
                self._done.notify_all()
                if closing and not self._pending:
                    break
                self._linger_next = bool(batch) and not self._waiters and not self._closing
        self._close_files()

    def _write_batch(self, batch: list[tuple[int, Line, datetime]]) -> set[int]:
        """Build and write a batch grouped by hour folder; returns the sequence numbers lost."""
        groups: dict[tuple, list[tuple[int, bytes, datetime]]] = {}
        lost: set[int] = set()
        for seq, line, when in batch:
            try:
                data = line if isinstance(line, bytes) else line()
            except Exception:  # a record that cannot be built is lost, not the writer
                log.exception("capture record could not be built")
                lost.add(seq)
                continue
            groups.setdefault(_hour_key(when), []).append((seq, data, when))
        for hour, items in groups.items():
            try:
                _write_all(self._fd_for(hour, items[0][2]), b"".join(i[1] for i in items))
            except OSError as error:
                log.error("capture write for hour %s failed, %d records lost: %s", hour,
                          len(items), error)
                lost.update(i[0] for i in items)
                self._forget(hour)
        return lost

    def _fd_for(self, hour: tuple, first: datetime) -> int:
        fd = self._files.get(hour)
        if fd is None:
            # A new hour: the hours before it will see no more records from this writer.
            for old in [h for h in self._files if h < hour]:
                self._forget(old)
            path = capture_file_path(self.root, self.endpoint, self.variant, first,
                                     file_id=str(uuid.uuid4()))
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = self._files[hour] = os.open(path, _OPEN_FLAGS, 0o644)
        return fd

    def _forget(self, hour: tuple) -> None:
        fd = self._files.pop(hour, None)
        if fd is not None:
            try:
                os.fsync(fd)
            except OSError as error:
                log.warning("fsync of capture file for hour %s failed: %s", hour, error)
            os.close(fd)

    def _close_files(self) -> None:
        for hour in list(self._files):
            self._forget(hour)


def _hour_key(when: datetime) -> tuple:
    """The UTC hour of ``when`` as a sortable tuple (cheap: no Path per record)."""
    if when.tzinfo is not None and when.utcoffset():
        when = when.astimezone(UTC)
    return (when.year, when.month, when.day, when.hour)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
