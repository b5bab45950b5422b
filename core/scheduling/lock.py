"""One scheduler per workspace: an OS file lock that the kernel releases when its process dies."""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import AppError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

LOCK_NAME = "scheduler.lock"


class SchedulerLockedError(AppError):
    """Another scheduler already drives this workspace."""


class SchedulerLock:
    """An exclusive, non-blocking lock on ``{workspace}/scheduler.lock`` holding the owner's pid."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise :class:`SchedulerLockedError` naming the process that has it."""
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            owner = self.owner_pid()
            who = f" (process {owner})" if owner else ""
            raise SchedulerLockedError(
                f"Another scheduler{who} is already running executions for the workspace "
                f"{self.path.parent}; only one may drive a workspace at a time.") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            _unlock(fd)
        finally:
            os.close(fd)

    def owner_pid(self) -> int | None:
        """The pid written by the current holder, if any (informational only)."""
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def is_locked_elsewhere(self) -> bool:
        """True when some other holder has the lock right now (a probe: takes and drops it)."""
        if self._fd is not None:
            return False
        try:
            self.acquire()
        except SchedulerLockedError:
            return True
        self.release()
        return False


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
