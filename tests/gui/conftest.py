"""GUI test fixtures: remembered settings go to a temporary folder, never the user's."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    yield tmp_path / "cfg"


@pytest.fixture
def runner(qtbot):
    from gui.jobs import JobRunner

    r = JobRunner()
    yield r
    r.shutdown()


@pytest.fixture(autouse=True)
def collect_on_gui_thread():
    """As the app does (gui/app.py): no automatic collection, which could run on a job's thread
    and free Qt objects there; collect on the GUI thread after each test instead."""
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo workspace, created once per test process (never modified: copy it)."""
    from datetime import UTC, datetime

    from core.demo.workspace import create_demo_workspace

    folder = tmp_path_factory.mktemp("demo-template") / "ws"
    create_demo_workspace(folder, now=datetime.now(UTC))
    return folder


@pytest.fixture
def demo_folder(demo_template, tmp_path):
    """A private copy of the demo workspace folder for one test."""
    import shutil

    folder = tmp_path / "ws"
    shutil.copytree(demo_template, folder)
    return folder


@pytest.fixture
def demo_workspace(demo_folder):
    from core.workspace.store import Workspace

    workspace = Workspace.open(demo_folder)
    yield workspace
    workspace.close()
