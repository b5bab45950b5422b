"""One permission policy for captured payloads and workspace data: owner-only.

Files that hold captured requests, reports, baselines or the workspace database are 0600 and the
folders that hold them 0700, whatever the umask, so other local users read none of it. Folders
that already exist are tightened too (their group and other bits cleared).
"""

from __future__ import annotations

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
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    for created in missing:  # mkdir's mode is filtered by the umask; set it exactly
        _chmod(created, PRIVATE_DIR)
    if top is not None:
        top = Path(top)
        current = folder
        while True:
            _tighten(current, PRIVATE_DIR)
            if current == top or current == current.parent or top not in current.parents:
                break
            current = current.parent
    return folder


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
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    _tighten(path, PRIVATE_DIR if stat.S_ISDIR(mode) else PRIVATE_FILE)


def _tighten(path: Path, at_most: int) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & ~at_most & 0o777:
        _chmod(path, mode & at_most)


def _chmod(path: Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except OSError as error:  # someone else's folder: the data is still written
        log.warning("cannot set permissions %o on %s: %s", mode, path, error)
