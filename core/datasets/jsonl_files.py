"""Read JSON Lines datasets (one flat JSON object per line) as text columns.

Columns are the union of keys over every file, sorted by name as Spark's JSON schema
inference orders them. Values become the text Deequ would classify: numbers as written,
booleans as ``true``/``false``, nested values as compact JSON, null or absent as missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from core.errors import InputError
from core.progress import CancelToken

BATCH_ROWS = 65_536
MAX_RECORD_BYTES = 64 << 20  # one line is parsed whole: bound what a missing newline can cost


def jsonl_columns(files: list[Path], *, cancel: CancelToken | None = None) -> list[str]:
    """Every key that appears in any record, sorted (a first pass over the data)."""
    keys: set[str] = set()
    records = 0
    for file in files:
        for _line, record in _records(file):
            keys.update(record)
            records += 1
        if cancel is not None:
            cancel.raise_if_cancelled()
    if records and not keys:
        raise InputError("no record has any key, so there are no columns to profile",
                         path=str(files[0]) if len(files) == 1 else None)
    return sorted(keys)


def iter_jsonl_batches(file: Path, names: list[str]) -> Iterator[tuple[pa.RecordBatch, int]]:
    """Yield ``(batch, bytes consumed)`` for one file, columns in ``names`` order."""
    columns: list[list[str | None]] = [[] for _ in names]
    consumed = 0
    for _line, record, size in _records(file, with_sizes=True):
        consumed += size
        for column, name in zip(columns, names):
            column.append(_text(record.get(name)))
        if len(columns[0]) >= BATCH_ROWS:
            yield _batch(columns, names), consumed
            columns, consumed = [[] for _ in names], 0
    if names and columns[0]:
        yield _batch(columns, names), consumed


def _records(file: Path, with_sizes: bool = False):
    with open(file, "rb") as handle:
        content = handle.read(1)
        if not content:
            raise InputError("the file is empty", path=str(file))
        handle.seek(0)
        lines = iter(lambda: handle.readline(MAX_RECORD_BYTES + 1), b"")
        for number, raw in enumerate(lines, start=1):
            if len(raw) > MAX_RECORD_BYTES:
                raise InputError(f"a record longer than {MAX_RECORD_BYTES >> 20} MB; a JSON Lines "
                                 "file holds one record per line", path=str(file), line=number)
            if not raw.strip():
                continue
            try:
                text = raw.rstrip(b"\r\n").decode("utf-8-sig" if number == 1 else "utf-8")
                record = json.loads(text,
                                    object_pairs_hook=_no_repeated_keys)
            except _RepeatedKey as repeated:
                raise InputError(f"the key {repeated.args[0]!r} appears twice in one record, so "
                                 "one of its values would be lost", path=str(file),
                                 line=number) from None
            except RecursionError:
                raise InputError("a value nested too deeply to read", path=str(file),
                                 line=number) from None
            except UnicodeDecodeError as bad:
                raise InputError(f"bytes that are not UTF-8 text (byte 0x{raw[bad.start]:02x})",
                                 path=str(file), line=number) from None
            except ValueError as bad:
                if not isinstance(bad, json.JSONDecodeError):  # an integer of 4300+ digits
                    raise InputError("a number with more than 4300 digits", path=str(file),
                                     line=number) from None
                words = bad.msg[:-3] if bad.msg.endswith(" at") else bad.msg
                raise InputError(f"not valid JSON ({words} at column {bad.colno})",
                                 path=str(file), line=number) from None
            if not isinstance(record, dict):
                raise InputError("each line must be a JSON object", path=str(file), line=number)
            yield (number, record, len(raw)) if with_sizes else (number, record)


class _RepeatedKey(Exception):
    pass


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return record


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, separators=(",", ":"))


def _batch(columns: list[list[str | None]], names: list[str]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array(c, pa.string()) for c in columns], names=names)
