"""Turning capture records into table rows: the output's columns first, then the input's.

Positional values (CSV fields, JSON arrays) are matched by position to the baseline's feature
names (spec section 1.5); JSON objects are matched by key name (``place_object``). Every value
stays text (empty = missing) so the profiler types it as SageMaker does. Plain one-line CSV
records take a vectorized Arrow path; everything else goes record by record, and a record
that cannot be read is skipped and counted (``core.monitoring.capture_errors``), never fatal.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.monitoring.capture_errors import BadRecord, CaptureTally
from core.monitoring.capture_reader import CaptureChunk
from core.monitoring.payload_rows import (
    Decoded,
    Part,
    PayloadError,
    align,
    cell_text,
    clean_text,
    decode_payload,
)

_SPARK_NAME = re.compile(r"^_c\d+$")
# The built-in algorithms' response objects: the label the baseline's label column holds, or
# the score when there is no label (regression).
_RESPONSE_KEYS = frozenset({"predicted_label", "score"})


class RowAssembler:
    """Builds string-column batches from capture chunks.

    Every batch carries every column seen so far, in the same order; a later batch may add
    columns at the end (a JSON key first seen late), never drop one. Records whose positional
    values (CSV fields, JSON arrays) differ in number from the window's are skipped as bad.
    """

    def __init__(self, feature_names: list[str], tally: CaptureTally | None = None) -> None:
        self.feature_names = list(feature_names)
        self.tally = tally if tally is not None else CaptureTally()
        self.width: int | None = None  # positional values per record in this window
        self.columns: list[str] = []
        self._rank = {name: i for i, name in enumerate(self.feature_names)}

    def column_names(self) -> list[str]:
        return list(self.columns)

    def batch(self, chunk: CaptureChunk) -> pa.RecordBatch | None:
        """The chunk's readable rows as a batch of string columns (None when it has none)."""
        for bad in chunk.bad:
            self.tally.add_bad(bad)
        if not len(chunk):
            return None
        fast = self._fast(chunk)
        if fast is not None:
            self.tally.add_good(len(chunk))
            return self._batch(dict(zip(self._positional_names(len(fast)), fast, strict=True)),
                               len(chunk))
        rows = self._slow(chunk)
        if not rows:
            return None
        names = list(dict.fromkeys(name for row in rows for name in row))
        columns = {name: pa.array([row.get(name) for row in rows], pa.string())
                   for name in names}
        return self._batch(columns, len(rows))

    def _batch(self, columns: dict[str, pa.Array], n: int) -> pa.RecordBatch:
        known = set(self.columns)
        new = sorted((name for name in columns if name not in known), key=self._order)
        self.columns += new
        arrays = [columns.get(name) if name in columns else pa.nulls(n, pa.string())
                  for name in self.columns]
        return pa.RecordBatch.from_arrays(arrays, names=list(self.columns))

    def _order(self, name: str) -> tuple[int, int]:
        if name in self._rank:
            return (0, self._rank[name])
        if _SPARK_NAME.match(name):
            return (1, int(name[2:]))
        return (2, 0)  # other keys keep their first-seen order (sorted() is stable)

    def _positional_names(self, width: int) -> list[str]:
        return [self._name(i) for i in range(width)]

    def _name(self, position: int) -> str:
        """Baseline names by position; positions beyond the baseline are ``_c{i}`` (Spark's)."""
        if position < len(self.feature_names):
            return self.feature_names[position]
        return f"_c{position}"

    def _fast(self, chunk: CaptureChunk) -> list[pa.Array] | None:
        """Arrow's CSV reader over every output, then every input payload; None when any
        record needs the row path (not CSV, partly missing, several rows, quotes, ragged)."""
        for encoding in (chunk.input_encoding, chunk.output_encoding):
            if not pc.all(pc.equal(pc.fill_null(encoding, "CSV"), "CSV")).as_py():
                return None
        columns: list[pa.Array] = []
        for data in (chunk.output_data, chunk.input_data):
            if data.null_count == len(data):
                continue  # that capture mode is off
            parsed = None if data.null_count else _parse_csv_payloads(data)
            if parsed is None:
                return None
            columns += parsed
        if not columns or (self.width is not None and len(columns) != self.width):
            return None  # the row path names the records that differ
        self.width = len(columns)
        return columns

    def _slow(self, chunk: CaptureChunk) -> list[dict[str, str | None]]:
        """Row by row; unreadable records go to the tally, the rest become rows."""
        decoded: list[tuple[int, list[dict], int]] = []  # (record, rows, positional width)
        # one conversion per column: indexing an Arrow array builds a scalar per call
        sides = [[values.to_pylist() for values in (data, encoding, content_type)]
                 for data, encoding, content_type in (
                     (chunk.output_data, chunk.output_encoding, chunk.output_content_type),
                     (chunk.input_data, chunk.input_encoding, chunk.input_content_type))]
        for i in range(len(chunk)):
            try:
                rows, width = self._record_rows(sides, i)
            except PayloadError as error:
                self._bad(chunk, i, error.reason, error.field)
                continue
            decoded.append((i, rows, width))
        if self.width is None:
            widths = Counter(w for _, rows, w in decoded if w and rows)
            if widths:  # the window's most common width; ties go to the earliest record
                top = max(widths.values())
                self.width = next(w for _, rows, w in decoded if w and rows and
                                  widths[w] == top)
        out: list[dict] = []
        good = 0
        for i, rows, width in decoded:
            if width and rows and width != self.width:
                self._bad(chunk, i, f"the record has {width} columns but the window's records "
                                    f"have {self.width}")
                continue
            good += 1
            out += rows
        self.tally.add_good(good)
        return out

    def _bad(self, chunk: CaptureChunk, i: int, reason: str, field: str | None = None) -> None:
        path, line = chunk.locate(i)
        self.tally.add_bad(BadRecord(path, line, reason, field))

    def _record_rows(self, sides: list[list[list]], i: int) -> tuple[list[dict], int]:
        output = _decoded(*sides[0], i, "output")
        input_ = _decoded(*sides[1], i, "input")
        rows, widths = [], set()
        for out_part, in_part in align(output, input_):
            row, width = self._place(out_part, in_part)
            rows.append(row)
            widths.add(width)
        if len(widths) > 1:
            counts = " and ".join(map(str, sorted(widths)))
            raise PayloadError(f"the rows of the record have {counts} columns", "captureData")
        return rows, widths.pop() if widths else 0

    def _place(self, out_part: Part | None, in_part: Part | None) -> tuple[dict, int]:
        """One row by column name, and how many values went by position (0 when some went by
        name: such a row is not held to the window's positional width)."""
        row: dict[str, str | None] = {}
        offset = positional = 0
        by_name = False
        for part, side in ((out_part, "output"), (in_part, "input")):
            if part is None:
                continue
            if isinstance(part, dict):
                placed = place_object(part, self.feature_names, side)
                if isinstance(placed, list):
                    part = placed
                else:
                    for name, value in placed.items():
                        _put(row, name, value)
                    offset += len(placed)
                    by_name = True
                    continue
            for j, value in enumerate(part):
                _put(row, self._name(offset + j), value)
            offset += len(part)
            positional += len(part)
        return row, 0 if by_name else positional


def place_object(obj: dict, feature_names: list[str], side: str = "input"
                 ) -> dict[str, str | None] | list[str | None]:
    """Where a JSON object's values go: a dict by column name, or a list by position.

    * any key is a baseline feature name: by name (other keys become columns of their own
      name, so nothing is dropped and the extra-column check sees them);
    * a response holding only ``predicted_label``/``score``: one value, the label if present;
    * every key a Spark default name (``_c0``, ``_c1``...): by that number;
    * otherwise the keys sorted, by position: SageMaker's reading of flattened JSON (Spark
      orders a JSON object's fields by name, which is why AWS examples zero-pad the keys).
    """
    known = set(feature_names)
    if any(key in known for key in obj):
        return dict(obj)
    if side == "output" and set(obj) <= _RESPONSE_KEYS:
        return [obj["predicted_label"] if "predicted_label" in obj else obj["score"]]
    if all(_SPARK_NAME.match(key) for key in obj):
        return {(feature_names[int(key[2:])] if int(key[2:]) < len(feature_names) else key): v
                for key, v in obj.items()}
    return [obj[key] for key in sorted(obj)]


def rows_from_dicts(rows: list[dict], feature_names: list[str]) -> tuple[list[str], list[list]]:
    """Column names and columns for rows a preprocessor returned (see ``place_object``)."""
    placed: list[dict] = []
    for row in rows:
        values = {clean_text(str(k)): cell_text(v) for k, v in row.items()}
        where = place_object(values, feature_names)
        if isinstance(where, list):
            where = {(feature_names[i] if i < len(feature_names) else f"_c{i}"): v
                     for i, v in enumerate(where)}
        placed.append(where)
    keys = list(dict.fromkeys(k for row in placed for k in row))
    rank = {name: i for i, name in enumerate(feature_names)}
    names = sorted(keys, key=lambda k: (0, rank[k]) if k in rank else (
        (1, int(k[2:])) if _SPARK_NAME.match(k) else (2, 0)))
    return names, [[row.get(name) for row in placed] for name in names]


def _put(row: dict, name: str, value) -> None:
    if name in row:
        raise PayloadError(f"two values of the record fill the column {name!r}", "captureData")
    row[name] = value


def _decoded(data: list, encoding: list, content_type: list, i: int,
             side: str) -> Decoded | None:
    text = data[i]
    if text is None:
        return None
    try:
        return decode_payload(text, encoding[i], content_type[i], side)
    except PayloadError as error:
        payload = "endpointOutput" if side == "output" else "endpointInput"
        raise PayloadError(error.reason, error.field or f"captureData.{payload}.data") from error


def _parse_csv_payloads(data: pa.Array | pa.ChunkedArray) -> list[pa.Array] | None:
    """Each payload as one CSV line (Spark's reading: empty fields are null); None unless
    every payload is exactly one unquoted, non-empty row and all rows have the same width.

    Quoted payloads go the row path: Python's csv module is the one reading of quotes, so the
    two paths never disagree about a field.
    """
    # a quote anywhere, or a line break with more text after it: the row path's business
    if _has_quote_or_break(data) and \
            pc.any(pc.match_substring_regex(data, '"|[\r\n][^\r\n]')).as_py():
        return None
    first = data[0].as_py().rstrip("\r\n")
    width = first.count(",") + 1  # no quotes: every comma separates fields
    names = [f"f{i}" for i in range(width)]
    # "payload" + "\n"; a payload's own trailing newline leaves an empty line Arrow skips, and
    # an empty payload leaves no row at all, which the row count below catches
    lines = pc.binary_join_element_wise(data, "", "\n")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset:]
    text = lines.buffers()[2].slice(int(offsets[0]), int(offsets[len(lines)] - offsets[0]))
    try:
        table = pacsv.read_csv(
            pa.BufferReader(text), read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(quote_char=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), null_values=[""],
                strings_can_be_null=True))
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(data):
        return None
    return [column.combine_chunks() for column in table.columns]


def _has_quote_or_break(data: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any payload holds a quote, CR or LF: one scan of the text bytes, so the usual
    plain payloads skip the per-value regex."""
    for chunk in data.chunks if isinstance(data, pa.ChunkedArray) else [data]:
        if not len(chunk):
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:]
        text = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[
            int(offsets[0]):int(offsets[len(chunk)])]
        if np.any((text == 0x22) | (text == 0x0A) | (text == 0x0D)):
            return True
    return False
