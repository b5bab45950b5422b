"""``check_workspace``: what is wrong with a workspace's database, read-only, one finding a line.

It never opens the workspace for use (no migration, no folder created), so it works on a
damaged, truncated or missing database and changes nothing.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.workspace import backup
from core.workspace.schema import SCHEMA_VERSION

ERROR, WARNING, OK = "error", "warning", "ok"
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Finding:
    level: str  # error (the workspace is broken), warning, or ok
    text: str

    def __str__(self) -> str:
        return f"{self.level}: {self.text}"


def check_workspace(root: str | os.PathLike, *, now: datetime | None = None) -> list[Finding]:
    """Integrity, foreign keys, schema version, permissions and backups of ``root``'s database."""
    root = Path(root).expanduser().resolve()
    db_path = root / backup.DB_NAME
    findings = _database_findings(db_path)
    findings += _permission_findings(root, db_path)
    findings += _backup_findings(root, now or datetime.now(UTC))
    return findings


def is_broken(findings: list[Finding]) -> bool:
    return any(f.level == ERROR for f in findings)


def _database_findings(db_path: Path) -> list[Finding]:
    if not db_path.is_file():
        return [Finding(ERROR, f"{db_path} is missing")]
    size = db_path.stat().st_size
    if size == 0:
        return [Finding(ERROR, f"{db_path} is empty (0 bytes)")]
    with open(db_path, "rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            return [Finding(ERROR, f"{db_path} is not an SQLite database (its header is wrong)")]
    problems = backup.integrity_problems(db_path)
    findings = [Finding(ERROR, f"{db_path}: {p}") for p in problems]
    if not problems:
        findings.append(Finding(OK, f"{db_path}: integrity and foreign keys ok ({size:,} bytes)"))
        version = backup.file_schema_version(db_path)
        if version > SCHEMA_VERSION:
            findings.append(Finding(ERROR, f"{db_path}: schema {version} is newer than this "
                                           f"version of the app knows ({SCHEMA_VERSION})"))
        elif version < SCHEMA_VERSION:
            findings.append(Finding(WARNING, f"{db_path}: schema {version}, migrated to "
                                             f"{SCHEMA_VERSION} (after a backup) on next open"))
        else:
            findings.append(Finding(OK, f"{db_path}: schema {version} is current"))
    return findings


def _permission_findings(root: Path, db_path: Path) -> list[Finding]:
    findings = []
    for path in (root, db_path, *(Path(f"{db_path}{s}") for s in backup.SIDE_FILES)):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            findings.append(Finding(WARNING, f"{path} is readable by other users (mode "
                                             f"{mode:o}); opening the workspace makes it "
                                             f"owner-only"))
    return findings


def _backup_findings(root: Path, now: datetime) -> list[Finding]:
    backups = backup.list_backups(root)
    if not backups:
        return [Finding(WARNING, f"{backup.backups_dir(root)} holds no backup yet")]
    newest = backups[0]
    age_h = (now - newest.taken_at).total_seconds() / 3600
    return [Finding(OK, f"{len(backups)} backups; newest {newest.path.name} "
                        f"({age_h:.1f} h old)")]
