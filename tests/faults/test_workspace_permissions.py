"""One permission policy: everything the app writes into a workspace (database, WAL, backups,
reports, the demo's capture) is owner-only, 0600 files in 0700 folders, whatever the umask."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.permissions import make_private_dirs, open_private
from core.scheduling.scheduler import Scheduler
from core.workspace.store import Workspace
from tests.core.scheduling.helpers import (
    T0,
    FakeClock,
    build_traffic_workspace,
    copy_workspace,
    hourly_schedule,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_traffic_workspace(tmp_path_factory.mktemp("traffic"))


@pytest.fixture
def loose_umask():
    old = os.umask(0o002)  # the most permissive common umask: group-writable by default
    yield
    os.umask(old)


def _loose(root: Path, skip: tuple[str, ...] = ()) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        if any(part in skip for part in Path(folder).relative_to(root).parts):
            continue
        for name in [*dirs, *files]:
            path = Path(folder, name)
            if path.is_symlink() or name in skip:
                continue
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                found.append(f"{path.relative_to(root)} {mode:o}")
    return found


def test_database_backups_and_reports_are_owner_only(template, tmp_path, loose_umask):
    folder = copy_workspace(template, tmp_path / "ws")
    for path in folder.rglob("*"):  # as an earlier version left them: 0644 / 0755
        path.chmod(0o755 if path.is_dir() else 0o644)
    (folder / "workspace.db").chmod(0o644)
    with Workspace.open(folder) as ws:
        hourly_schedule(ws)
        with Scheduler(ws, clock=FakeClock(T0 + timedelta(hours=2, seconds=1))) as scheduler:
            done = scheduler.tick()
        assert done and all(e.report_dir for e in done)
        ws.backup_now()
        loose = _loose(folder, skip=("capture", "baselines"))  # written by the test's helpers
        assert loose == []
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_demo_workspace_is_owner_only(tmp_path, loose_umask):
    from core.demo.workspace import create_demo_workspace

    root = create_demo_workspace(tmp_path / "demo", now=datetime(2026, 1, 5, 12, tzinfo=UTC))
    Workspace.open(root).close()
    assert _loose(root) == []


def test_capture_style_appends_are_owner_only(tmp_path, loose_umask):
    path = tmp_path / "capture" / "ep" / "AllTraffic" / "2026" / "01" / "05" / "07" / "a.jsonl"
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.write(fd, b"{}\n")
    os.close(fd)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _loose(tmp_path / "capture") == []
    path.chmod(0o644)  # an existing file written under the old policy is tightened on reopen
    os.close(open_private(path, os.O_WRONLY | os.O_APPEND))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_existing_folders_above_the_workspace_are_left_alone(tmp_path, loose_umask):
    tmp_path.chmod(0o755)
    make_private_dirs(tmp_path / "ws" / "reports", top=tmp_path / "ws")
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "ws").stat().st_mode) == 0o700
