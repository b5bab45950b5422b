"""``demo init`` never regenerates a workspace by surprise: an existing one needs --force, and one
an app, scheduler or serving endpoint is using is refused even then (real holder processes)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli import run_cli
from core.demo.workspace import ENDPOINT, create_demo_workspace
from core.errors import Cancelled
from core.progress import CancelToken
from core.workspace.store import Workspace
from tests.conftest import PROJECT_ROOT

NOW = datetime(2026, 1, 5, 12, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return create_demo_workspace(tmp_path_factory.mktemp("demo") / "ws", now=NOW)


@pytest.fixture
def demo(template, tmp_path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "ws"))


def _tree(root: Path) -> dict[str, str]:
    """Every file's content hash (the database's WAL side files aside)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "-wal" not in p.name
            and "-shm" not in p.name and p.name != "scheduler.pid"}


def _init(capsys, *argv) -> tuple[int, str]:
    code = run_cli(["demo", "init", *argv])
    out, err = capsys.readouterr()
    return code, err


def test_an_existing_workspace_is_refused_without_force(demo, capsys):
    before = _tree(demo)
    code, err = _init(capsys, str(demo))
    assert code == 2 and "--force" in err and err.count("\n") == 1
    assert _tree(demo) == before


def test_any_non_empty_folder_is_refused_without_force(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    code, err = _init(capsys, str(tmp_path))
    assert code == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("holder", ["app", "scheduler"])
def test_a_workspace_in_use_is_refused_even_with_force(demo, capsys, holder):
    lock = "WorkspaceLock" if holder == "app" else "SchedulerLock"
    module = "core.workspace.lock" if holder == "app" else "core.scheduling.lock"
    proc = subprocess.Popen(
        [sys.executable, "-c", f"import sys\nfrom {module} import {lock}\n"
         f"{lock}(sys.argv[1]).acquire(); print('locked', flush=True); sys.stdin.read()",
         str(demo)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    try:
        assert proc.stdout.readline().strip() == "locked"
        (demo / "scheduler.pid").unlink()  # not even with the pid file gone
        before = _tree(demo)
        code, err = _init(capsys, "--force", str(demo))
        assert code == 2 and "in use" in err and err.count("\n") == 1
        assert _tree(demo) == before
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_a_serving_endpoint_is_refused_even_with_force(demo, capsys):
    with Workspace.open(demo) as ws:
        ws.update_endpoint(ENDPOINT, status="InService", pid=os.getpid())
    before = _tree(demo)
    code, err = _init(capsys, "--force", str(demo))
    assert code == 2 and "serving" in err
    assert _tree(demo) == before


def test_force_refreshes_and_keeps_the_old_capture(demo, capsys):
    capture = demo / "capture" / ENDPOINT
    old = {str(p.relative_to(capture)): p.read_bytes() for p in capture.rglob("*.jsonl")}
    (capture / "extra.jsonl").write_bytes(b"captured by hand\n")
    code, err = _init(capsys, "--force", str(demo))
    assert code == 0, err
    [kept] = (demo / "backups").glob("demo-capture-replaced-*")
    assert (kept / "extra.jsonl").read_bytes() == b"captured by hand\n"
    for name, data in old.items():
        assert (kept / name).read_bytes() == data
    assert list(capture.rglob("*.jsonl"))


def test_a_cancelled_init_leaves_no_folder_behind(tmp_path):
    cancel = CancelToken()
    with pytest.raises(Cancelled):
        create_demo_workspace(tmp_path / "new", now=NOW, cancel=cancel,
                              progress=lambda p: cancel.cancel())
    assert not (tmp_path / "new").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(Cancelled):
        create_demo_workspace(tmp_path / "empty", now=NOW, cancel=cancel,
                              progress=lambda p: cancel.cancel())
    assert list((tmp_path / "empty").iterdir()) == []
