"""Read one CSV file as text columns, a bounded byte range at a time.

Each range ends at a record boundary (a newline outside quotes: RFC 4180 quotes toggle, so
an even number of quote bytes before the newline means it is outside any quoted field) and
is parsed by arrow's multi-threaded reader. Errors name the file and the physical line.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from core.errors import InputError

log = logging.getLogger(__name__)

CHUNK_BYTES = 16 << 20  # arrow parses each chunk as two blocks, one per core
_NON_SPACE = re.compile(rb"\S")
_BOM = b"\xef\xbb\xbf"
_ROW_ERROR = re.compile(r"(?:Row #(\d+): )?(Expected \d+ columns, got \d+): ?(.*)", re.DOTALL)


class CsvFileReader:
    """Yields ``(batch, bytes consumed)`` for one CSV file; batch columns are all text."""

    def __init__(self, path: Path, *, header: bool, names: list[str] | None = None,
                 chunk_bytes: int | None = None) -> None:
        self.path = path
        self.header = header
        self.names = names
        self.chunk_bytes = chunk_bytes or CHUNK_BYTES

    def batches(self) -> Iterator[tuple[pa.RecordBatch, int]]:
        if self.path.stat().st_size == 0:
            raise InputError("the file is empty", path=str(self.path))
        with open(self.path, "rb") as handle:
            for position, data, size in self._chunks(handle):
                view = memoryview(data)[:size]
                if position == 0:
                    if data.startswith(_BOM):
                        view = view[len(_BOM):]
                    self._start(view)
                quoted = data.find(b'"', 0, size) >= 0
                if quoted:
                    self._check_quotes_closed(data, size, position)
                table = self._parse(view, position, position == 0 and self.header, quoted)
                batches = table.to_batches()
                for i, batch in enumerate(batches or [_empty(self.names)]):
                    yield batch, size if i == 0 else 0

    def _start(self, data: memoryview) -> None:
        if not _NON_SPACE.search(data):
            raise InputError("the file is empty", path=str(self.path))
        head = bytes(data[: 1 << 20])
        first = _first_record(head, self.path)
        if b"\x00" in head:  # UTF-16 text or a binary file; never a CSV a person meant
            raise InputError("NUL bytes (the file looks like UTF-16 or binary, expected UTF-8 "
                             "text)", path=str(self.path), line=1 + head.count(b"\n", 0,
                                                                            head.index(b"\x00")))
        if self.names is None:
            self.names = (spark_header(first, self.path) if self.header
                          else [f"_c{i}" for i in range(len(first))])
        elif len(first) != len(self.names):
            raise InputError(f"expected {len(self.names)} columns like the first file, "
                             f"got {len(first)}", path=str(self.path), line=1)

    def _chunks(self, handle: io.BufferedReader) -> Iterator[tuple[int, bytes, int]]:
        """``(file offset, bytes, usable length)``: each ends at a record boundary."""
        position = 0
        while True:
            handle.seek(position)
            data = handle.read(self.chunk_bytes)
            if len(data) < self.chunk_bytes:
                if data:
                    yield position, data, len(data)
                return
            cut = _record_boundary(data)
            while cut <= 0:  # one record longer than a chunk: read on
                more = handle.read(self.chunk_bytes)
                if not more:
                    yield position, data, len(data)
                    return
                data += more
                cut = _record_boundary(data)
            yield position, data, cut
            position += cut  # the next read starts at the cut: no copying of the tail

    def _parse(self, data: memoryview, position: int, skip_header: bool,
               quoted: bool) -> pa.Table:
        names = self.names or []
        options = dict(
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if skip_header else 0,
                                           use_threads=True,
                                           block_size=max(1 << 20, self.chunk_bytes // 2)),
            parse_options=pacsv.ParseOptions(newlines_in_values=quoted),
            # Spark's CSV reader: only an empty field is null; "NA", "null", "NaN" are text,
            # and a quoted empty string "" is an empty string, not a null.
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=False,
                true_values=[], false_values=[]),
        )
        try:
            return pacsv.read_csv(pa.py_buffer(data), **options)
        except pa.ArrowInvalid as error:
            raise self._located(error, bytes(data), self._line_at(position)) from None

    def _check_quotes_closed(self, data: bytes, size: int, position: int) -> None:
        """Refuse a quoted field that is never closed: arrow would read the rest of the file
        into it. A quote inside an unquoted field (``5'11"``) is text and stays allowed."""
        if data.count(b'"', 0, size) % 2 == 0:
            return
        last = data.rfind(b'"', 0, size)
        if last == 0 or data[last - 1:last] in (b",", b"\n", b"\r", b"\xbf"):  # \xbf: BOM
            line = self._line_at(position) + data.count(b"\n", 0, last)
            raise InputError("a quoted field starts here and is never closed (a missing \")",
                             path=str(self.path), line=line)

    def _line_at(self, position: int) -> int:
        """The line number at byte ``position`` (counted only when an error needs it)."""
        with open(self.path, "rb") as handle:
            return 1 + handle.read(position).count(b"\n")

    def _located(self, error: pa.ArrowInvalid, data: bytes, first_line: int) -> InputError:
        text = str(error)
        if "UTF8" in text or "UTF-8" in text:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                line = first_line + data.count(b"\n", 0, bad.start)
                return InputError(f"bytes that are not UTF-8 text (byte 0x{data[bad.start]:02x})",
                                  path=str(self.path), line=line)
            return InputError("text that is not valid UTF-8", path=str(self.path))
        if "Could not skip initial" in text:  # a header without a newline and nothing else
            return InputError("the dataset has a header but no data rows", path=str(self.path),
                              line=2)
        match = _ROW_ERROR.search(text)
        if match:
            row_number = int(match.group(1) or 1)
            line = _line_of(data, match.group(3), first_line, row_number)
            return InputError(f"ragged row: {match.group(2).lower()}",
                              path=str(self.path), line=line)
        return InputError(f"cannot be read as CSV ({text})", path=str(self.path))


def _record_boundary(data: bytes) -> int:
    """Index just past the last newline of ``data`` that lies outside quoted fields (0: none)."""
    cut = data.rfind(b"\n")
    if cut < 0:
        return 0
    if data.find(b'"') < 0:
        return cut + 1
    quotes_before = data.count(b'"', 0, cut)
    while quotes_before % 2:
        previous = data.rfind(b"\n", 0, cut)
        if previous < 0:
            return 0
        quotes_before -= data.count(b'"', previous, cut)
        cut = previous
    return cut + 1


def _first_record(data: bytes, path: Path) -> list[str]:
    head = data[: 1 << 20]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as bad:
        if bad.start < len(head) - 4:  # not just a character cut at the 1 MB mark
            raise InputError(f"bytes that are not UTF-8 text (byte 0x{head[bad.start]:02x})",
                             path=str(path), line=1 + head.count(b"\n", 0, bad.start)) from None
        text = head[: bad.start].decode("utf-8")
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as error:
        raise InputError(f"the first record cannot be read as CSV ({error})", path=str(path),
                         line=1) from None


def spark_header(row: list[str], path: Path) -> list[str]:
    """Column names as Spark's CSV reader makes them from a header (``makeSafeHeader``): an
    empty name becomes ``_c{i}``; a name used twice (ignoring case) gets its index appended
    to every use, so ``a,A`` becomes ``a0,A1`` and no column is lost."""
    lowered = [name.lower() for name in row if name]
    twice = {name for name in lowered if lowered.count(name) > 1}
    names = [f"_c{i}" if not name else f"{name}{i}" if name.lower() in twice else name
             for i, name in enumerate(row)]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name.lower() in seen:  # e.g. a,a,a1: the renamed a1 meets a real a1
            raise InputError(f"the header names column {i + 1} {name!r} like column "
                             f"{seen[name.lower()] + 1}, even after Spark's renaming of "
                             "repeated names", path=str(path), line=1)
        seen[name.lower()] = i
    return names


def _line_of(data: bytes, row_text: str, first_line: int, row_number: int) -> int:
    """The physical line holding ``row_text`` as a whole line, else arrow's row number."""
    needle = row_text.encode("utf-8")
    position = data.find(needle) if needle else -1
    while position >= 0:
        after = data[position + len(needle):position + len(needle) + 1]
        if (position == 0 or data[position - 1] in b"\n\r") and after in (b"", b"\n", b"\r"):
            return first_line + data.count(b"\n", 0, position)
        position = data.find(needle, position + 1)
    return first_line + row_number - 1


def _empty(names: list[str] | None) -> pa.RecordBatch:
    names = names or []
    return pa.RecordBatch.from_arrays([pa.array([], pa.string()) for _ in names], names=names)
