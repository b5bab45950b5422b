"""Bad requests get SageMaker-like 4xx answers and the server keeps serving."""

from __future__ import annotations

import http.client
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from core.serving.config import CaptureConfig
from core.serving.server import MAX_PAYLOAD_BYTES, EndpointServer


@pytest.fixture
def server(model, tmp_path):
    srv = EndpointServer("bad-input", model, CaptureConfig(enable=True,
                                                           destination=str(tmp_path))).start()
    yield srv
    srv.stop()


def _post(srv, path: str, body: bytes, content_type: str = "text/csv", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        conn.request("POST", path, body=body,
                     headers={"Content-Type": content_type, **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _good_row(srv) -> bytes:
    return ",".join(["1"] * srv.model.num_features).encode()


CASES = [
    ("malformed CSV", b'1,"2\n', "text/csv", 400, "not a number"),
    ("wrong feature count", b"1,2,3", "text/csv", 400, "the model expects 69"),
    ("non-numeric value", b"1,abc" + b",1" * 67, "text/csv", 400, "'abc' is not a number"),
    ("unsupported content type", b"1,2", "application/x-parquet", 415, "not supported"),
    ("malformed JSON", b'{"instances": [1,', "application/json", 400, "cannot be parsed"),
    ("JSON of strings", b'[["a", "b"]]', "application/json", 400, "not a list of numbers"),
    ("empty body", b"", "text/csv", 400, "no rows"),
]


@pytest.mark.parametrize("label,body,content_type,status,text", CASES,
                         ids=[c[0] for c in CASES])
def test_bad_request_is_4xx_and_server_survives(server, label, body, content_type, status,
                                                text):
    code, headers, answer = _post(server, "/invocations", body, content_type)
    assert code == status
    assert headers["x-amzn-ErrorType"].startswith("ValidationError")
    error = json.loads(answer)
    assert error["ErrorCode"] == "ValidationError" and text in error["Message"]
    assert _post(server, "/invocations", _good_row(server))[0] == 200


def test_payload_over_6_mb_is_413(server):
    code, headers, answer = _post(server, "/invocations", b"1," * (MAX_PAYLOAD_BYTES // 2 + 1))
    assert code == 413 and b"6 MB" in answer
    assert _post(server, "/invocations", _good_row(server))[0] == 200


def test_unknown_routes_and_endpoint_names(server):
    assert _post(server, "/predict", b"1")[0] == 404
    code, _, answer = _post(server, "/endpoints/other/invocations", _good_row(server))
    assert code == 400 and b"other" in answer


def test_boto3_sees_model_error_and_validation_error(server):
    client = boto3.client("sagemaker-runtime", endpoint_url=server.url, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    with pytest.raises(ClientError) as caught:
        client.invoke_endpoint(EndpointName="bad-input", ContentType="text/csv", Body="1,2")
    error = caught.value.response
    assert error["Error"]["Code"] == "ModelError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error["OriginalStatusCode"] == 400 and "expects 69" in error["OriginalMessage"]
    with pytest.raises(client.exceptions.ValidationError):
        client.invoke_endpoint(EndpointName="missing", ContentType="text/csv",
                               Body=_good_row(server))
    ok = client.invoke_endpoint(EndpointName="bad-input", ContentType="text/csv",
                                Body=_good_row(server))
    assert float(ok["Body"].read()) >= 0


def test_bad_requests_are_not_captured(server, tmp_path):
    _post(server, "/invocations", b"1,2")
    _post(server, "/invocations", _good_row(server), headers={
        "X-Amzn-SageMaker-Inference-Id": "good"})
    server.stop()
    lines = [ln for p in tmp_path.rglob("*.jsonl") for ln in p.read_text().splitlines()]
    assert len(lines) == 1 and json.loads(lines[0])["eventMetadata"]["inferenceId"] == "good"


def test_json_request_and_accept(server):
    row = [1.0] * server.model.num_features
    code, headers, body = _post(server, "/invocations", json.dumps({"instances": [row, row]})
                                .encode(), "application/json")
    assert code == 200 and headers["Content-Type"] == "application/json"
    assert len(json.loads(body)["predictions"]) == 2
    code, headers, body = _post(server, "/invocations", _good_row(server),
                                headers={"Accept": "application/json"})
    assert code == 200 and "score" in json.loads(body)["predictions"][0]
    code, headers, body = _post(server, "/invocations", _good_row(server) + b"\n" +
                                _good_row(server) + b"\n")
    assert code == 200 and len(body.decode().split("\n")) == 2
    assert headers["Content-Type"] == "text/csv; charset=utf-8"


def test_ping(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/ping")
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("X-Endpoint-Name") == "bad-input"
