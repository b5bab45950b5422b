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

Capture that cannot be written is never lost silently. A batch whose write fails (the
destination is unwritable, the disk is full) is kept in memory, up to ``RETRY_LIMIT_BYTES``,
and retried every ``RETRY_SECONDS``; a partly written batch is cut back first, so a retry
leaves no torn line and no duplicate. A capture file deleted under the writer (its hour folder
removed mid-traffic) is noticed after each write, and the batch is written again into a fresh
file in a recreated folder. :meth:`CaptureWriter.stats` counts answered, captured, failed and
retrying records and says whether capture is failing (the endpoint is then Degraded); with
``refuse_when_failing`` the server refuses requests (503) while it is.

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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.formats.capture import capture_file_path
from core.names import contained, validate_name

log = logging.getLogger(__name__)

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)

LINGER_SECONDS = 0.005  # after a batch, without waiters: records reach the file this late
RETRY_SECONDS = 0.5  # while capture fails, how often the records kept in memory are retried
RETRY_LIMIT_BYTES = 64 * 1024 * 1024  # beyond this, the oldest kept records are dropped (failed)
IN_SERVICE, DEGRADED = "InService", "Degraded"
Line = bytes | Callable[[], bytes]  # a JSON line, or a function the writer calls to build it


@dataclass(frozen=True)
class CaptureStats:
    """A snapshot of one writer's counts (see :meth:`CaptureWriter.stats`)."""

    answered: int  # requests answered 200 (sampled or not)
    captured: int  # records handed to the kernel, in a file that still exists
    failed: int  # records lost for good (could not be built, dropped, or unwritten at stop)
    retrying: int  # records whose write failed, kept in memory and retried
    refused: int  # requests answered 503 because capture was failing (refuse_when_failing)
    state: str  # InService, or Degraded while capture fails
    reason: str  # why it is Degraded (or what went wrong last); empty when all is well

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class CaptureWriter:
    """Group-commit writer: request threads enqueue, one thread writes batches of lines.

    Files: ``{root}/{endpoint}/{variant}/yyyy/mm/dd/HH/{MM}-{SS}-{mmm}-{uuid}.jsonl``, one file
    per hour per writer, named after its first record's time.

    Raises:
        ValidationError: ``endpoint`` or ``variant`` is not a valid name.
    """

    def __init__(self, root: str | Path, endpoint: str, variant: str, *,
                 refuse_when_failing: bool = False) -> None:
        validate_name(endpoint, "endpoint")
        validate_name(variant, "variant")
        contained(root, endpoint, variant)
        self.root, self.endpoint, self.variant = Path(root), endpoint, variant
        self.refuse_when_failing = refuse_when_failing
        self.answered = 0  # requests answered (count_answered)
        self.written = 0  # records handed to the kernel
        self.failed = 0  # records lost for good (logged)
        self.refused = 0  # requests refused while capture failed
        self.last_error = ""  # the latest write failure, as a sentence
        self._lock = threading.Lock()
        self._has_work = threading.Condition(self._lock)
        self._done = threading.Condition(self._lock)
        self._pending: list[tuple[int, Line, datetime]] = []
        self._lost: set[int] = set()  # sequence numbers whose write failed (for waiters)
        self._waiting: set[int] = set()  # sequence numbers a write(wait=True) waits for
        self._retry: deque[tuple[int, bytes, datetime]] = deque()  # failed writes, oldest first
        self._retry_bytes = 0
        self._next_retry = 0.0  # time.monotonic() of the next retry
        self._failing = False  # the latest write attempt failed
        self._queued = 0  # sequence number of the last queued record
        self._finished = 0  # sequence number of the last record written (or failed)
        self._waiters = 0  # threads in write(wait=True); they never wait for a linger
        self._linger_next = False
        self._writer_idle = False  # the writer waits for work (and needs a notify)
        self._closing = False
        self._files: dict[tuple, int] = {}  # UTC (year, month, day, hour) -> open fd
        self._sizes: dict[int, int] = {}  # fd -> bytes written to it (a failed write is cut)
        self._probe()  # an unusable destination shows before the first request, not after
        self._thread = threading.Thread(target=self._run, name=f"capture-{endpoint}", daemon=True)
        self._thread.start()

    def write(self, line: Line, when: datetime, *, wait: bool = False,
              timeout: float = 30.0, answered: bool = False) -> bool:
        """Queue one record captured at ``when`` (its hour picks the folder).

        Args:
            line: the encoded JSON line, or a function returning it (called by the writer).
            when: the record's inference time.
            wait: return only once the line is written (see the module docstring).
            timeout: the longest wait, in seconds.
            answered: also count one request answered (under the same lock: the hot path).

        Returns:
            False if the writer is closed; with ``wait``, also False if the record could not
            be written (or not within ``timeout``); True otherwise. A record whose write
            failed is kept and retried, except that with ``refuse_when_failing`` a waiting
            record is withdrawn: its request is to be refused, so it must not be captured.
        """
        with self._lock:
            if self._closing:
                self.failed += 1  # a request answered while stopping: its record is lost
                return False
            self._queued += 1
            self.answered += answered
            seq = self._queued
            self._pending.append((seq, line, when))
            if self._writer_idle:  # notify() costs microseconds; skip it while the writer lingers
                self._has_work.notify()
            if not wait:
                return True
            self._waiters += 1
            self._waiting.add(seq)
            try:
                if not self._done.wait_for(lambda: self._finished >= seq, timeout):
                    return False
            finally:
                self._waiters -= 1
                self._waiting.discard(seq)
            if seq in self._lost:
                self._lost.discard(seq)
                return False
            return True

    def capture(self, line: Line | None, when: datetime, *, wait: bool = False) -> bool:
        """The server's one call for each request it is about to answer 200.

        Args:
            line: the request's capture record (see :meth:`write`); None when not sampled.
            when: the request's inference time.
            wait: the endpoint's synchronous capture mode.

        Returns:
            False if the request must be refused (503) instead: ``refuse_when_failing`` is set
            and capture is failing, or (with ``wait``) this record could not be written.
        """
        if self.refusing:
            self.count_refused()
            return False
        if line is None:
            self.count_answered()
            return True
        if self.write(line, when, wait=wait, answered=True):
            return True
        if self.refuse_when_failing:
            with self._lock:  # counted as answered by write(): it is refused after all
                self.answered -= 1
                self.refused += 1
            return False
        log.error("capture record of a request at %s is not written yet: %s", when,
                  self.last_error or "the writer is stopping")
        return True

    @property
    def failing(self) -> bool:
        """Capture is failing: records wait in memory for a retry, or the last write failed."""
        return self._failing or bool(self._retry)

    @property
    def refusing(self) -> bool:
        """Requests are to be refused: ``refuse_when_failing`` is set and capture is failing."""
        return self.refuse_when_failing and self.failing

    def count_answered(self) -> None:
        """Note one request answered 200 (called by the server)."""
        with self._lock:
            self.answered += 1

    def count_refused(self) -> None:
        """Note one request refused because capture was failing (called by the server)."""
        with self._lock:
            self.refused += 1

    def stats(self) -> CaptureStats:
        """The counts and the state (Degraded while capture fails) at this instant."""
        with self._lock:
            retrying, failing = len(self._retry), self.failing
            reason = ""
            if failing:
                reason = (f"Capture is failing: {self.last_error} "
                          f"({retrying} records waiting for a retry, {self.failed} lost).")
            elif self.failed:
                reason = f"{self.failed} capture records were lost; last error: {self.last_error}"
            return CaptureStats(self.answered, self.written, self.failed, retrying, self.refused,
                                DEGRADED if failing else IN_SERVICE, reason)

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued (one last retry of what failed), fsync and close the files;
        later writes return False. Records still unwritable are counted as failed."""
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
                wait = (max(0.0, self._next_retry - time.monotonic())
                        if self._retry or self._failing else None)
                self._has_work.wait_for(lambda: self._pending or self._closing, wait)
                self._writer_idle = False
                batch, self._pending = self._pending, []
                upto = self._queued
                closing = self._closing
                withdraw = set(self._waiting) if self.refuse_when_failing else set()
            lost, written, dropped = self._process(batch, closing, withdraw)
            with self._lock:
                self.written += written
                self.failed += dropped
                if self._waiters:
                    self._lost |= lost
                self._finished = upto
                self._done.notify_all()
                if closing and not self._pending:
                    break
                self._linger_next = bool(batch) and not self._waiters and not self._closing
        self._close_files()

    def _process(self, batch: list[tuple[int, Line, datetime]], closing: bool,
                 withdraw: set[int]) -> tuple[set[int], int, int]:
        """Build and write a batch, and the records kept for a retry when one is due.

        Returns (sequence numbers of this batch not written, records written, records lost).
        """
        built, lost = self._build(batch)
        dropped = len(lost)
        if self._retry and not closing and time.monotonic() < self._next_retry:
            # Capture is failing: new records queue behind the kept ones until the retry.
            lost |= {seq for seq, _, _ in built}
            dropped += self._keep(built, withdraw)
            return lost, 0, dropped
        items, self._retry, self._retry_bytes = [*self._retry, *built], deque(), 0
        if not items:
            if self._failing and time.monotonic() >= self._next_retry:
                self._probe()  # nothing to retry (refused requests): see if it works again
            return lost, 0, dropped
        unwritten = self._write_items(items)
        self._failing = bool(unwritten)
        if unwritten:
            self._next_retry = time.monotonic() + RETRY_SECONDS
            new = {seq for seq, _, _ in built}
            lost |= {seq for seq, _, _ in unwritten if seq in new}
            if closing:
                log.error("capture for endpoint %s: %d records could not be written before "
                          "stopping and are lost: %s", self.endpoint, len(unwritten),
                          self.last_error)
                dropped += len(unwritten)
            else:
                dropped += self._keep(unwritten, withdraw)
        return lost, len(items) - len(unwritten), dropped

    def _build(self, batch: list[tuple[int, Line, datetime]]
               ) -> tuple[list[tuple[int, bytes, datetime]], set[int]]:
        built, lost = [], set()
        for seq, line, when in batch:
            try:
                built.append((seq, line if isinstance(line, bytes) else line(), when))
            except Exception:  # a record that cannot be built is lost, not the writer
                log.exception("capture record could not be built")
                lost.add(seq)
        return built, lost

    def _keep(self, items: list[tuple[int, bytes, datetime]], withdraw: set[int]) -> int:
        """Keep failed records for a retry; returns how many were dropped (lost) instead."""
        dropped = 0
        for item in items:
            if item[0] in withdraw:  # its request is refused: it must not be captured later
                continue
            self._retry.append(item)
            self._retry_bytes += len(item[1])
        while self._retry_bytes > RETRY_LIMIT_BYTES and self._retry:
            _, data, _ = self._retry.popleft()
            self._retry_bytes -= len(data)
            dropped += 1
        if dropped:
            log.error("capture for endpoint %s: %d records dropped, more than %d MB wait for "
                      "a retry", self.endpoint, dropped, RETRY_LIMIT_BYTES // 2**20)
        return dropped

    def _write_items(self, items: list[tuple[int, bytes, datetime]]
                     ) -> list[tuple[int, bytes, datetime]]:
        """Write records grouped by hour folder; returns those that could not be written."""
        groups: dict[tuple, list[tuple[int, bytes, datetime]]] = {}
        for item in items:
            groups.setdefault(_hour_key(item[2]), []).append(item)
        unwritten = []
        for hour, group in sorted(groups.items()):
            try:
                self._write_group(hour, group)
            except OSError as error:
                self.last_error = f"{error.filename or self.root}: {error.strerror or error}"
                log.error("capture write for hour %s failed, %d records kept for a retry: %s",
                          hour, len(group), self.last_error)
                unwritten.extend(group)
        return unwritten

    def _write_group(self, hour: tuple, group: list[tuple[int, bytes, datetime]]) -> None:
        data = b"".join(item[1] for item in group)
        for attempt in range(3):
            try:
                fd = self._fd_for(hour, group[0][2])
            except FileNotFoundError:  # the folder went away between mkdir and open
                if attempt == 2:
                    raise
                continue
            size = self._sizes[fd]
            try:
                _write_all(fd, data)
            except OSError:
                _cut_back(fd, size)  # no torn line, no duplicate when retried
                self._forget(hour)
                raise
            self._sizes[fd] = size + len(data)
            if os.fstat(fd).st_nlink:
                return
            # The file was deleted under us (its folder removed): these lines went nowhere.
            log.warning("capture file for hour %s of endpoint %s was deleted; writing %d "
                        "records to a new file", hour, self.endpoint, len(group))
            self._forget(hour)
        raise OSError(f"capture files under {self.root} keep being deleted")

    def _probe(self) -> None:
        """Check the destination takes files (create and remove one); sets the failing state."""
        folder = self.root / self.endpoint / self.variant
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".probe-{uuid.uuid4()}"
            os.close(os.open(probe, _OPEN_FLAGS | os.O_EXCL, 0o644))
            probe.unlink()
        except OSError as error:
            self.last_error = f"{error.filename or folder}: {error.strerror or error}"
            log.error("capture destination of endpoint %s is not writable: %s", self.endpoint,
                      self.last_error)
            self._failing = True
            self._next_retry = time.monotonic() + RETRY_SECONDS
        else:
            self._failing = False

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
            self._sizes[fd] = 0  # a new file: its name holds a fresh uuid
        return fd

    def _forget(self, hour: tuple) -> None:
        fd = self._files.pop(hour, None)
        if fd is not None:
            self._sizes.pop(fd, None)
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


def _cut_back(fd: int, size: int) -> None:
    """Remove what a failed write appended after ``size`` bytes."""
    try:
        os.ftruncate(fd, size)
    except OSError as error:
        log.warning("could not cut a partly written capture batch back: %s", error)
