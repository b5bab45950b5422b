"""Deploy, status, list, undeploy and recovery of local endpoint processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tarfile
import time

import pytest

from core.errors import Cancelled, ValidationError
from core.progress import CancelToken
from core.serving.lifecycle import (
    CaptureConfig,
    DeploymentError,
    deploy_local,
    ping,
    refresh_endpoints,
    undeploy,
    validate_endpoint_name,
)


def test_deploy_status_list_undeploy(deploy, workspace):
    record = deploy("life-1", CaptureConfig(enable=True, sampling_percentage=50))
    assert record.status == "InService" and record.pid and record.port
    assert record.url == f"http://127.0.0.1:{record.port}" and ping(record.url, "life-1")
    assert record.capture_config["destination"] == str(workspace.capture_dir)
    assert record.capture_config["sampling_percentage"] == 50
    assert [r.status for r in refresh_endpoints(workspace)] == ["InService"]

    stopped = undeploy(workspace, "life-1")
    assert stopped.status == "Deleted" and stopped.pid is None
    assert not ping(record.url)
    with pytest.raises(ProcessLookupError):
        os.kill(record.pid, 0)


def test_user_chosen_port(deploy, workspace):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    record = deploy("life-port", port=port)
    assert record.port == port and ping(f"http://127.0.0.1:{port}")


def test_port_in_use_fails_with_a_clear_reason(deploy, workspace):
    first = deploy("life-port-a")
    with pytest.raises(DeploymentError, match=f"cannot listen on 127.0.0.1:{first.port}"):
        deploy("life-port-b", port=first.port)
    assert workspace.get_endpoint("life-port-b").status == "Failed"


def test_dead_server_is_marked_failed_after_restart(deploy, workspace):
    record = deploy("life-dead")
    os.killpg(record.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while ping(record.url) and time.monotonic() < deadline:
        time.sleep(0.05)
    # A new app process looks at the same workspace and finds the endpoint gone.
    code = ("import sys; from core.workspace.store import Workspace; "
            "from core.serving.lifecycle import refresh_endpoints; "
            "ws = Workspace.open(sys.argv[1]); "
            "print(*[r.name + '=' + r.status for r in refresh_endpoints(ws)])")
    out = subprocess.run([sys.executable, "-c", code, str(workspace.root)], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "life-dead=Failed"
    failed = workspace.get_endpoint("life-dead")
    assert "no longer running" in failed.failure_reason


def test_running_endpoint_is_found_again_by_another_process(deploy, workspace):
    deploy("life-found")
    code = ("import sys; from core.workspace.store import Workspace; "
            "from core.serving.lifecycle import refresh_endpoints; "
            "print(refresh_endpoints(Workspace.open(sys.argv[1]))[0].status)")
    out = subprocess.run([sys.executable, "-c", code, str(workspace.root)], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "InService"


def test_unloadable_model_fails_with_the_server_log(deploy, workspace, tmp_path):
    bad = tmp_path / "model.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        readme = tmp_path / "README"
        readme.write_text("not a model")
        tar.add(readme, arcname="README")
    with pytest.raises(DeploymentError) as caught:
        deploy("life-bad", model_path=bad)
    assert "holds no 'xgboost-model'" in str(caught.value)
    assert "Server log" in str(caught.value)
    record = workspace.get_endpoint("life-bad")
    assert record.status == "Failed" and "exited" in record.failure_reason


def test_deploy_timeout_marks_failed(workspace, model_tar):
    with pytest.raises(DeploymentError, match="did not answer /ping within"):
        deploy_local(workspace, "life-slow", model_tar, CaptureConfig(), timeout=0.01)
    record = workspace.get_endpoint("life-slow")
    assert record.status == "Failed" and record.pid is None


def test_cancelled_deploy_stops(workspace, model_tar):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        deploy_local(workspace, "life-cancel", model_tar, CaptureConfig(), cancel=token)
    assert workspace.get_endpoint("life-cancel").status == "Failed"


def test_running_endpoint_cannot_be_deployed_twice(deploy):
    deploy("life-twice")
    with pytest.raises(ValidationError, match="already running"):
        deploy("life-twice")


@pytest.mark.parametrize("name", ["a", "demo-churn-1", "A1--b2", "x" * 63])
def test_valid_endpoint_names(name):
    assert validate_endpoint_name(name) == name


@pytest.mark.parametrize("name", ["", "-a", "a-", "a_b", "a.b", "x" * 64, "a b"])
def test_invalid_endpoint_names(name):
    with pytest.raises(ValidationError):
        validate_endpoint_name(name)


def test_capture_config_is_validated(workspace, model_tar):
    with pytest.raises(ValidationError, match="between 0 and 100"):
        deploy_local(workspace, "life-cfg", model_tar,
                     CaptureConfig(enable=True, sampling_percentage=150))
    with pytest.raises(ValidationError, match="neither"):
        deploy_local(workspace, "life-cfg", model_tar,
                     CaptureConfig(enable=True, capture_input=False, capture_output=False))
    with pytest.raises(ValidationError, match="does not exist"):
        deploy_local(workspace, "life-cfg", model_tar.with_name("missing.tar.gz"),
                     CaptureConfig())
