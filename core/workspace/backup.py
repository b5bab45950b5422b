"""Copies of ``workspace.db`` in ``{workspace}/backups``, made with SQLite's online backup API.

A backup is taken once a day (by the first open or scheduler tick after the newest one turned a
day old) and before every schema migration; each is checked with ``PRAGMA integrity_check``
before it gets its final name, so a damaged database never pushes a good backup out. The
newest ``KEEP`` of each kind are kept. ``restore_database`` puts a good backup back in place and
keeps the file it replaces (with its WAL) aside in ``backups/replaced-*``, never deleting it.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core import permissions
from core.errors import AppError
from core.workspace.db import database_error
from core.workspace.lock import WorkspaceLock
from core.workspace.schema import SCHEMA_VERSION

try:
    import fcntl
except ImportError:  # Windows: concurrent daily backups only cost a second copy
    fcntl = None

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
DB_NAME = "workspace.db"
DAILY, BEFORE_MIGRATION, MANUAL = "daily", "before-migration", "manual"
KEEP = 7  # newest backups kept per kind
DAILY_EVERY = timedelta(days=1)
SIDE_FILES = ("-wal", "-shm", "-journal")
_NAME = re.compile(r"^workspace-(\d{8}T\d{6}\d{6}Z)-([a-z-]+)\.db$")
_STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime
    kind: str


@dataclass(frozen=True)
class Restored:
    source: Path
    replaced: Path | None  # the folder now holding the file that was replaced (None: no file)


def backups_dir(root: str | os.PathLike) -> Path:
    return Path(root) / BACKUP_DIR


def list_backups(root: str | os.PathLike) -> list[Backup]:
    """The workspace's backups, newest first."""
    folder = backups_dir(root)
    found = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        match = _NAME.match(entry.name)
        if match and entry.is_file():
            taken = datetime.strptime(match[1], _STAMP).replace(tzinfo=UTC)
            found.append(Backup(Path(entry.path), taken, match[2]))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def backup_database(db_path: str | os.PathLike, root: str | os.PathLike, kind: str, *,
                    now: datetime | None = None) -> Backup:
    """Copy the live database into ``backups/`` with SQLite's backup API; check, then publish.

    Raises:
        WorkspaceDatabaseError: the copy fails its integrity check (the database is damaged);
            no backup is kept and older ones stay.
    """
    when = (now or datetime.now(UTC)).astimezone(UTC)
    folder = permissions.make_private_dirs(backups_dir(root), top=root)
    final = folder / f"workspace-{when.strftime(_STAMP)}-{kind}.db"
    partial = folder / f".{final.name}.{os.getpid()}.partial"
    try:
        _copy_database(Path(db_path), partial)
        problems = integrity_problems(partial, quick=True)
        if problems:
            raise database_error(db_path, sqlite3.DatabaseError(problems[0]))
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    _prune(root, kind)
    log.info("workspace database backed up to %s", final)
    return Backup(final, when, kind)


def backup_if_due(db_path: str | os.PathLike, root: str | os.PathLike, *,
                  now: datetime | None = None) -> Backup | None:
    """The daily backup, when the newest backup is a day old (or there is none)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    newest = next(iter(list_backups(root)), None)
    if newest is not None and now - newest.taken_at < DAILY_EVERY:
        return None
    folder = permissions.make_private_dirs(backups_dir(root), top=root)
    with _exclusive(folder) as mine:
        if not mine:
            return None  # another process is taking it right now
        newest = next(iter(list_backups(root)), None)
        if newest is not None and now - newest.taken_at < DAILY_EVERY:
            return None
        return backup_database(db_path, root, DAILY, now=now)


def integrity_problems(path: str | os.PathLike, *, limit: int = 100,
                       quick: bool = False) -> list[str]:
    """What ``PRAGMA integrity_check`` and ``foreign_key_check`` find (empty: none), read-only.

    ``quick`` runs ``quick_check`` instead (page structure without index contents: about 20
    times faster, 0.4 s for 150 MB). A file SQLite cannot read at all gives one problem.
    """
    try:
        conn = _open_read_only(Path(path))
    except sqlite3.DatabaseError as error:
        return [str(error)]
    try:
        check = "quick_check" if quick else "integrity_check"
        rows = [r[0] for r in conn.execute(f"PRAGMA {check}({int(limit)})")]
        problems = [] if rows == ["ok"] else [" ".join(str(r).split()) for r in rows]
        for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"row {rowid} of {table} points at a missing {parent} row")
        return problems[:limit]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    finally:
        conn.close()


def file_schema_version(path: str | os.PathLike) -> int:
    conn = _open_read_only(Path(path))
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def good_backup_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be restored (None: it can)."""
    path = Path(path)
    if not path.is_file():
        return f"{path} is not a file"
    if path.stat().st_size == 0:
        return f"{path} is empty (0 bytes)"
    problems = integrity_problems(path, limit=1)
    if problems:
        return f"{path} is damaged ({problems[0]})"
    version = file_schema_version(path)
    if version > SCHEMA_VERSION:
        return (f"{path} was made by a newer version of the app (schema {version}; this version "
                f"knows up to {SCHEMA_VERSION})")
    if version == 0:
        return f"{path} is not a workspace database (it has no schema)"
    return None


def restore_database(root: str | os.PathLike, source: str | os.PathLike | None = None, *,
                     now: datetime | None = None) -> Restored:
    """Put ``source`` (default: the newest good backup) in place of ``workspace.db``.

    Refused while an app or scheduler holds the workspace or any process has the database open.
    The replaced database, with its WAL, is moved to ``backups/replaced-{time}/``.

    Raises:
        AppError: no good backup, the source is not one, or the workspace is in use.
    """
    root = Path(root).expanduser().resolve()
    db_path = root / DB_NAME
    when = (now or datetime.now(UTC)).astimezone(UTC)
    with WorkspaceLock(root):
        users = processes_using([db_path, *(Path(f"{db_path}{s}") for s in SIDE_FILES)])
        if users:
            raise AppError(f"{db_path} is open in {', '.join(users)}; stop it (undeploy its "
                           f"endpoints, close the app) before restoring.")
        chosen = _choose_source(root, source)
        replaced = _move_aside(root, db_path, when)
        _install(chosen, db_path)
    log.info("workspace database %s restored from %s", db_path, chosen)
    return Restored(chosen, replaced)


def processes_using(paths: list[Path]) -> list[str]:
    """Other processes that have one of ``paths`` open, as "process N (name)"."""
    import psutil

    wanted = {str(p) for p in paths}
    found = []
    for proc in psutil.process_iter(["pid", "name"]):
        if proc.pid == os.getpid():
            continue
        try:
            if any(f.path in wanted for f in proc.open_files()):
                found.append(f"process {proc.pid} ({proc.info['name']})")
        except (psutil.Error, OSError):
            continue
    return found


def _choose_source(root: Path, source) -> Path:
    if source is not None:
        path = Path(source).expanduser().resolve()
        problem = good_backup_problem(path)
        if problem:
            raise AppError(f"Cannot restore from {problem}.")
        return path
    refused = []
    for backup in list_backups(root):
        problem = good_backup_problem(backup.path)
        if problem is None:
            return backup.path
        refused.append(problem)
    detail = f" ({'; '.join(refused[:3])}{'; ...' if len(refused) > 3 else ''})" if refused \
        else ""
    raise AppError(f"{backups_dir(root)} holds no good backup to restore{detail}.")


def _move_aside(root: Path, db_path: Path, when: datetime) -> Path | None:
    present = [p for p in (db_path, *(Path(f"{db_path}{s}") for s in SIDE_FILES)) if p.exists()]
    if not present:
        return None
    aside = permissions.make_private_dirs(
        backups_dir(root) / f"replaced-{when.strftime(_STAMP)}", top=root)
    for path in present:  # the WAL goes with its database: never replayed into another file
        os.replace(path, aside / path.name)
    return aside


def _install(source: Path, db_path: Path) -> None:
    partial = db_path.with_name(f".{db_path.name}.{os.getpid()}.restoring")
    try:
        _copy_database(source, partial)
        os.replace(partial, db_path)
    finally:
        partial.unlink(missing_ok=True)


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into a new 0600 file ``target``, fsync'd."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, permissions.PRIVATE_FILE))
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        finally:
            dst.close()
    except sqlite3.DatabaseError as error:
        raise database_error(source, error) from error
    finally:
        src.close()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise sqlite3.DatabaseError(f"{path} does not exist")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _prune(root, kind: str) -> None:
    for old in [b for b in list_backups(root) if b.kind == kind][KEEP:]:
        try:
            old.path.unlink()
        except OSError as error:
            log.warning("cannot remove the old backup %s: %s", old.path, error)


class _exclusive:
    """A non-blocking flock on a folder; ``with`` gives True when this process got it."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.fd = folder, None

    def __enter__(self) -> bool:
        if fcntl is None:
            return True
        self.fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            return False
        return True

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)
