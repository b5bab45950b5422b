"""SageMaker endpoints on the loopback server: deploy with DataCaptureConfig, wait, delete,
rollback on failure, and invoke with client-side capture in SageMaker's layout."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core.backends.aws.endpoints import (delete_endpoint, deploy_endpoint, endpoint_capture,
                                         list_endpoints)
from core.backends.aws.errors import AwsError
from core.backends.aws.invoke import ClientSideCapture, sagemaker_invoke
from core.backends.aws.session import client
from core.errors import ValidationError
from core.serving.config import CaptureConfig
from core.backends.storage import Storage
from tests.aws.hooks import json_error

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "model.tar.gz"
    path.write_bytes(b"not really a model, SageMaker is not running it here")
    return path


def test_deploy_with_capture_then_delete(settings, model_file, tmp_path):
    from core.workspace.store import Workspace

    seen = []
    with Workspace.open(tmp_path / "ws") as workspace:
        described = deploy_endpoint(settings, "churn-aws", model_file,
                                    CaptureConfig(enable=True, sampling_percentage=50),
                                    image_uri=IMAGE, workspace=workspace, poll_s=0.01,
                                    progress=seen.append)
        assert described["EndpointStatus"] == "InService"
        record = workspace.get_endpoint("churn-aws")
        assert (record.backend, record.status) == ("aws", "InService")
        assert record.model_path == settings.s3_uri("models", "churn-aws", "model.tar.gz")
        _, capture = endpoint_capture(settings, "churn-aws")
        assert capture["EnableCapture"] is True and capture["InitialSamplingPercentage"] == 50
        assert capture["DestinationS3Uri"] == settings.s3_uri("data-capture")
        assert [o["CaptureMode"] for o in capture["CaptureOptions"]] == ["Input", "Output"]
        assert Storage(settings).exists(record.model_path)  # the artifact was uploaded
        assert any("InService" in p.message for p in seen)
        delete_endpoint(settings, "churn-aws", workspace=workspace)
        assert workspace.get_endpoint("churn-aws").status == "Deleted"
    assert "churn-aws" not in [e["EndpointName"] for e in list_endpoints(settings)]
    sagemaker = client(settings, "sagemaker")
    assert not [m for m in sagemaker.list_models()["Models"]
                if m["ModelName"].startswith("churn-aws")]


def test_failed_create_rolls_back(settings, model_file, aws_hooks):
    aws_hooks.on("before-send.sagemaker.CreateEndpoint",
                 lambda request, **_: json_error(request, 400, "ResourceLimitExceeded",
                                                 "The account-level service limit "
                                                 "'ml.m5.large for endpoint usage' is 0"))
    with pytest.raises(AwsError, match="ResourceLimitExceeded"):
        deploy_endpoint(settings, "over-quota", model_file, CaptureConfig(enable=True),
                        image_uri=IMAGE, poll_s=0.01)
    sagemaker = client(settings, "sagemaker")
    assert not [c for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]
                if c["EndpointConfigName"].startswith("over-quota")]
    assert not [m for m in sagemaker.list_models()["Models"]
                if m["ModelName"].startswith("over-quota")]


def test_deploy_refuses_bad_input(settings, model_file):
    with pytest.raises(ValidationError, match="Endpoint name"):
        deploy_endpoint(settings, "bad_name", model_file, CaptureConfig(), image_uri=IMAGE)
    with pytest.raises(ValidationError, match="execution role"):
        deploy_endpoint(settings.with_changes(role_arn=""), "ok-name", model_file,
                        CaptureConfig(), image_uri=IMAGE)
    with pytest.raises(ValidationError, match="S3 only"):
        deploy_endpoint(settings, "ok-name", model_file,
                        CaptureConfig(enable=True, destination="/tmp/capture"), image_uri=IMAGE)


def test_invoke_with_client_side_capture(settings, aws_env):
    import urllib.request

    # moto's runtime answers from a queue of canned results (it runs no model)
    body = json.dumps({"results": [{"Body": "0.25", "ContentType": "text/csv"},
                                   {"Body": "0.75", "ContentType": "text/csv"}]}).encode()
    urllib.request.urlopen(urllib.request.Request(
        f"{aws_env}/moto-api/static/sagemaker/endpoint-results", data=body,
        headers={"Content-Type": "application/json"}), timeout=10).read()
    capture = ClientSideCapture(Storage(settings), "client-cap",
                                CaptureConfig(enable=True, destination=settings.s3_uri("cap")))
    invoke = sagemaker_invoke(settings, "client-cap", capture=capture)
    outputs = [invoke(b"1,2,3", "text/csv", "id-1"), invoke(b"4,5,6", "text/csv", None)]
    assert outputs == [b"0.25", b"0.75"]
    [written] = capture.close()
    now = datetime.now(UTC)
    assert written.startswith(settings.s3_uri("cap", "client-cap", "AllTraffic",
                                              f"{now:%Y/%m/%d}"))
    records = [json.loads(line) for line in Storage(settings).read_bytes(written).splitlines()]
    assert [r["captureData"]["endpointInput"]["data"] for r in records] == ["1,2,3", "4,5,6"]
    assert records[0]["captureData"]["endpointOutput"] == {
        "observedContentType": "text/csv", "mode": "OUTPUT", "data": "0.25", "encoding": "CSV"}
    assert records[0]["eventMetadata"]["inferenceId"] == "id-1"
    assert "inferenceId" not in records[1]["eventMetadata"]


def test_traffic_invoker_captures_only_when_the_endpoint_cannot(settings, model_file):
    from core.backends.aws.invoke import traffic_invoker

    deploy_endpoint(settings, "no-capture", model_file, CaptureConfig(enable=False),
                    image_uri=IMAGE, poll_s=0.01)
    deploy_endpoint(settings, "captures", model_file, CaptureConfig(enable=True),
                    image_uri=IMAGE, poll_s=0.01)
    client_side = settings.with_changes(client_side_capture=True)
    _, capture = traffic_invoker(client_side, "no-capture")
    assert capture is not None and capture.capture.destination == settings.s3_uri("data-capture")
    assert traffic_invoker(client_side, "captures")[1] is None  # SageMaker captures itself
    assert traffic_invoker(settings, "no-capture")[1] is None  # not asked for


def _describe_as(status: str, reason: str = ""):
    """DescribeEndpoint answered with ``status``: moto puts endpoints InService at once, so a
    slow or failing creation can only be shown through a hook (validated against the model)."""
    from tests.aws.hooks import json_reply, validated_json_request

    def handle(request, **_kw):
        params = validated_json_request("sagemaker", "DescribeEndpoint", request)
        now = datetime.now(UTC)
        payload = {"EndpointName": params["EndpointName"],
                   "EndpointArn": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/"
                                  f"{params['EndpointName']}",
                   "EndpointConfigName": "x", "EndpointStatus": status,
                   "CreationTime": now, "LastModifiedTime": now}
        if reason:
            payload["FailureReason"] = reason
        return json_reply("sagemaker", "DescribeEndpoint", request, payload)

    return handle


def _leftovers(settings, prefix: str) -> list[str]:
    sagemaker = client(settings, "sagemaker")
    names = [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]]
    names += [c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]]
    names += [m["ModelName"] for m in sagemaker.list_models()["Models"]]
    return [n for n in names if n.startswith(prefix)]


def test_endpoint_that_fails_is_reported_and_removed(settings, model_file, aws_hooks):
    aws_hooks.on("before-send.sagemaker.DescribeEndpoint",
                 _describe_as("Failed", "The primary container for production variant "
                                        "AllTraffic did not pass the ping health check."))
    with pytest.raises(AwsError, match="could not create endpoint fails-ping: The primary "
                                       "container .* ping health check"):
        deploy_endpoint(settings, "fails-ping", model_file, CaptureConfig(enable=True),
                        image_uri=IMAGE, poll_s=0.01)
    assert _leftovers(settings, "fails-ping") == []


def test_cancelled_wait_removes_the_endpoint(settings, model_file, aws_hooks):
    from core.errors import Cancelled
    from core.progress import CancelToken

    aws_hooks.on("before-send.sagemaker.DescribeEndpoint", _describe_as("Creating"))
    token = CancelToken()
    seen = []

    def on_progress(p):
        seen.append(p.message)
        if "Creating (" in p.message:
            token.cancel()

    with pytest.raises(Cancelled):
        deploy_endpoint(settings, "slow-one", model_file, CaptureConfig(enable=True),
                        image_uri=IMAGE, poll_s=5, progress=on_progress, cancel=token)
    assert any(m.startswith("slow-one: Creating (0 min") for m in seen)
    assert _leftovers(settings, "slow-one") == []
