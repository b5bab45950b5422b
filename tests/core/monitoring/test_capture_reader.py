"""Capture files -> windowed records -> string-column rows (output columns first)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.errors import InputError
from core.monitoring.capture_errors import CaptureTally
from core.formats.capture import capture_file_path, capture_record, encode_record
from core.monitoring.capture_reader import (
    find_capture_files,
    iter_capture_chunks,
    iter_capture_records,
)
from core.monitoring.capture_rows import RowAssembler, rows_from_dicts

T0 = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)


def _write(root: Path, records: list[dict], when: datetime, name: str | None = None) -> Path:
    path = capture_file_path(root, "ep", "AllTraffic", when, file_id=name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        for record in records:
            handle.write(encode_record(record))
    return path


def _csv(inp: str, out: str, when: datetime, **kw) -> dict:
    return capture_record(inp, "text/csv", out, "text/csv; charset=utf-8", inference_time=when,
                          **kw)


def _rows(root, names, start=None, end=None, tally=None) -> dict[str, list]:
    files = find_capture_files(root, endpoint="ep", start=start, end=end)
    assembler = RowAssembler(names, tally)
    batches = [assembler.batch(c) for c in iter_capture_chunks(files, start=start, end=end)]
    batches = [b for b in batches if b is not None]
    return {name: sum((b.column(name).to_pylist() for b in batches), [])
            for name in batches[0].schema.names} if batches else {}


def test_real_capture_files_parse_output_first(samples):
    for name in ("endpoint-csv.2021-11-30.jsonl", "endpoint-csv-with-inferenceId.2021-08-11.jsonl"):
        files = find_capture_files(samples / "capture" / name)
        chunks = list(iter_capture_chunks(files))
        batch = RowAssembler(["Churn", "Account Length"]).batch(chunks[0])
        assert batch.num_columns == 70
        assert batch.schema.names[:3] == ["Churn", "Account Length", "_c2"]
        assert all(float(v) < 1 for v in batch.column("Churn").to_pylist())  # the probability
    mangled = RowAssembler(["Churn", "Account Length", "VMail Message"]).batch(
        next(iter_capture_chunks([samples / "capture" / "endpoint-csv.2021-11-30.jsonl"])))
    assert mangled.column("Account Length")[0].as_py() == "186"
    assert mangled.column("VMail Message")[0].as_py() == "0.1"


def test_json_encoded_fixture_gives_one_row_per_instance(samples):
    # The SDK's fixture is TensorFlow Serving's half_plus_three model: three instances
    # [1.0, 2.0, 5.0] answered by three predictions x / 2 + 3, so three (output, input) rows.
    files = [samples / "sdk-test-fixtures" / "captured-data.jsonl"]
    batch = RowAssembler(["y", "x"]).batch(next(iter_capture_chunks(files)))
    assert batch.to_pylist()[:3] == [{"y": "3.5", "x": "1.0"}, {"y": "4.0", "x": "2.0"},
                                     {"y": "5.5", "x": "5.0"}]


def test_window_filter_and_hour_folders(tmp_path):
    for hour in range(3):
        when = T0 + timedelta(hours=hour)
        _write(tmp_path, [_csv(f"{hour},{m}", "0.5", when + timedelta(minutes=m))
                          for m in (0, 30, 59)], when)
    start, end = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    files = find_capture_files(tmp_path, endpoint="ep", start=start, end=end)
    assert [f.parent.name for f in files] == ["11"]
    rows = _rows(tmp_path, ["y", "a", "b"], start, end)
    assert rows == {"y": ["0.5"] * 3, "a": ["1"] * 3, "b": ["0", "30", "59"]}
    edge = _rows(tmp_path, ["y", "a", "b"], T0 + timedelta(minutes=30),
                 T0 + timedelta(hours=1, minutes=30))
    assert edge["b"] == ["30", "59", "0"]  # start inclusive, end exclusive


@pytest.mark.parametrize("times", [
    ("2024-03-05T09:59:59.999Z", "2024-03-05T10:00:00.500Z", "2024-03-05T10:59:59Z",
     "2024-03-05T11:00:00Z"),
    ("2024-03-05T10:59:59.999+01:00", "2024-03-05T11:00:00.500+01:00", "2024-03-05T10:59:59Z",
     "2024-03-05T12:00:00+01:00"),
])
def test_window_bounds_with_fractions_and_offsets(tmp_path, times):
    path = tmp_path / "loose.jsonl"
    path.write_text("".join(json.dumps({"captureData": {"endpointInput": {
        "data": str(i), "encoding": "CSV"}}, "eventMetadata": {"inferenceTime": t}}) + "\n"
        for i, t in enumerate(times)))
    chunks = list(iter_capture_chunks([path], start=T0, end=T0 + timedelta(hours=1)))
    assert RowAssembler(["a"]).batch(chunks[0]).column("a").to_pylist() == ["1", "2"]


def test_empty_fields_are_missing_and_trailing_newlines_ignored(tmp_path):
    _write(tmp_path, [_csv("1,,3\n", "0.2\n", T0), _csv("4,5,\n", "0.3", T0)], T0)
    assert _rows(tmp_path, ["y", "a", "b", "c"]) == {
        "y": ["0.2", "0.3"], "a": ["1", "4"], "b": [None, "5"], "c": ["3", None]}


def test_base64_quoted_and_multirow_payloads_take_the_row_path(tmp_path):
    binary = capture_record(b"7,8", "application/x-custom", b"0.9", "application/x-custom",
                            inference_time=T0)
    assert binary["captureData"]["endpointInput"]["encoding"] == "BASE64"
    quoted = _csv('"a,b",2', "0.1", T0)
    batch = _csv("1,2\n3,4\n", "0.1\n0.2\n", T0)
    _write(tmp_path, [binary, quoted, batch], T0)
    assert _rows(tmp_path, ["y", "a", "b"]) == {
        "y": ["0.9", "0.1", "0.1", "0.2"], "a": ["7", "a,b", "1", "3"], "b": ["8", "2", "2", "4"]}


def test_input_only_capture_has_input_columns(tmp_path):
    record = capture_record("1,2", "text/csv", None, "", inference_time=T0)
    _write(tmp_path, [record], T0)
    assert _rows(tmp_path, ["a", "b"]) == {"a": ["1"], "b": ["2"]}


def test_more_columns_than_the_baseline_get_spark_names(tmp_path):
    _write(tmp_path, [_csv("1,2,3", "0.1", T0)], T0)
    assert list(_rows(tmp_path, ["y", "a"])) == ["y", "a", "_c2", "_c3"]


def test_records_iterate_with_their_lines(samples):
    path = samples / "capture" / "endpoint-csv.2021-11-30.jsonl"
    records = list(iter_capture_records([path], start=datetime(2021, 10, 21, 19, 28, 39,
                                                               tzinfo=UTC)))
    assert [line for _, _, line in records] == [2, 3]
    assert records[0][0]["eventMetadata"]["eventId"] == "406ab9ed-93a8-41db-ba13-575866b52b90"


def test_preprocessor_rows_map_by_name_by_spark_index_or_sorted_position():
    names = ["y", "a", "b"]
    assert rows_from_dicts([{"b": 2, "y": 0.5}], names) == (["y", "b"], [["0.5"], ["2"]])
    assert rows_from_dicts([{"_c2": True, "_c0": None}], names) == (
        ["y", "b"], [[None], ["true"]])
    assert rows_from_dicts([{"01": 1.0, "00": "x"}, {"00": "z"}], names) == (
        ["y", "a"], [["x", "z"], ["1.0", None]])


@pytest.mark.parametrize(("text", "message", "torn"), [
    (b'{"captureData":{"endpointInput":{"data":"1","encoding":"CSV"}},"eventMeta', "cut short",
     True),
    (b"this is not json\n", "not a JSON capture record", False),
    (b'{"captureData":{"endpointInput":{"data":"1","encoding":"XML"}},'
     b'"eventMetadata":{"inferenceTime":"2024-03-05T10:00:00Z"}}\n', "unknown encoding 'XML'",
     False),
    (b'{"captureData":{"endpointInput":{"data":"1","encoding":"CSV"}},'
     b'"eventMetadata":{"inferenceTime":"yesterday"}}\n', "not an ISO-8601 time", False),
    (b'{"captureData":{"endpointInput":{"data":"1,2,3","encoding":"CSV"}},'
     b'"eventMetadata":{"inferenceTime":"2024-03-05T10:00:00Z"}}\n', "has 3 columns", False),
    (b'{"captureData":{"endpointInput":{"data":"!!","encoding":"BASE64"}},'
     b'"eventMetadata":{"inferenceTime":"2024-03-05T10:00:00Z"}}\n', "not valid base64",
     False),
])
def test_bad_lines_are_skipped_and_named_by_file_line_and_problem(tmp_path, text, message,
                                                                   torn):
    path = _write(tmp_path, [_csv("1", "0.1", T0)], T0, name="f")
    with path.open("ab") as handle:
        handle.write(text)
    tally = CaptureTally()
    assert _rows(tmp_path, ["y", "a"], T0, T0 + timedelta(hours=1), tally) == {
        "y": ["0.1"], "a": ["1"]}
    assert (tally.records, tally.bad, tally.torn) == (1, 0 if torn else 1, 1 if torn else 0)
    [bad] = tally.examples
    assert (bad.path, bad.line, bad.torn) == (str(path), 2, torn) and message in bad.reason


def test_bad_lines_of_the_preprocessor_reader_still_raise(tmp_path):
    path = _write(tmp_path, [_csv("1", "0.1", T0)], T0, name="f")
    with path.open("ab") as handle:
        handle.write(b"this is not json\n")
    with pytest.raises(InputError, match="not a JSON capture record") as caught:
        list(iter_capture_records([path]))
    assert caught.value.line == 2


def test_a_complete_last_line_without_newline_is_fine(tmp_path):
    path = _write(tmp_path, [_csv("1", "0.1", T0)], T0)
    path.write_bytes(path.read_bytes() + json.dumps(_csv("2", "0.2", T0)).encode())
    assert _rows(tmp_path, ["y", "a"])["a"] == ["1", "2"]


def test_other_endpoints_are_never_read(tmp_path):
    _write(tmp_path, [_csv("1", "0.1", T0)], T0)
    assert find_capture_files(tmp_path, endpoint="other") == []
    assert len(find_capture_files(tmp_path, endpoint="ep")) == 1
    assert len(find_capture_files(tmp_path / "ep" / "AllTraffic", endpoint="ep")) == 1


def test_missing_capture_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        find_capture_files(tmp_path / "nope")


@pytest.mark.parametrize("first", [b"null", b" null", b"[1]", b"5", b"\t{}"])
def test_lines_that_are_not_objects_never_reach_arrow(tmp_path, first):
    # pyarrow 26's JSON reader kills the process on a first line of null: such files are
    # read line by line, and the line is a named bad record.
    path = _write(tmp_path, [_csv("1", "0.1", T0)], T0, name="f")
    path.write_bytes(first + b"\n" + path.read_bytes())
    tally = CaptureTally()
    assert _rows(tmp_path, ["y", "a"], tally=tally) == {"y": ["0.1"], "a": ["1"]}
    assert tally.bad == 1 and tally.examples[0].line == 1
