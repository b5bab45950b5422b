"""Turning capture records into table rows: the output's columns first, then the input's.

Columns are matched by position to the baseline's feature names (spec section 1.5); every
value stays text (empty = missing) so the profiler types it as SageMaker does. Plain CSV
records take a vectorized Arrow path; JSON, base64, quoted or multi-row payloads go row by row.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
import re
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.errors import InputError
from core.monitoring.capture_reader import CaptureChunk

_SPARK_NAME = re.compile(r"^_c\d+$")


class RowAssembler:
    """Builds string-column batches from capture chunks; every row must have the same width."""

    def __init__(self, feature_names: list[str]) -> None:
        self.feature_names = list(feature_names)
        self.width: int | None = None

    def column_names(self) -> list[str]:
        """Baseline names by position; columns beyond the baseline are ``_c{i}`` (Spark's)."""
        width = self.width or 0
        extra = [f"_c{i}" for i in range(len(self.feature_names), width)]
        return self.feature_names[:width] + extra

    def batch(self, chunk: CaptureChunk) -> pa.RecordBatch | None:
        """The chunk's rows as a batch of string columns, or None when it has no records.

        Raises:
            InputError: a record's payload cannot be decoded, or its column count differs.
        """
        if not len(chunk):
            return None
        columns = self._fast(chunk)
        if columns is None:
            columns = self._slow(chunk)
        return pa.RecordBatch.from_arrays(columns, names=self.column_names())

    def _fast(self, chunk: CaptureChunk) -> list[pa.Array] | None:
        """Arrow's CSV reader over every output, then every input payload; None when any
        record needs the row path (not CSV, partly missing, several rows, a ragged row)."""
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
        if self.width is not None and len(columns) != self.width:
            return None  # the row path names the first record that differs
        self.width = len(columns)
        return columns

    def _slow(self, chunk: CaptureChunk) -> list[pa.Array]:
        rows: list[list[str | None]] = []
        for i in range(len(chunk)):
            for row in _record_rows(chunk, i):
                self._check_widths(chunk, np.array([len(row)]), first=i)
                rows.append(row)
        return [pa.array(list(col), type=pa.string()) for col in zip(*rows, strict=True)]

    def _check_widths(self, chunk: CaptureChunk, widths: np.ndarray, first: int = 0) -> None:
        if self.width is None:
            self.width = int(widths[0])
        bad = np.flatnonzero(widths != self.width)
        if len(bad):
            path, line = chunk.locate(first + int(bad[0]))
            raise InputError(f"the record has {int(widths[bad[0]])} columns but the records "
                             f"before it have {self.width}", path=path, line=line)


def rows_from_dicts(rows: list[dict], feature_names: list[str]) -> tuple[list[str], list[list]]:
    """Column names and columns for rows a preprocessor returned.

    Keys that are all baseline feature names are placed by name (in baseline order), keys
    that are all Spark default names (``_c0``, ``_c1``...) by their number; other keys are
    sorted and matched by position, which is why SageMaker's examples zero-pad them.
    """
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    spark = {key: int(key[2:]) for key in keys if _SPARK_NAME.match(key)}
    if set(keys) <= set(feature_names):
        order = [name for name in feature_names if name in keys]
        names = order
    elif len(spark) == len(keys):  # Spark's own default names carry the position
        order = sorted(keys, key=spark.get)
        names = [feature_names[spark[k]] if spark[k] < len(feature_names) else k for k in order]
    else:
        order = sorted(keys)
        names = feature_names[:len(order)] + [f"_c{i}"
                                              for i in range(len(feature_names), len(order))]
    columns = [[cell_text(row.get(key)) for row in rows] for key in order]
    return names, columns


def cell_text(value) -> str | None:
    """A JSON value as the text Spark would type: ``1`` Integral, ``1.0`` Fractional."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _parse_csv_payloads(data: pa.Array | pa.ChunkedArray) -> list[pa.Array] | None:
    """Each payload as one CSV line (Spark's reading: empty fields are null); None unless
    every payload is exactly one row and all rows have the same width."""
    first = next(csv.reader([data[0].as_py().rstrip("\r\n")]), [])
    names = [f"c{i}" for i in range(max(1, len(first)))]
    lines = pc.binary_join_element_wise(data, "", "\n")  # "payload" + "\n" + ""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset:]
    text = lines.buffers()[2].slice(int(offsets[0]), int(offsets[len(lines)] - offsets[0]))
    try:
        table = pacsv.read_csv(
            pa.BufferReader(text), read_options=pacsv.ReadOptions(column_names=names),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True))
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(data):  # a multi-row payload, or an empty one (skipped line)
        return None
    return [column.combine_chunks() for column in table.columns]


def _record_rows(chunk: CaptureChunk, i: int) -> list[list[str | None]]:
    out = _payload_rows(chunk, i, chunk.output_data, chunk.output_encoding,
                        chunk.output_content_type, "endpointOutput")
    inp = _payload_rows(chunk, i, chunk.input_data, chunk.input_encoding,
                        chunk.input_content_type, "endpointInput")
    if out is None or inp is None:
        rows = out if inp is None else inp
        if rows is None:
            path, line = chunk.locate(i)
            raise InputError("the record has neither input nor output data", path=path,
                             line=line, field="captureData")
        return rows
    if len(out) != len(inp):
        path, line = chunk.locate(i)
        raise InputError(f"the output has {len(out)} rows but the input has {len(inp)}",
                         path=path, line=line, field="captureData")
    return [o + n for o, n in zip(out, inp, strict=True)]


def _payload_rows(chunk: CaptureChunk, i: int, data: pa.Array, encoding: pa.Array,
                  content_type: pa.Array, name: str) -> list[list[str | None]] | None:
    text = data[i].as_py()
    if text is None:
        return None
    kind = encoding[i].as_py()
    try:
        if kind == "BASE64":
            raw = base64.b64decode(text, validate=True)
            media = (content_type[i].as_py() or "").lower()
            kind = "JSON" if "json" in media else "CSV"
            text = raw.decode("utf-8")
        if kind == "JSON":
            return [list(_flatten(json.loads(text)))]
        return _csv_rows(text)
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as error:
        path, line = chunk.locate(i)
        raise InputError(f"the {kind} payload cannot be decoded ({error})", path=path,
                         line=line, field=f"captureData.{name}.data") from error


def _csv_rows(text: str) -> list[list[str | None]]:
    lines = text.rstrip("\r\n").split("\n") if text.strip("\r\n") else [""]
    return [[cell or None for cell in row] or [None]
            for row in csv.reader(line.rstrip("\r") for line in lines)]


def _flatten(value) -> Iterable[str | None]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _flatten(item)
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield cell_text(value)
