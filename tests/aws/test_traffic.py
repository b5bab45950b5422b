"""Live traffic to an AWS endpoint goes through the SageMaker Runtime client (never a dead
thread on a ``sagemaker:`` URL), and client-side capture lands in S3 when the run ends."""

from __future__ import annotations

import pytest

from cli import run_cli
from core.backends.aws.endpoints import deploy_endpoint
from core.backends.storage import Storage
from core.config import save_settings
from core.errors import ValidationError
from core.serving.config import CaptureConfig
from core.serving.traffic import TrafficPlan, TrafficRunner
from core.workspace.store import Workspace
from tests.aws.test_end_to_end import IMAGE, _queue_predictions

ENDPOINT = "traffic-aws"


@pytest.fixture
def aws_workspace(settings, aws_env, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    save_settings(settings.with_changes(client_side_capture=True))
    with Workspace.open(tmp_path / "ws") as workspace:
        deploy_endpoint(settings, ENDPOINT, settings.s3_uri("models", "model.tar.gz"),
                        CaptureConfig(enable=False), image_uri=IMAGE, poll_s=0.01,
                        workspace=workspace)
        assert workspace.get_endpoint(ENDPOINT).url.startswith("sagemaker:")
    return tmp_path / "ws"


def test_cli_traffic_to_an_aws_endpoint_is_sent_and_captured_on_this_computer(
        settings, aws_env, aws_workspace, tmp_path, capsys):
    bodies = [f"{i},{i * 1.5}" for i in range(40)]
    (tmp_path / "t.csv").write_text("\n".join(bodies) + "\n")
    _queue_predictions(aws_env, [f"x,{b}" for b in bodies])
    code = run_cli(["traffic", "--workspace", str(aws_workspace), "--endpoint", ENDPOINT,
                    "--file", str(tmp_path / "t.csv")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "sent 40  errors 0" in out.splitlines()[-1]
    files = Storage(settings).list_files(settings.s3_uri("data-capture", ENDPOINT) + "/")
    assert files and all(f"/{ENDPOINT}/AllTraffic/" in f.location for f in files)
    lines = b"".join(Storage(settings).read_bytes(f.location) for f in files).splitlines()
    assert len(lines) == 40


def test_a_sagemaker_url_is_refused_up_front_not_a_silent_dead_thread(tmp_path):
    (tmp_path / "t.csv").write_text("1,2\n")
    with pytest.raises(ValidationError, match="SageMaker Runtime client"):
        TrafficRunner(TrafficPlan("sagemaker:us-east-1/x", tmp_path / "t.csv"))
