"""Reading datasets: CSV dialect details, folders and globs, JSON Lines, and bad input."""

from __future__ import annotations

import pyarrow as pa
import pytest

from core.baseline.run import suggest_baseline
from core.datasets.csv_files import CsvFileReader
from core.datasets.reader import DatasetSpec, iter_batches
from core.errors import InputError


def _table(spec: DatasetSpec) -> pa.Table:
    return pa.Table.from_batches(list(iter_batches(spec)))


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_quotes_embedded_commas_newlines_bom_and_crlf(tmp_path):
    path = _write(tmp_path / "d.csv",
                  b'\xef\xbb\xbfname,note,n\r\n"Smith, J","line one\r\nline two",1\r\n'
                  b'Doe,"say ""hi""",2\r\nX,NA,\r\n')
    table = _table(DatasetSpec(str(path)))
    assert table.column_names == ["name", "note", "n"]
    assert table["name"].to_pylist() == ["Smith, J", "Doe", "X"]
    assert table["note"].to_pylist() == ["line one\r\nline two", 'say "hi"', "NA"]
    assert table["n"].to_pylist() == ["1", "2", None]  # only an empty field is missing


def test_without_header_columns_are_named_like_spark(tmp_path):
    path = _write(tmp_path / "d.csv", b"1,a\n2,b\n")
    table = _table(DatasetSpec(str(path), header=False))
    assert table.column_names == ["_c0", "_c1"] and table.num_rows == 2


def test_chunk_cuts_never_split_a_quoted_field(tmp_path):
    rows = [f'{i},"multi\nline {i}, with comma"' for i in range(2_000)]
    path = _write(tmp_path / "d.csv", ("id,text\n" + "\n".join(rows) + "\n").encode())
    reader = CsvFileReader(path, header=True, chunk_bytes=1_000)
    batches = [batch for batch, _ in reader.batches()]
    table = pa.Table.from_batches(batches)
    assert len(batches) > 10
    assert table["id"].to_pylist() == [str(i) for i in range(2_000)]
    assert table["text"][1999].as_py() == "multi\nline 1999, with comma"


def test_folder_and_glob_read_every_data_file_in_order(tmp_path):
    for name, body in (("b.csv", "x\n3\n"), ("a.csv", "x\n1\n2\n"), ("_SUCCESS", ""),
                       (".hidden.csv", "x\n9\n")):
        (tmp_path / name).write_text(body)
    assert _table(DatasetSpec(str(tmp_path)))["x"].to_pylist() == ["1", "2", "3"]
    assert _table(DatasetSpec(str(tmp_path / "*.csv")))["x"].to_pylist() == ["1", "2", "3"]


def test_json_lines_become_text_columns_sorted_by_name(tmp_path):
    path = _write(tmp_path / "d.jsonl",
                  b'{"b": 1, "a": "x", "c": true}\n\n{"a": null, "b": 2.5, "d": {"k": 1}}\n')
    table = _table(DatasetSpec(str(path)))
    assert table.column_names == ["a", "b", "c", "d"]
    assert table.to_pylist() == [{"a": "x", "b": "1", "c": "true", "d": None},
                                 {"a": None, "b": "2.5", "c": None, "d": '{"k":1}'}]


BAD_INPUTS = {
    "missing file": (None, "does not exist", None),
    "empty file": (b"", "is empty", None),
    "header only": (b"a,b\n", "header but no data rows", 2),
    "ragged row": (b"a,b\n1,2\n3,4\n5\n6,7\n", "ragged row: expected 2 columns, got 1", 4),
    "undecodable bytes": (b"a,b\n1,2\n3,\xff\xfe\n", "not UTF-8", 3),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_names_file_and_line_and_writes_nothing(tmp_path, case):
    content, message, line = BAD_INPUTS[case]
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "out"
    with pytest.raises(InputError) as raised:
        suggest_baseline(DatasetSpec(str(path)), out)
    text = str(raised.value)
    assert str(path) in text and message in text and "\n" not in text
    if line is not None:
        assert f"line {line}" in text
    assert not out.exists() or not any(out.iterdir())


def test_a_folder_without_data_files_is_an_error(tmp_path):
    (tmp_path / "notes.md").write_text("hello")
    with pytest.raises(InputError, match="no data files"):
        list(iter_batches(DatasetSpec(str(tmp_path))))


def test_bad_json_line_names_the_line(tmp_path):
    path = _write(tmp_path / "d.jsonl", b'{"a": 1}\n{"a": \n')
    with pytest.raises(InputError, match="line 2"):
        list(iter_batches(DatasetSpec(str(path))))
