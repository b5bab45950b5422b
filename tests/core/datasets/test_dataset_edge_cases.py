"""Datasets at the edge of valid: what Spark's reader accepts is accepted the same way, what
it would misread is refused with the file and line (the corpus has the refusals' wording)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from core.datasets.csv_files import spark_header
from core.datasets.jsonl_files import MAX_RECORD_BYTES
from core.datasets.reader import DatasetSpec, iter_batches
from core.errors import InputError


def _table(path, **options) -> pa.Table:
    return pa.Table.from_batches(list(iter_batches(DatasetSpec(str(path), **options))))


@pytest.mark.parametrize("header, names", [
    (["a", "b"], ["a", "b"]),
    (["a", "a"], ["a0", "a1"]),
    (["x", "X", "y"], ["x0", "X1", "y"]),  # Spark compares case-insensitively by default
    (["", "b", ""], ["_c0", "b", "_c2"]),
    (["id", "", "id", "v"], ["id0", "_c1", "id2", "v"]),
])
def test_header_names_follow_sparks_make_safe_header(header, names, tmp_path):
    assert spark_header(header, tmp_path / "d.csv") == names
    path = tmp_path / "d.csv"
    path.write_text(",".join(header) + "\n" + ",".join("1" * len(header)) + "\n")
    assert _table(path).column_names == names  # and no column is lost to a repeated name


def test_a_name_repeated_even_after_renaming_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"line 1: the header names column 3 'a1' like "
                                         r"column 2"):
        spark_header(["a", "a", "a1"], tmp_path / "d.csv")


def test_carriage_return_line_ends_are_read_as_lines(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"a,b\r1,x\r2,y\r")
    table = _table(path)
    assert table.column_names == ["a", "b"] and table["b"].to_pylist() == ["x", "y"]


def test_a_quote_inside_an_unquoted_field_is_text(tmp_path):
    path = tmp_path / "heights.csv"
    path.write_bytes(b"name,height\nann,5'11\"\nbob,6'0\"\n")
    assert _table(path)["height"].to_pylist() == ["5'11\"", "6'0\""]


def test_an_unclosed_quote_names_the_line_where_it_opens(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 10 + b'3,"open\n4,5\n')
    with pytest.raises(InputError, match=r"d.csv, line 12: a quoted field starts here and is "
                                         r"never closed"):
        _table(path)


def test_a_json_lines_record_longer_than_the_limit_is_refused_without_parsing_it(tmp_path):
    path = tmp_path / "d.jsonl"
    with open(path, "wb") as handle:
        handle.write(b'{"a": 1}\n{"a": "')
        handle.write(b"x" * (MAX_RECORD_BYTES + 10))
        handle.write(b'"}\n')
    with pytest.raises(InputError, match=r"d.jsonl, line 2: a record longer than 64 MB"):
        _table(path)


def test_json_lines_errors_give_the_column_within_the_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"a": 1}\r\n{"a": \r\n')
    with pytest.raises(InputError, match=r"line 2: not valid JSON \(Expecting value at column "
                                         r"7\)"):
        _table(path)
