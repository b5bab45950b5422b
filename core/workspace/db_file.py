"""The workspace database file itself: made new safely, refused when its content is gone, backed
up before a migration and once a day, owner-only (used by ``Workspace.open``)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from core import permissions
from core.workspace import backup
from core.workspace.db import Database, WorkspaceDatabaseError
from core.workspace.schema import SCHEMA_VERSION, migrate, schema_version

log = logging.getLogger(__name__)

DB_NAME = backup.DB_NAME


def private_folder(folder: Path, root: Path) -> Path:
    """A workspace folder, owner-only (created, or tightened up to ``root``)."""
    return permissions.make_private_dirs(folder, top=root)


def open_database(root: Path) -> Database:
    """The workspace's database, made if the workspace is new, migrated (after a backup) and
    backed up once a day.

    Raises:
        WorkspaceDatabaseError: the file is empty (0 bytes), missing beside backups, or damaged;
            never replaced by an empty database.
    """
    db_path = root / DB_NAME
    created = create_if_new(db_path, root)
    for path in (db_path, *(Path(f"{db_path}{s}") for s in backup.SIDE_FILES)):
        permissions.make_private(path)
    db = Database(db_path)
    try:
        db.enable_wal()
        if 0 < db.read(schema_version) < SCHEMA_VERSION:
            backup.backup_database(db_path, root, backup.BEFORE_MIGRATION)
        applied = db.write(migrate)
        if not created:
            daily_backup(db_path, root)
    except BaseException:
        db.close()
        raise
    if applied:
        log.info("workspace %s: schema updated (%d migrations)", root, applied)
    return db


def create_if_new(db_path: Path, root: Path) -> bool:
    """Make a new database, unless one is there; refuse one that lost its content.

    A new database is built beside the target and linked into place, so another process never
    sees a half-made (0-byte) file. Returns True when this call made the database.
    """
    try:
        size = db_path.stat().st_size
    except FileNotFoundError:
        size = None
    if size == 0:
        raise WorkspaceDatabaseError(
            f"The workspace database {db_path} is empty (0 bytes), so its history is gone; it "
            f"is left as it is: `python main.py workspace restore --workspace {root}` brings "
            f"back the newest good backup.")
    if size is not None:
        return False
    if backup.list_backups(root):
        raise WorkspaceDatabaseError(
            f"The workspace database {db_path} is missing but {backup.backups_dir(root)} holds "
            f"backups of it; `python main.py workspace restore --workspace {root}` brings back "
            f"the newest good one (no empty database is made in its place).")
    partial = root / f".{DB_NAME}.{os.getpid()}.new"
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, permissions.PRIVATE_FILE))
    fresh = Database(partial)
    try:
        fresh.enable_wal()
        fresh.write(migrate)
        fresh.close()
        try:
            os.link(partial, db_path)  # fails if another process made it first: use theirs
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            if db_path.exists():
                return False
            os.replace(partial, db_path)
        return True
    finally:
        fresh.close()
        for path in (partial, *(Path(f"{partial}{s}") for s in backup.SIDE_FILES)):
            path.unlink(missing_ok=True)


def daily_backup(db_path: Path, root: Path) -> None:
    """The daily backup; a damaged database raises, a full or read-only disk only warns (the
    workspace stays usable, and ``workspace check`` shows how old the newest backup is)."""
    try:
        backup.backup_if_due(db_path, root)
    except OSError as error:
        log.warning("cannot back up %s: %s", db_path, error.strerror or error)
    except WorkspaceDatabaseError as error:
        if error.damaged:
            raise
        log.warning("cannot back up %s: %s", db_path, error)
