"""A deployed endpoint process captures every sampled request exactly once, under load."""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlsplit

import boto3
import numpy as np
import pytest

from core.serving.lifecycle import CaptureConfig, undeploy
from core.serving.payload import CSV_RESPONSE_TYPE, decode_rows, encode_predictions
from tests.core.serving.capture_files import read_capture

CLIENTS = 8
REQUESTS = 2000


def _boto_client(url: str):
    return boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def _send_all(record, rows: list[str], total: int) -> dict[str, tuple[str, bytes]]:
    """``total`` requests from CLIENTS threads, half plain HTTP and half boto3.

    Returns inference id -> (row sent, body answered); raises if any request failed.
    """
    answers: dict[str, tuple[str, bytes]] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        boto = number % 2 == 1
        sender = _boto_client(record.url) if boto else http.client.HTTPConnection(
            urlsplit(record.url).hostname, urlsplit(record.url).port, timeout=30)
        try:
            for i in range(number, total, CLIENTS):
                row, inference_id = rows[i % len(rows)], f"c{number}-{i}"
                if boto:
                    response = sender.invoke_endpoint(
                        EndpointName=record.name, ContentType="text/csv", Body=row,
                        InferenceId=inference_id, CustomAttributes=f"client={number}")
                    body = response["Body"].read()
                    assert response["InvokedProductionVariant"] == "AllTraffic"
                else:
                    sender.request("POST", "/invocations", body=row, headers={
                        "Content-Type": "text/csv",
                        "X-Amzn-SageMaker-Inference-Id": inference_id})
                    response = sender.getresponse()
                    body = response.read()
                    assert response.status == 200, body
                with lock:
                    answers[inference_id] = (row, body)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            if not boto:
                sender.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures[0]
    assert len(answers) == total
    return answers


def test_2000_requests_from_8_clients_give_exactly_2000_records(deploy, workspace, model,
                                                               traffic_rows):
    record = deploy("capture-all", CaptureConfig(enable=True, sampling_percentage=100))
    answers = _send_all(record, traffic_rows, REQUESTS)
    folder = workspace.capture_dir / "capture-all" / "AllTraffic"
    deadline = time.monotonic() + 10  # queued records reach the files within milliseconds
    while len(read_capture(folder)[0]) < REQUESTS and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(read_capture(folder)[0]) == REQUESTS
    undeploy(workspace, record.name)  # the graceful stop flushes and adds nothing

    records, files = read_capture(folder)
    assert files and len(records) == REQUESTS
    by_id = {r["eventMetadata"]["inferenceId"]: r for r in records}
    assert len(by_id) == REQUESTS and set(by_id) == set(answers)
    assert len({r["eventMetadata"]["eventId"] for r in records}) == REQUESTS
    for inference_id, (row, body) in answers.items():
        captured = by_id[inference_id]
        expected = encode_predictions(model.predict(decode_rows(row.encode(), "text/csv",
                                                                model.num_features)),
                                      CSV_RESPONSE_TYPE)
        assert body == expected
        assert list(captured) == ["captureData", "eventMetadata", "eventVersion"]
        assert captured["captureData"]["endpointInput"] == {
            "observedContentType": "text/csv", "mode": "INPUT", "data": row, "encoding": "CSV"}
        assert captured["captureData"]["endpointOutput"] == {
            "observedContentType": CSV_RESPONSE_TYPE, "mode": "OUTPUT",
            "data": body.decode(), "encoding": "CSV"}
        client = int(inference_id[1:].split("-")[0])
        assert captured["eventMetadata"].get("customAttributes") == (
            f"client={client}" if client % 2 else None)
        assert captured["eventMetadata"]["inferenceTime"].endswith("Z")


def test_sampling_30_percent_is_binomial(deploy, workspace, traffic_rows):
    record = deploy("capture-some", CaptureConfig(enable=True, sampling_percentage=30))
    total = 1000
    _send_all(record, traffic_rows, total)
    undeploy(workspace, record.name)
    records, _ = read_capture(workspace.capture_dir / "capture-some")
    # 5 standard deviations of Binomial(1000, 0.3): a false failure is ~1 in 3.5 million.
    sigma = np.sqrt(total * 0.3 * 0.7)
    assert abs(len(records) - 0.3 * total) < 5 * sigma, len(records)
    assert len({r["eventMetadata"]["inferenceId"] for r in records}) == len(records)


def test_capture_off_writes_nothing(deploy, workspace, traffic_rows):
    record = deploy("capture-off", CaptureConfig(enable=False))
    _send_all(record, traffic_rows, 200)
    undeploy(workspace, record.name)
    assert not list(workspace.capture_dir.rglob("*.jsonl"))


def test_input_only_capture(deploy, workspace, traffic_rows):
    record = deploy("capture-input", CaptureConfig(enable=True, capture_output=False))
    _send_all(record, traffic_rows, 40)
    undeploy(workspace, record.name)
    records, _ = read_capture(workspace.capture_dir / "capture-input")
    assert len(records) == 40
    assert all(list(r["captureData"]) == ["endpointInput"] for r in records)
