"""Fixtures for endpoint tests: the demo model, a fresh workspace, endpoints always stopped."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.demo.workspace import DRIFT_CSV, MODEL_TAR, TRAFFIC_CSV, create_demo_workspace
from core.serving.lifecycle import CaptureConfig, deploy_local, undeploy
from core.serving.model import load_model
from core.workspace.store import Workspace


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    return create_demo_workspace(tmp_path_factory.mktemp("demo"),
                                 now=datetime(2024, 5, 1, 12, 30, tzinfo=UTC))


@pytest.fixture(scope="session")
def model_tar(demo_root) -> Path:
    return demo_root / MODEL_TAR


@pytest.fixture(scope="session")
def model(model_tar):
    return load_model(model_tar)


@pytest.fixture(scope="session")
def traffic_rows(demo_root) -> list[str]:
    return (demo_root / TRAFFIC_CSV).read_text().splitlines()


@pytest.fixture(scope="session")
def drift_csv(demo_root) -> Path:
    return demo_root / DRIFT_CSV


@pytest.fixture
def workspace(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
def deploy(workspace, model_tar):
    """deploy(name, capture=CaptureConfig(...)) -> record; every endpoint is stopped after."""
    names = []

    def _deploy(name: str, capture: CaptureConfig | None = None, **kwargs):
        names.append(name)
        return deploy_local(workspace, name, kwargs.pop("model_path", model_tar),
                            capture or CaptureConfig(), **kwargs)

    yield _deploy
    for name in names:
        record = workspace.get_endpoint(name)
        if record is not None and record.pid:
            try:
                undeploy(workspace, name, timeout=10)
            finally:
                _kill_group(record.pid)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass

