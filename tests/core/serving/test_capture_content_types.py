"""What the endpoint captures for each content type and capture option."""

from __future__ import annotations

import base64
import http.client
import json

from core.serving.config import CaptureConfig
from core.serving.server import EndpointServer
from tests.core.serving.capture_files import read_capture


def _serve_and_send(model, tmp_path, capture: CaptureConfig, requests) -> list[dict]:
    server = EndpointServer("types", model, capture).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for body, headers in requests:
            conn.request("POST", "/invocations", body=body, headers=headers)
            response = conn.getresponse()
            assert response.status == 200, response.read()
            response.read()
        conn.close()
    finally:
        server.stop()  # graceful: every queued record is written
    return read_capture(tmp_path)[0]


def test_json_request_is_captured_as_json_text(model, tmp_path):
    row = [1.0] * model.num_features
    body = json.dumps({"instances": [row]})
    records = _serve_and_send(model, tmp_path, CaptureConfig(enable=True,
                                                             destination=str(tmp_path)),
                              [(body, {"Content-Type": "application/json"})])
    data = records[0]["captureData"]
    assert data["endpointInput"] == {"observedContentType": "application/json",
                                     "mode": "INPUT", "data": body, "encoding": "JSON"}
    assert data["endpointOutput"]["encoding"] == "JSON"
    assert "predictions" in json.loads(data["endpointOutput"]["data"])


def test_types_outside_both_lists_are_base64(model, tmp_path):
    row = ",".join(["1"] * model.num_features)
    capture = CaptureConfig(enable=True, destination=str(tmp_path),
                            csv_content_types=("text/x-custom",),
                            json_content_types=("application/jsonlines",))
    records = _serve_and_send(model, tmp_path, capture,
                              [(row, {"Content-Type": "text/csv; charset=utf-8"})])
    captured = records[0]["captureData"]["endpointInput"]
    assert captured["encoding"] == "BASE64"
    assert captured["observedContentType"] == "text/csv; charset=utf-8"
    assert base64.b64decode(captured["data"]).decode() == row


def test_output_only_and_custom_variant(model, tmp_path):
    row = ",".join(["0"] * model.num_features)
    server = EndpointServer("variant-ep", model, CaptureConfig(
        enable=True, capture_input=False, destination=str(tmp_path)), variant="Blue").start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/endpoints/variant-ep/invocations", body=row,
                     headers={"Content-Type": "text/csv"})
        response = conn.getresponse()
        assert response.getheader("x-Amzn-Invoked-Production-Variant") == "Blue"
        response.read()
    finally:
        server.stop()
    records, files = read_capture(tmp_path)
    assert files[0].relative_to(tmp_path).parts[:2] == ("variant-ep", "Blue")
    assert list(records[0]["captureData"]) == ["endpointOutput"]
