"""Write files so that readers never see half of one: temp file in the same folder, then rename.

Files are 0600 (``mkstemp``) and folders this module creates 0700 (``core.permissions``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from core.permissions import make_private_dirs


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Atomically replace ``path`` with ``text``."""
    return write_bytes(path, text.encode(encoding))


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Atomically replace ``path`` with ``data`` (fsync'd before the rename)."""
    target = Path(path)
    make_private_dirs(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def publish_dir(staging: str | os.PathLike, final: str | os.PathLike) -> Path:
    """Move a fully written staging folder into place as ``final``, replacing an older one.

    The staging folder must be on the same file system (create it with :func:`staging_dir`),
    so the last step is a rename and a reader sees either the old folder or the new one.
    """
    staging, final = Path(staging), Path(final)
    make_private_dirs(final.parent)
    if final.exists():
        trash = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, trash)
        os.replace(staging, final)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(staging, final)
    return final


def staging_dir(final: str | os.PathLike) -> Path:
    """A fresh hidden folder beside ``final`` to write outputs into before :func:`publish_dir`."""
    final = Path(final)
    make_private_dirs(final.parent)
    return Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
