"""One permission policy for captured payloads and workspace data: owner-only.

Files that hold captured requests, reports, baselines or the workspace database are 0600 and the
folders that hold them 0700, whatever the umask, so other local users read none of it. Folders
that already exist are tightened too (their group and other bits cleared).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def make_private_dirs(folder: str | os.PathLike, *, top: str | os.PathLike | None = None) -> Path:
    """Create ``folder`` (and missing parents) as 0700 folders; tighten the ones below ``top``.

    Folders this call creates are always 0700. Existing folders between ``top`` (inclusive) and
    ``folder`` are tightened as well; folders above ``top`` (the user's own) are left alone.
    """
    path = os.fspath(folder)
    missing, probe = [], path
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        missing.append(probe)
        probe = parent
    if missing:
        os.makedirs(path, mode=PRIVATE_DIR, exist_ok=True)
        for created in missing:  # makedirs' mode is filtered by the umask; set it exactly
            _chmod(created, PRIVATE_DIR)
    elif not os.path.isdir(path):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path)
    if top is not None:
        top_path, current = os.path.normpath(top), os.path.normpath(path)
        inside = top_path.rstrip(os.sep) + os.sep
        while True:
            _tighten(current, PRIVATE_DIR)
            parent = os.path.dirname(current)
            if current == top_path or not (parent == top_path or parent.startswith(inside)):
                break
            current = parent
    return Path(folder)


def open_private(path: str | os.PathLike, flags: int) -> int:
    """``os.open`` with 0600 for a new file, its folders made 0700 first; an existing file is
    tightened to 0600. Returns the file descriptor."""
    path = Path(path)
    make_private_dirs(path.parent)
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o077:
            os.fchmod(fd, mode & ~0o077)
    except OSError as error:  # not our file: keep writing, say so once
        log.warning("cannot tighten permissions of %s: %s", path, error)
    return fd


def make_private(path: str | os.PathLike) -> None:
    """Clear the group and other bits of an existing file or folder (missing: nothing)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    _tighten(path, PRIVATE_DIR if stat.S_ISDIR(mode) else PRIVATE_FILE, mode)


def _tighten(path, at_most: int, mode: int | None = None) -> None:
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode if mode is None else mode)
    except FileNotFoundError:
        return
    if mode & ~at_most & 0o777:
        _chmod(path, mode & at_most)


def _chmod(path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except OSError as error:  # someone else's folder: the data is still written
        log.warning("cannot set permissions %o on %s: %s", mode, path, error)
