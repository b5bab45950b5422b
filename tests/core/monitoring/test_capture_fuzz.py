"""Fuzz: any capture file gives a result or a clear core.errors error, never another exception.

Lines are valid records with random payloads (any encoding, content type and text, JSON of
any shape, base64 of any bytes), mangled records (cut, bytes flipped or inserted) and random
bytes. The reader and row assembler must skip and count what they cannot read; a whole
monitoring execution must end Completed, CompletedWithViolations or Failed with a sentence.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.errors import AppError
from core.monitoring.capture_errors import CaptureTally
from core.monitoring.capture_reader import find_capture_files, iter_capture_chunks
from core.monitoring.capture_rows import RowAssembler
from core.monitoring.execution import MonitoringRequest, run_monitoring
from tests.core.monitoring.helpers import SCHEDULED, WINDOW

NAMES = ["y", "a", "b"]
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])

surrogates = st.text(st.characters(min_codepoint=0xD7FE, max_codepoint=0xE001), min_size=1,
                     max_size=3)  # lone surrogates: JSON can escape them, UTF-8 cannot hold them
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | surrogates,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["a", "b", "y", "x", "_c1", "features", "instances", "predictions",
                        "score", "predicted_label", "", "\ud800"]), inner, max_size=4),
    max_leaves=12)
payload_text = st.one_of(
    st.text(max_size=30),
    st.lists(st.lists(st.sampled_from(["1", "2.5", "", "x", '"q,"', "\r", "\n"]), max_size=4),
             max_size=4).map(lambda rows: "\n".join(",".join(r) for r in rows)),
    json_values.map(lambda v: json.dumps(v)),
    st.binary(max_size=24).map(lambda b: base64.b64encode(b).decode()),
    surrogates,
)
times = st.one_of(
    st.integers(0, 3599).map(lambda s: (WINDOW[0] + timedelta(seconds=s))
                             .strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.sampled_from(["2024-03-05T10:30:00.123+00:00", "2024-03-05T10:30:00", "yesterday", "",
                     "2024-13-45T99:00:00Z"]),
    st.none(), st.integers())


@st.composite
def records(draw) -> bytes:
    capture = {}
    for side in ("endpointInput", "endpointOutput"):
        if draw(st.booleans()) or side == "endpointInput":
            capture[side] = {
                "observedContentType": draw(st.sampled_from(
                    ["text/csv", "application/json", "application/jsonlines", "image/png",
                     "application/octet-stream", None, 7])),
                "data": draw(st.one_of(payload_text, st.none(), st.integers())),
                "encoding": draw(st.sampled_from(["CSV", "JSON", "BASE64", "XML", None])),
            }
    record = {"captureData": capture, "eventMetadata": {"eventId": "e",
                                                         "inferenceTime": draw(times)}}
    if draw(st.integers(0, 9)) == 0:
        record = draw(json_values)
    return json.dumps(record).encode()


@st.composite
def lines(draw) -> bytes:
    kind = draw(st.integers(0, 9))
    line = draw(records())
    if kind == 7:  # cut short
        line = line[:draw(st.integers(0, max(0, len(line) - 1)))]
    elif kind == 8:  # a byte flipped or inserted
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.binary(min_size=1, max_size=3)) + line[at + 1:]
    elif kind == 9:
        line = draw(st.binary(max_size=40))
    return line


@st.composite
def capture_files(draw) -> list[bytes]:
    files = draw(st.lists(st.lists(lines(), max_size=8), min_size=1, max_size=3))
    return [b"\n".join(f) + (b"\n" if draw(st.booleans()) else b"") for f in files]


def _write(root, contents: list[bytes]):
    folder = root / "ep" / "AllTraffic" / WINDOW[0].strftime("%Y/%m/%d/%H")
    folder.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(contents):
        (folder / f"00-00-{i:03d}-fuzz.jsonl").write_bytes(data)


@settings(FUZZ, max_examples=300)
@given(capture_files())
def test_reader_and_assembler_skip_and_count_never_raise(tmp_path_factory, contents):
    root = tmp_path_factory.mktemp("fuzz")
    _write(root, contents)
    files = find_capture_files(root, endpoint="ep", start=WINDOW[0], end=WINDOW[1])
    tally = CaptureTally()
    assembler = RowAssembler(NAMES, tally)
    rows = 0
    for chunk in iter_capture_chunks(files, start=WINDOW[0], end=WINDOW[1]):
        batch = assembler.batch(chunk)
        if batch is not None:
            assert batch.schema.names == assembler.column_names()
            assert all(str(t) == "string" for t in batch.schema.types)
            rows += batch.num_rows
    assert tally.records >= 0 and tally.errors >= 0
    assert (rows == 0) or tally.records > 0
    assert len(tally.examples) == min(tally.errors, 3)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-baseline")
    data = folder / "train.csv"
    data.write_text("y,a,b\n" + "".join(f"0.{i % 9},{i},{'xyz'[i % 3]}\n" for i in range(60)))
    result = suggest_baseline(DatasetSpec(str(data)), folder / "out")
    return result.statistics_path, result.constraints_path


@settings(FUZZ, max_examples=60)
@given(capture_files(), st.sampled_from([0.0, 0.01, 0.5, 1.0]))
def test_monitoring_ends_in_a_status_never_an_exception(tmp_path_factory, baseline, contents,
                                                        share):
    root = tmp_path_factory.mktemp("fuzz-run")
    _write(root / "capture", contents)
    request = MonitoringRequest(*baseline, root / "reports", "ep", "hourly", SCHEDULED,
                                WINDOW[0], WINDOW[1], capture_root=root / "capture",
                                max_bad_record_share=share)
    try:
        result = run_monitoring(request)
    except AppError:  # the contract allows a clear project error; run_monitoring has none
        return
    assert result.status in ("Completed", "CompletedWithViolations", "Failed")
    if result.status == "Failed":
        assert result.failure_reason and "Traceback" not in result.failure_reason
        assert not (root / "reports").exists() or not any(
            p.is_file() for p in (root / "reports").rglob("*"))
    else:
        assert (result.report_dir / "statistics.json").is_file()
    assert result.capture_errors >= 0
