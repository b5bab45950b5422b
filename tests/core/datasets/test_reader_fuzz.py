"""Dataset readers, ``baseline`` and ``monitor`` under fuzzing: any CSV or JSON Lines text gives
a result or a ``core.errors.AppError`` naming the file, never another exception. What
``baseline`` writes is always readable again by our own validating readers."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec, iter_batches
from core.errors import AppError
from core.formats.constraints import read_constraints
from core.formats.statistics import read_statistics
from core.monitoring.execution import FAILED, MonitoringRequest, run_monitoring
from tests.core.monitoring.helpers import SCHEDULED

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# the characters that matter to a CSV reader, plus a few that matter to a decoder
csv_alphabet = st.sampled_from(list(',"\n\r\t ;\\') + list("ab1.-+eE0") + ["\x00", "é", "\ufeff"])
csv_text = st.text(alphabet=csv_alphabet, max_size=120)
field = st.one_of(st.from_regex(r"-?\d{1,4}(\.\d{1,3})?", fullmatch=True),
                  st.sampled_from(["", "true", "a", "b c", '"q,uoted"', "NaN", " 1", "1e5"]))
csv_table = st.lists(st.lists(field, min_size=1, max_size=4), min_size=1, max_size=12).map(
    lambda rows: "\n".join(",".join(row) for row in rows) + "\n")
jsonl_value = st.recursive(st.none() | st.booleans() | st.integers() | st.floats()
                           | st.text(max_size=6),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                           max_leaves=8)
jsonl_text = st.lists(st.one_of(jsonl_value.map(json.dumps),
                                st.dictionaries(st.sampled_from("abc"), jsonl_value,
                                                max_size=3).map(json.dumps),
                                st.text(max_size=10)), max_size=6).map("\n".join)


def _file(folder: str, name: str, data: bytes) -> Path:
    path = Path(folder) / name
    path.write_bytes(data)
    return path


def _read(spec: DatasetSpec):
    try:
        return pa.Table.from_batches(list(iter_batches(spec)))
    except AppError as error:
        assert spec.path in str(error) or Path(spec.path).name in str(error), error
        return None


@FUZZ
@given(text=csv_text | csv_table, header=st.booleans())
def test_any_csv_text_reads_or_gives_an_app_error(text, header):
    with tempfile.TemporaryDirectory() as folder:
        path = _file(folder, "d.csv", text.encode("utf-8"))
        _read(DatasetSpec(str(path), header=header))


@FUZZ
@given(data=st.binary(max_size=200))
def test_any_bytes_as_csv_or_json_lines_read_or_give_an_app_error(data):
    with tempfile.TemporaryDirectory() as folder:
        _read(DatasetSpec(str(_file(folder, "d.csv", data))))
        _read(DatasetSpec(str(_file(folder, "d.jsonl", data))))


@FUZZ
@given(text=jsonl_text)
def test_any_json_lines_text_reads_or_gives_an_app_error(text):
    with tempfile.TemporaryDirectory() as folder:
        _read(DatasetSpec(str(_file(folder, "d.jsonl", text.encode("utf-8")))))


@FUZZ
@given(text=csv_table | csv_text)
def test_baseline_end_to_end_gives_readable_files_or_an_app_error(text):
    with tempfile.TemporaryDirectory() as folder:
        path = _file(folder, "d.csv", text.encode("utf-8"))
        out = Path(folder) / "out"
        try:
            result = suggest_baseline(DatasetSpec(str(path)), out)
        except AppError:
            assert not out.exists()  # nothing half-written
            return
        statistics = read_statistics(result.statistics_path)  # our output passes our schema
        constraints = read_constraints(result.constraints_path)
        assert len(statistics["features"]) == len(constraints["features"]) == \
            result.feature_count


@pytest.fixture(scope="module")
def good_baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    data = folder / "train.csv"
    data.write_text("a,b,c\n" + "".join(f"{i},{i * 0.5},{'xyz'[i % 3]}\n" for i in range(60)))
    result = suggest_baseline(DatasetSpec(str(data)), folder / "baseline")
    return result.statistics_path, result.constraints_path


@FUZZ
@given(text=csv_table | csv_text, header=st.booleans())
def test_monitor_end_to_end_gives_a_result_never_an_exception(good_baseline, text, header):
    with tempfile.TemporaryDirectory() as folder:
        path = _file(folder, "window.csv", text.encode("utf-8"))
        reports = Path(folder) / "reports"
        result = run_monitoring(MonitoringRequest(
            good_baseline[0], good_baseline[1], reports, None, "fuzz", SCHEDULED,
            dataset=DatasetSpec(str(path), header=header)))
        if result.status == FAILED:
            assert result.failure_reason and "\n" not in result.failure_reason
            assert not reports.exists()
        else:
            assert (result.report_dir / "constraint_violations.json").is_file()


chunk_field = st.one_of(st.from_regex(r"[a-c0-9]{0,3}", fullmatch=True),
                        st.sampled_from(['"x,y"', '"l1\nl2"', '"q""q"', "", '"\r\n"']))


@FUZZ
@given(rows=st.lists(st.lists(chunk_field, min_size=2, max_size=2), min_size=1, max_size=30),
       chunk=st.integers(8, 64), crlf=st.booleans())
def test_reading_in_small_chunks_gives_the_table_of_one_read(rows, chunk, crlf):
    """Chunks are cut at record boundaries only: quoted commas and newlines never split."""
    from core.datasets.csv_files import CsvFileReader

    newline = "\r\n" if crlf else "\n"
    text = "a,b" + newline + newline.join(",".join(row) for row in rows) + newline

    def read(path, chunk_bytes):
        reader = CsvFileReader(path, header=True, chunk_bytes=chunk_bytes)
        try:
            return pa.Table.from_batches([b for b, _ in reader.batches()]).to_pylist()
        except AppError as error:
            return str(error)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.csv"
        path.write_text(text, newline="")
        assert read(path, chunk) == read(path, 1 << 20)
