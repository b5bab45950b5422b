"""Capture payloads as real endpoints send them: multi-row CSV, SageMaker's JSON forms, base64.

Each test generates the class (hypothesis), writes real capture files with the endpoint's own
record builder, reads them back through the reader and the row assembler, and compares with
the table the records were made from.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.formats.capture import capture_file_path, capture_record, encode_record
from core.monitoring import capture_reader
from core.monitoring.capture_errors import CaptureTally
from core.monitoring.capture_reader import iter_capture_chunks
from core.monitoring.capture_rows import RowAssembler
from core.monitoring.payload_rows import cell_text

T0 = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
NAMES = ["y", "a", "b", "c"]
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Any text a CSV field can carry (commas, quotes, CR, LF), never NUL or lone surrogates.
field_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                     max_size=8)
json_value = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                       st.floats(allow_nan=False, allow_infinity=False, width=32),
                       st.text(st.characters(blacklist_categories=("Cs",)), max_size=6))


def _write_files(root: Path, records: list[dict], per_file: int) -> list[Path]:
    paths = []
    for n, lo in enumerate(range(0, len(records), per_file)):
        path = capture_file_path(root, "ep", "AllTraffic", T0 + timedelta(seconds=n),
                                 file_id=f"f{n:04d}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(encode_record(r) for r in records[lo:lo + per_file]))
        paths.append(path)
    return paths


def _read(paths: list[Path], names=NAMES) -> tuple[list[dict], CaptureTally]:
    tally = CaptureTally()
    assembler = RowAssembler(names, tally)
    rows: list[dict] = []
    for chunk in iter_capture_chunks(paths, start=T0, end=T0 + timedelta(hours=1)):
        batch = assembler.batch(chunk)
        if batch is not None:
            rows += batch.to_pylist()
    return rows, tally


def _csv_text(rows: list[list[str]], terminator: str, trailing: bool) -> str:
    """RFC 4180: a field with a comma, quote, CR or LF is quoted (Python's csv writer leaves
    a lone CR unquoted when the terminator is LF); a lone empty field is quoted too, or the
    line would be blank."""
    def field(value: str, alone: bool) -> str:
        if any(ch in value for ch in ',"\r\n') or (alone and value == ""):
            return '"' + value.replace('"', '""') + '"'
        return value

    text = terminator.join(",".join(field(v, len(row) == 1) for v in row) for row in rows)
    return text + terminator if trailing else text


def _record(inp, inp_type, out, out_type, i):
    return capture_record(inp, inp_type, out, out_type, inference_time=T0 + timedelta(
        seconds=i % 3600), event_id=f"e{i}")


@st.composite
def csv_windows(draw):
    """A table of text rows cut into requests of 1-4 rows each, with their 1-column answers."""
    width = draw(st.integers(1, 3))
    row = st.lists(field_text, min_size=width, max_size=width)
    requests = draw(st.lists(st.lists(st.tuples(field_text, row), min_size=1, max_size=4),
                             min_size=1, max_size=12))
    return (width, requests, draw(st.sampled_from(["\n", "\r\n"])), draw(st.booleans()),
            draw(st.integers(1, 5)))


@FAST
@given(csv_windows())
def test_multi_row_csv_requests_at_any_position_give_every_row(tmp_path_factory, window):
    width, requests, terminator, trailing, per_file = window
    root = tmp_path_factory.mktemp("csv")
    records, expected = [], []
    for i, request in enumerate(requests):
        outputs = [[out] for out, _ in request]
        inputs = [values for _, values in request]
        records.append(_record(_csv_text(inputs, terminator, trailing), "text/csv",
                               _csv_text(outputs, terminator, trailing), "text/csv", i))
        for (out, values) in request:
            expected.append({"y": out or None, **{
                _name(1 + j): (v if v != "" else None) for j, v in enumerate(values)}})
    rows, tally = _read(_write_files(root, records, per_file))
    assert (tally.bad, tally.records) == (0, len(records))
    assert rows == expected


def _name(position: int) -> str:
    return NAMES[position] if position < len(NAMES) else f"_c{position}"


def test_a_multi_row_first_record_in_every_file_group_is_read(tmp_path, monkeypatch):
    # The first payload of a group used to go through csv.reader as one line: a newline in
    # it raised an uncaught _csv.Error. Every group here starts with a two-row record.
    monkeypatch.setattr(capture_reader, "CHUNK_BYTES", 1)  # one file per group
    records = [_record("1,2\n3,4\n", "text/csv", "0.1\n0.2\n", "text/csv", i)
               for i in range(4)]
    rows, tally = _read(_write_files(tmp_path, records, 1))
    assert len(rows) == 8 and tally.bad == 0
    assert rows[:2] == [{"y": "0.1", "a": "1", "b": "2"}, {"y": "0.2", "a": "3", "b": "4"}]


# -- JSON requests and responses -------------------------------------------------------------

def _request_forms(rows: list[dict], rng: random.Random) -> list[tuple[str, str]]:
    """(body, content type) of every request form that carries ``rows`` (dicts a, b, c)."""
    lists = [[r[k] for k in ("a", "b", "c")] for r in rows]
    shuffled = [dict(rng.sample(sorted(r.items()), len(r))) for r in rows]  # key order shuffled
    forms = [(json.dumps({"instances": lists}), "application/json"),
             (json.dumps({"instances": [{"features": v} for v in lists]}), "application/json"),
             (json.dumps(lists), "application/json"),
             (json.dumps(shuffled), "application/json"),
             ("\n".join(json.dumps({"features": v}) for v in lists), "application/jsonlines"),
             ("\n".join(json.dumps(o) for o in shuffled) + "\n", "application/jsonlines")]
    if len(rows) == 1:
        forms += [(json.dumps(shuffled[0]), "application/json"),
                  (json.dumps(lists[0]), "application/json")]
    return forms


def _response_forms(scores: list, labels: list) -> list[tuple[str, str, list]]:
    """(body, content type, the output value each row gets)."""
    forms = [(json.dumps({"predictions": scores}), "application/json", scores),
             (json.dumps(scores), "application/json", scores),
             (json.dumps({"predictions": [{"score": s, "predicted_label": p}
                                          for s, p in zip(scores, labels)]}),
              "application/json", labels),
             (json.dumps({"predictions": [{"score": s} for s in scores]}), "application/json",
              scores),
             ("\n".join(json.dumps({"score": s, "predicted_label": p})
                        for s, p in zip(scores, labels)), "application/jsonlines", labels),
             ("\n".join(str(s) for s in scores), "text/csv", scores)]
    if len(scores) == 1:
        forms.append((json.dumps(scores[0]), "application/json", scores))
    return forms


@st.composite
def json_windows(draw):
    n_records = draw(st.integers(1, 6))
    out = []
    for _ in range(n_records):
        n = draw(st.integers(1, 4))
        rows = [{k: draw(json_value) for k in ("a", "b", "c")} for _ in range(n)]
        scores = draw(st.lists(st.floats(0, 1, width=32), min_size=n, max_size=n))
        labels = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
        out.append((rows, scores, labels, draw(st.integers(0, 99)), draw(st.integers(0, 99)),
                    draw(st.booleans())))
    return out, draw(st.randoms(use_true_random=False))


@FAST
@given(json_windows())
def test_json_forms_give_one_row_per_instance_matched_by_name(tmp_path_factory, window):
    cases, rng = window
    root = tmp_path_factory.mktemp("json")
    records, expected = [], []
    for i, (rows, scores, labels, pick_in, pick_out, b64) in enumerate(cases):
        requests = _request_forms(rows, rng)
        body, ctype = requests[pick_in % len(requests)]
        responses = _response_forms(scores, labels)
        out_body, out_type, outputs = responses[pick_out % len(responses)]
        if b64:  # content types outside the capture lists are captured as base64
            body, ctype = body.encode(), ctype.replace("application/", "application/x-b64-")
        records.append(_record(body, ctype, out_body, out_type, i))
        expected += [{"y": cell_text(o), **{k: cell_text(r[k]) for k in ("a", "b", "c")}}
                     for o, r in zip(outputs, rows)]
    rows_read, tally = _read(_write_files(root, records, 4))
    assert (tally.bad, tally.records) == (0, len(records)), tally.examples
    assert rows_read == expected


def test_object_keys_map_by_name_not_position(tmp_path):
    records = [_record('{"c":3,"b":2.5,"a":1}', "application/json", "0.5", "text/csv", 0),
               _record('{"a":4,"extra":"x"}', "application/json", "0.6", "text/csv", 1)]
    rows, tally = _read(_write_files(tmp_path, records, 2))
    assert rows == [{"y": "0.5", "a": "1", "b": "2.5", "c": "3", "extra": None},
                    {"y": "0.6", "a": "4", "b": None, "c": None, "extra": "x"}]


def test_flattened_json_of_unknown_keys_is_read_sorted_as_sagemaker_does(tmp_path):
    record = _record('{"feature01": 2, "feature00": 1, "feature02": 3}', "application/json",
                     '{"prediction0": 0.9}', "application/json", 0)
    rows, _ = _read(_write_files(tmp_path, [record], 1))
    assert rows == [{"y": "0.9", "a": "1", "b": "2", "c": "3"}]


def test_a_json_key_first_seen_in_a_later_file_group_is_a_column_missing_before(
        tmp_path, monkeypatch):
    from core.monitoring.window_profile import _add_late_columns
    from core.profiling.profiler import TableProfiler

    monkeypatch.setattr(capture_reader, "CHUNK_BYTES", 1)
    records = [_record('{"a": 1}', "application/json", "0.1", "text/csv", 0),
               _record('{"a": 2, "b": "x"}', "application/json", "0.2", "text/csv", 1)]
    assembler = RowAssembler(NAMES)
    profiler = None
    for chunk in iter_capture_chunks(_write_files(tmp_path, records, 1)):
        batch = assembler.batch(chunk)
        profiler = profiler or TableProfiler(batch.schema.names)
        _add_late_columns(profiler, batch)
        profiler.update(batch)
    features = {f["name"]: f for f in profiler.result().statistics["features"]}
    assert list(features) == ["y", "a", "b"]
    assert features["b"]["string_statistics"]["common"] == {"num_present": 1, "num_missing": 1}


@pytest.mark.parametrize(("inp", "out", "expected"), [
    ('{"instances": [1.0, 2.0, 5.0]}', '{"predictions": [3.5, 4.0, 5.5]}',
     [("3.5", "1.0"), ("4.0", "2.0"), ("5.5", "5.0")]),  # TF Serving: three instances
    ('[1, 2]', '[0.7]', [("0.7", "1", "2")]),  # one row of two values, one answer
    ('{"instances": [1, 2]}', '0.7', [("0.7", "1", "2")]),  # the answer says: one instance
    ('[[1, 2], [3, 4]]', '[0.1, 0.2]', [("0.1", "1", "2"), ("0.2", "3", "4")]),
])
def test_bare_value_lists_are_read_to_match_the_other_side(tmp_path, inp, out, expected):
    rows, tally = _read(_write_files(tmp_path, [_record(inp, "application/json", out,
                                                        "application/json", 0)], 1))
    assert [tuple(v for v in r.values() if v is not None) for r in rows] == expected


def test_base64_of_unknown_type_is_sniffed_and_binary_is_a_bad_record(tmp_path):
    good = _record(b'{"a": 1, "b": 2, "c": 3}', "application/octet-stream", b"0.4",
                   "application/octet-stream", 0)
    binary = _record(b"\xff\xd8\xff\xe0", "image/jpeg", b"0.5", "text/csv", 1)
    assert binary["captureData"]["endpointInput"]["encoding"] == "BASE64"
    rows, tally = _read(_write_files(tmp_path, [good, binary], 2))
    assert rows == [{"y": "0.4", "a": "1", "b": "2", "c": "3"}]
    assert tally.bad == 1 and "binary data (image/jpeg)" in tally.examples[0].reason
    assert tally.examples[0].field == "captureData.endpointInput.data"


def test_quoted_fields_crlf_and_embedded_newlines(tmp_path):
    body = 'x,"a ""quoted"", field","line\r\nbreak"\r\n,2,\r\n'
    record = _record(body, "text/csv", "1\r\n0\r\n", "text/csv", 0)
    rows, tally = _read(_write_files(tmp_path, [record], 1), names=["y", "p", "q", "r"])
    assert rows == [{"y": "1", "p": "x", "q": 'a "quoted", field', "r": "line\r\nbreak"},
                    {"y": "0", "p": None, "q": "2", "r": None}]


@pytest.mark.parametrize(("inp", "out", "reason"), [
    ("1,2\n3,4\n", "0.1\n", "the output has 1 rows but the input has 2"),
    ('{"instances": [[1, 2], 3]}', "0.1", "mixes single values and rows"),
    ('{"a": 1', "0.1", "the input JSON cannot be read"),
    ("", "0.1", "the input payload is empty"),
    ('{}', "0.1", "empty object"),
    ("1,2,3", "0.1", "the record has 4 columns but the window's records have 3"),
    ('[' * 5000 + ']' * 5000, "0.1", "nested too deeply"),
])
def test_undecodable_records_are_skipped_and_named(tmp_path, inp, out, reason):
    good = [_record("5,6", "text/csv", "0.9", "text/csv", i) for i in range(3)]
    bad = _record(inp, "application/json" if inp[:1] in "{[" else "text/csv", out, "text/csv", 9)
    paths = _write_files(tmp_path, [*good[:2], bad, good[2]], 10)
    rows, tally = _read(paths)
    assert len(rows) == 3 and (tally.records, tally.bad) == (3, 1)
    [named] = tally.examples
    assert reason in named.reason and (named.path, named.line) == (str(paths[0]), 3)


def test_base64_payload_decoding_class(tmp_path):
    forms = [("text/x-csv", b"1,2,3"), ("application/x-json", b'{"a":1,"b":2,"c":3}'),
             ("application/octet-stream", b"1,2,3"), ("application/x-jsonlines",
                                                       b'{"features":[1,2,3]}\n')]
    records = [_record(body, ctype, "0.5", "text/csv", i) for i, (ctype, body) in
               enumerate(forms)]
    rows, tally = _read(_write_files(tmp_path, records, 4))
    assert tally.bad == 0 and rows == [{"y": "0.5", "a": "1", "b": "2", "c": "3"}] * 4
