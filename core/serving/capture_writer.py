"""Append capture records to hourly JSON Lines files from one writer thread.

Guarantee: :meth:`CaptureWriter.write` returns True only after the record's whole line has
been handed to the kernel by ``write(2)`` on an ``O_APPEND`` file descriptor. From then on it
survives the server process being killed (the page cache belongs to the kernel); it survives
a power cut only after the file's ``fsync``, which happens when the writer closes the file
(hour roll-over and graceful stop). Request threads wait for that hand-off before they answer,
so an acknowledged request is a written record. Each batch is one ``os.write`` of whole lines,
so a killed process can at worst leave one unterminated last line, never a line that is
followed by more data; readers skip such a fragment.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from datetime import datetime
from pathlib import Path

from core.formats.capture import capture_file_path, hour_folder

log = logging.getLogger(__name__)

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)


class CaptureWriter:
    """Group-commit writer: request threads enqueue, one thread writes batches of lines.

    Files: ``{root}/{endpoint}/{variant}/yyyy/mm/dd/HH/{MM}-{SS}-{mmm}-{uuid}.jsonl``, one file
    per hour per writer, named after its first record's time.
    """

    def __init__(self, root: str | Path, endpoint: str, variant: str) -> None:
        self.root, self.endpoint, self.variant = Path(root), endpoint, variant
        self.written = 0  # records handed to the kernel
        self.failed = 0  # records lost to an I/O error (logged)
        self._lock = threading.Lock()
        self._has_work = threading.Condition(self._lock)
        self._done = threading.Condition(self._lock)
        self._pending: list[tuple[int, bytes, datetime]] = []
        self._lost: set[int] = set()  # sequence numbers whose write failed
        self._queued = 0  # sequence number of the last queued record
        self._finished = 0  # sequence number of the last record written (or failed)
        self._closing = False
        self._files: dict[Path, int] = {}  # hour folder -> open fd
        self._thread = threading.Thread(target=self._run, name=f"capture-{endpoint}", daemon=True)
        self._thread.start()

    def write(self, line: bytes, when: datetime, timeout: float = 30.0) -> bool:
        """Queue one encoded line captured at ``when``; wait until it is written.

        Returns:
            True once written; False if the writer is closed, failed to write it, or did not
            get to it within ``timeout`` seconds.
        """
        with self._lock:
            if self._closing:
                return False
            self._queued += 1
            seq = self._queued
            self._pending.append((seq, line, when))
            self._has_work.notify()
            if not self._done.wait_for(lambda: self._finished >= seq, timeout):
                return False
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
            with self._lock:
                self._has_work.wait_for(lambda: self._pending or self._closing)
                batch, self._pending = self._pending, []
                upto = self._queued
                closing = self._closing
            lost = self._write_batch(batch) if batch else set()
            with self._lock:
                self.written += len(batch) - len(lost)
                self.failed += len(lost)
                self._lost |= lost
                self._finished = upto
                self._done.notify_all()
                if closing and not self._pending:
                    break
        self._close_files()

    def _write_batch(self, batch: list[tuple[int, bytes, datetime]]) -> set[int]:
        """Write a batch grouped by hour folder; returns the sequence numbers lost."""
        groups: dict[Path, list[tuple[int, bytes, datetime]]] = {}
        for item in batch:
            folder = hour_folder(self.root, self.endpoint, self.variant, item[2])
            groups.setdefault(folder, []).append(item)
        lost: set[int] = set()
        for folder, items in groups.items():
            try:
                _write_all(self._fd_for(folder, items[0][2]), b"".join(i[1] for i in items))
            except OSError as error:
                log.error("capture write to %s failed, %d records lost: %s", folder,
                          len(items), error)
                lost.update(i[0] for i in items)
                self._forget(folder)
        return lost

    def _fd_for(self, folder: Path, first: datetime) -> int:
        fd = self._files.get(folder)
        if fd is None:
            # A new hour: the hours before it will see no more records from this writer.
            for old in [f for f in self._files if f < folder]:
                self._forget(old)
            path = capture_file_path(self.root, self.endpoint, self.variant, first,
                                     file_id=str(uuid.uuid4()))
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = self._files[folder] = os.open(path, _OPEN_FLAGS, 0o644)
        return fd

    def _forget(self, folder: Path) -> None:
        fd = self._files.pop(folder, None)
        if fd is not None:
            try:
                os.fsync(fd)
            except OSError as error:
                log.warning("fsync of capture file in %s failed: %s", folder, error)
            os.close(fd)

    def _close_files(self) -> None:
        for folder in list(self._files):
            self._forget(folder)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
