"""Capture records and paths match real SageMaker capture files byte for byte."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

from core.formats.capture import (
    capture_file_path,
    capture_record,
    encode_record,
    format_inference_time,
    parse_inference_time,
)


def _rebuild(line: str) -> bytes:
    real = json.loads(line)
    data = real["captureData"]
    meta = real["eventMetadata"]
    inp, out = data.get("endpointInput"), data.get("endpointOutput")
    record = capture_record(
        inp["data"] if inp else None, inp["observedContentType"] if inp else "",
        out["data"] if out else None, out["observedContentType"] if out else "",
        inference_time=parse_inference_time(meta["inferenceTime"]),
        event_id=meta["eventId"], inference_id=meta.get("inferenceId"))
    return encode_record(record)


def test_real_capture_lines_are_reproduced_byte_for_byte(samples):
    files = sorted((samples / "capture").glob("*.jsonl"))
    files.append(samples / "sdk-test-fixtures" / "captured-data.jsonl")  # JSON-encoded records
    checked = 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert _rebuild(line) == (line + "\n").encode("utf-8")
            checked += 1
    assert checked >= 7


def test_unlisted_content_type_is_base64_and_params_are_kept():
    when = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    record = capture_record(b"\x00\x01binary", "application/x-npy", "0.5",
                            "text/csv; charset=utf-8", inference_time=when)
    inp = record["captureData"]["endpointInput"]
    assert inp["encoding"] == "BASE64"
    assert base64.b64decode(inp["data"]) == b"\x00\x01binary"
    out = record["captureData"]["endpointOutput"]
    assert out == {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT",
                   "data": "0.5", "encoding": "CSV"}
    assert list(record) == ["captureData", "eventMetadata", "eventVersion"]
    assert "inferenceId" not in record["eventMetadata"]


def test_json_payload_and_input_only_capture():
    record = capture_record('{"instances":[[1,2]]}', "application/json", None, "",
                            inference_time=datetime(2024, 1, 1), inference_id="7",
                            custom_attributes="a=b")
    assert list(record["captureData"]) == ["endpointInput"]
    assert record["captureData"]["endpointInput"]["encoding"] == "JSON"
    assert record["eventMetadata"]["inferenceId"] == "7"
    assert record["eventMetadata"]["customAttributes"] == "a=b"


def test_times_are_utc_seconds_with_z():
    local = datetime(2024, 3, 1, 0, 30, 15, 999999, tzinfo=timezone(timedelta(hours=2)))
    assert format_inference_time(local) == "2024-02-29T22:30:15Z"


def test_capture_file_path_layout():
    when = datetime(2022, 4, 18, 0, 20, 48, 871000, tzinfo=UTC)
    path = capture_file_path("/cap", "ep-1", "AllTraffic", when,
                             file_id="0b7bfd33-c8a7-4adf-a09a-98fd0af79974")
    assert path.as_posix() == ("/cap/ep-1/AllTraffic/2022/04/18/00/"
                               "20-48-871-0b7bfd33-c8a7-4adf-a09a-98fd0af79974.jsonl")
    assert capture_file_path("/cap", "e", "v", when).name.startswith("20-48-871-")


def test_capture_line_is_byte_identical_to_the_record_encoder():
    import random

    from core.formats.capture import capture_line

    rng = random.Random(3)
    alphabet = ['a', '1', ',', '"', '\\', '\n', 'é', '\u2028', '{', ' ', '\t', '\x00']
    when = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        kwargs = dict(
            inference_time=when, event_id=rng.choice([None, "e-1"]),
            inference_id=rng.choice([None, text, "7"]),
            custom_attributes=rng.choice([None, text]))
        args = (rng.choice([None, text, text.encode(), b"\xff\xfe"]),
                rng.choice(["text/csv", "application/json", "application/x-npy"]),
                rng.choice([None, text, "0.5"]),
                rng.choice(["text/csv; charset=utf-8", "application/json", "image/png"]))
        line = capture_line(*args, **kwargs)
        record = json.loads(line)
        kwargs["event_id"] = record["eventMetadata"]["eventId"]
        assert line == encode_record(capture_record(*args, **kwargs))
