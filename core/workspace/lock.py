"""Who drives a workspace: an OS lock on the workspace folder itself, freed when its process dies.

The lock is a ``flock`` on the folder's own file descriptor, not on a file in it, so deleting or
replacing a file cannot free it (an earlier lock file could be removed, letting a second
scheduler in). ``scheduler.pid`` beside it only says which process holds the lock; removing it
changes nothing. ``workspace.db`` is never locked this way: that would fight SQLite's own locks.
On Windows, where a folder cannot be locked, the lock is a byte-range lock on an open
``scheduler.pid``, which Windows does not let anyone delete while it is open.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import AppError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

PID_NAME = "scheduler.pid"


class WorkspaceLockedError(AppError):
    """Another process (an app or a scheduler) drives this workspace."""


class WorkspaceLock:
    """An exclusive, non-blocking lock on the workspace folder ``folder``.

    Args:
        folder: the workspace folder (it must exist).
        refusal: the sentence of the error when another process holds the lock; ``{who}`` is
            replaced by " (process N)" when the holder is known, ``{folder}`` by the folder.
    """

    refusal = ("Another program{who} is using the workspace {folder}; only one may drive a "
               "workspace at a time.")
    error_type: type[AppError] = WorkspaceLockedError

    def __init__(self, folder: str | os.PathLike, *, refusal: str | None = None) -> None:
        self.folder = Path(folder)
        if refusal is not None:
            self.refusal = refusal
        self.pid_path = self.folder / PID_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise ``error_type`` naming the process that has it."""
        if self._fd is not None:
            return
        try:
            fd = _open_lock_target(self.folder, self.pid_path)
        except OSError as error:
            raise AppError(f"Cannot lock the workspace {self.folder}: "
                           f"{error.strerror or error}.") from error
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            owner = self.owner_pid()
            who = f" (process {owner})" if owner else ""
            raise self.error_type(self.refusal.format(who=who, folder=self.folder)) from None
        self._fd = fd
        self._write_pid()

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if fcntl is not None:
                self.pid_path.unlink(missing_ok=True)
            _unlock(fd)
        finally:
            os.close(fd)

    def owner_pid(self) -> int | None:
        """The pid written by the current holder, if any (informational only)."""
        try:
            text = self.pid_path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def is_locked_elsewhere(self) -> bool:
        """True when some other holder has the lock right now (a probe: takes and drops it)."""
        if self._fd is not None:
            return False
        try:
            self.acquire()
        except self.error_type:
            return True
        self.release()
        return False

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def _write_pid(self) -> None:
        pid = str(os.getpid()).encode()
        if fcntl is None:  # the locked file is the pid file itself
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            os.write(self._fd, pid)
            return
        try:
            fd = os.open(self.pid_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)
        except OSError:
            pass  # only informational


def _open_lock_target(folder: Path, pid_path: Path) -> int:
    if fcntl is not None:
        return os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    return os.open(pid_path, os.O_RDWR | os.O_CREAT, 0o600)


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
