"""Reading SageMaker capture files: find a window's files, then parse their records in bulk.

Files live under ``{endpoint}/{variant}/yyyy/mm/dd/HH/*.jsonl`` (UTC hour of capture). Records
are parsed with Arrow's JSON reader; any problem is re-located line by line in Python so the
error names the file, the line and the field.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from core.errors import InputError
from core.progress import CancelToken, Progress, ProgressFn, no_progress

log = logging.getLogger(__name__)

ENCODINGS = ("CSV", "JSON", "BASE64")
CHUNK_BYTES = 64 << 20  # files are parsed in groups of about this size: bounded memory
# only what the table needs: Arrow skips the other keys (ids, mode) without building them
_PAYLOAD = pa.struct([("observedContentType", pa.string()), ("data", pa.string()),
                      ("encoding", pa.string())])
_SCHEMA = pa.schema([
    ("captureData", pa.struct([("endpointInput", _PAYLOAD), ("endpointOutput", _PAYLOAD)])),
    ("eventMetadata", pa.struct([("inferenceTime", pa.string()),
                                 ("invocationSource", pa.string())])),
])
_ISO_UTC = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"
_SECONDS = "%Y-%m-%dT%H:%M:%S"
_HOUR_PARTS = re.compile(r"^\d{4}/\d{2}/\d{2}/\d{2}$")


@dataclass(frozen=True)
class CaptureChunk:
    """The in-window records of a group of files, as Arrow string arrays (null when absent).

    ``origin_file``/``origin_record`` say where each record came from, for error messages.
    """

    input_data: pa.Array | pa.ChunkedArray
    input_encoding: pa.Array | pa.ChunkedArray
    input_content_type: pa.Array | pa.ChunkedArray
    output_data: pa.Array | pa.ChunkedArray
    output_encoding: pa.Array | pa.ChunkedArray
    output_content_type: pa.Array | pa.ChunkedArray
    files: tuple[Path, ...]
    origin_file: np.ndarray
    origin_record: np.ndarray
    records_read: int

    def __len__(self) -> int:
        return len(self.input_data)

    def locate(self, i: int) -> tuple[str, int]:
        """(file, 1-based line) of the chunk's record ``i``."""
        path = self.files[int(self.origin_file[i])]
        return str(path), _line_of_record(path, int(self.origin_record[i]))


def find_capture_files(root: str | Path, *, endpoint: str | None = None,
                       start: datetime | None = None, end: datetime | None = None) -> list[Path]:
    """The ``.jsonl`` files under ``root`` that can hold records of ``[start, end)``.

    ``root`` may be a capture root (holding ``{endpoint}/...``; narrowed to ``endpoint`` when
    that folder exists), an endpoint or hour folder, or any folder of JSON Lines files. Files
    in ``yyyy/mm/dd/HH`` folders are kept only when that hour meets the window; others are
    always read and filtered record by record.
    """
    base = Path(root)
    if not base.exists():
        raise InputError("the capture folder does not exist", path=str(base))
    if base.is_file():
        return [base]
    narrowed = bool(endpoint) and (base / endpoint).is_dir()
    if narrowed:
        base = base / endpoint
    files = []
    for path in sorted(base.rglob("*.jsonl")):
        if endpoint and not narrowed and _other_endpoint(path.relative_to(base), endpoint):
            continue
        hour = _folder_hour(path)
        if hour is not None and not _hour_meets(hour, start, end):
            continue
        files.append(path)
    return files


def iter_capture_chunks(files: list[Path], *, start: datetime | None = None,
                        end: datetime | None = None, skip_shadow: bool = False,
                        progress: ProgressFn = no_progress,
                        cancel: CancelToken | None = None) -> Iterator[CaptureChunk]:
    """Parse ``files`` in groups and yield the records whose ``inferenceTime`` is in the window.

    Raises:
        InputError: a line is not a capture record (torn, not JSON, bad time or encoding).
    """
    total = sum(p.stat().st_size for p in files)
    done = 0
    for group in _groups(files):
        if cancel:
            cancel.raise_if_cancelled()
        tables = [_read_file(path) for path in group]
        yield _window_chunk(group, tables, start, end, skip_shadow)
        done += sum(p.stat().st_size for p in group)
        progress(Progress(done, total, "Reading captured records"))


def iter_capture_records(files: list[Path], *, start: datetime | None = None,
                         end: datetime | None = None) -> Iterator[tuple[dict, str, int]]:
    """Every in-window record as a dict, with its file and line (the preprocessor's input)."""
    for path in files:
        for record, line in _python_records(path):
            when = _record_time(record, path, line) if (start or end) else None
            if when is None or _in_window(when, start, end):
                yield record, str(path), line


def _groups(files: list[Path]) -> Iterator[list[Path]]:
    group, size = [], 0
    for path in files:
        group.append(path)
        size += path.stat().st_size
        if size >= CHUNK_BYTES:
            yield group
            group, size = [], 0
    if group:
        yield group


def _read_file(path: Path) -> pa.Table:
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        data += b"\n"  # a complete last line without a newline is fine; a torn one fails below
    options = pajson.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore")
    try:
        return _parse_blocks(data, options, 1 << 20)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        for _ in _python_records(path):  # raises with the exact line and field
            pass
        raise InputError(f"not a capture file ({error})", path=str(path)) from error


def _parse_blocks(data: bytes, options: pajson.ParseOptions, block: int) -> pa.Table:
    """Arrow parses 1 MiB blocks in parallel; a longer line (a big base64 payload) needs a
    block that holds it, so grow the block and retry."""
    while True:
        read = pajson.ReadOptions(block_size=block)
        try:
            return pajson.read_json(pa.BufferReader(data), read_options=read,
                                    parse_options=options)
        except pa.ArrowInvalid as error:
            if "straddling" not in str(error) or block > len(data):
                raise
            block *= 8


def _window_chunk(group: list[Path], tables: list[pa.Table], start, end,
                  skip_shadow: bool) -> CaptureChunk:
    counts = [t.num_rows for t in tables]
    table = pa.concat_tables(tables) if tables else _SCHEMA.empty_table()
    origin_file = np.repeat(np.arange(len(group), dtype=np.int32), counts)
    origin_record = np.concatenate([np.arange(n, dtype=np.int64) for n in counts] or [[]])
    meta, capture = table.column("eventMetadata"), table.column("captureData")
    keep = _window_mask(pc.struct_field(meta, "inferenceTime"), start, end, group, origin_file,
                        origin_record)
    if skip_shadow:
        source = pc.struct_field(meta, "invocationSource")
        keep = pc.and_(keep, pc.invert(pc.fill_null(pc.equal(source, "ShadowExperiment"),
                                                    False)))
    for payload in ("endpointInput", "endpointOutput"):
        _check_encodings(capture, payload, group, origin_file, origin_record)
    keep = _bools(keep)
    rows = None if keep.all() else np.flatnonzero(keep)  # usually the whole file is in window

    def field(payload: str, name: str) -> pa.ChunkedArray:
        values = pc.struct_field(capture, [payload, name])  # zero-copy views of the parse
        return values.take(pa.array(rows, pa.int64())) if rows is not None else values

    kept = slice(None) if rows is None else rows
    return CaptureChunk(
        *(field(payload, name) for payload in ("endpointInput", "endpointOutput")
          for name in ("data", "encoding", "observedContentType")),
        tuple(group), origin_file[kept], origin_record[kept], table.num_rows)


def _window_mask(times, start, end, group, origin_file, origin_record):
    if start is None and end is None:
        return pa.array(np.ones(len(times), dtype=bool))
    if times.null_count:
        i = int(np.flatnonzero(_bools(times.is_null()))[0])
        path = group[int(origin_file[i])]
        raise InputError("the record has no inferenceTime", path=str(path),
                         line=_line_of_record(path, int(origin_record[i])),
                         field="eventMetadata.inferenceTime")
    if _whole_seconds(start) and _whole_seconds(end) and \
            pc.all(pc.match_substring_regex(times, _ISO_UTC)).as_py():
        # SageMaker's own format: the text up to the seconds sorts like the time itself
        seconds = pc.utf8_slice_codeunits(times, 0, 19)
        mask = pa.array(np.ones(len(times), dtype=bool))
        if start is not None:
            mask = pc.and_(mask, pc.greater_equal(seconds, _utc(start).strftime(_SECONDS)))
        if end is not None:
            mask = pc.and_(mask, pc.less(seconds, _utc(end).strftime(_SECONDS)))
        return mask
    try:
        # compared as epoch microseconds: a tz-aware Arrow scalar would pull in pandas
        stamps = pc.cast(pc.cast(times, pa.timestamp("us", tz="UTC")), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        for path in group:
            for record, line in _python_records(path):
                _record_time(record, path, line)
        raise InputError(f"unreadable inferenceTime ({error})", path=str(group[0])) from error
    mask = pa.array(np.ones(len(times), dtype=bool))
    if start is not None:
        mask = pc.and_(mask, pc.greater_equal(stamps, _epoch_us(start)))
    if end is not None:
        mask = pc.and_(mask, pc.less(stamps, _epoch_us(end)))
    return mask


def _check_encodings(capture, name: str, group, origin_file, origin_record) -> None:
    data = pc.struct_field(capture, [name, "data"])
    encoding = pc.struct_field(capture, [name, "encoding"])
    known = pc.fill_null(pc.is_in(encoding, value_set=pa.array(ENCODINGS)), False)
    bad = pc.and_(pc.is_valid(data), pc.invert(known))
    if pc.any(bad).as_py():
        i = int(np.flatnonzero(_bools(bad))[0])
        path = group[int(origin_file[i])]
        value = encoding[i].as_py()
        raise InputError(f"unknown encoding {value!r} (expected CSV, JSON or BASE64)",
                         path=str(path), line=_line_of_record(path, int(origin_record[i])),
                         field=f"captureData.{name}.encoding")


def _bools(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray):
        return np.asarray(values.to_numpy(), dtype=bool)
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def _python_records(path: Path) -> Iterator[tuple[dict, int]]:
    """Records of one file with their line numbers; raises InputError at the first bad line."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    torn_possible = bool(data) and not data.endswith(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            if torn_possible and number == len(lines):
                raise InputError("the last line is cut short (the file was not completely "
                                 "written)", path=str(path), line=number) from error
            raise InputError(f"not a JSON capture record ({error})", path=str(path),
                             line=number) from error
        _check_record_shape(record, path, number)
        yield record, number


def _check_record_shape(record, path: Path, line: int) -> None:
    if not isinstance(record, dict) or not isinstance(record.get("captureData"), dict):
        raise InputError("not a capture record (expected an object with captureData)",
                         path=str(path), line=line, field="captureData")
    for name in ("endpointInput", "endpointOutput"):
        payload = record["captureData"].get(name)
        if payload is None:
            continue
        if not isinstance(payload, dict) or not isinstance(payload.get("data", ""), str):
            raise InputError("expected an object whose data is a string", path=str(path),
                             line=line, field=f"captureData.{name}")


def _line_of_record(path: Path, index: int) -> int:
    for i, (_, line) in enumerate(_python_records(path)):
        if i == index:
            return line
    return index + 1


def _record_time(record: dict, path: Path, line: int) -> datetime:
    text = (record.get("eventMetadata") or {}).get("inferenceTime")
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError as error:
        raise InputError(f"not an ISO-8601 time: {text!r}", path=str(path), line=line,
                         field="eventMetadata.inferenceTime") from error


def _in_window(when: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or when >= _utc(start)) and (end is None or when < _utc(end))


def _folder_hour(path: Path) -> datetime | None:
    parts = path.parent.parts[-4:]
    if len(parts) < 4 or not _HOUR_PARTS.match("/".join(parts)):
        return None
    try:
        return datetime(*map(int, parts), tzinfo=UTC)
    except ValueError:
        return None


def _other_endpoint(relative: Path, endpoint: str) -> bool:
    """``{other endpoint}/{variant}/yyyy/mm/dd/HH/file`` under a capture root."""
    parts = relative.parts
    return (len(parts) == 7 and parts[0] != endpoint
            and bool(_HOUR_PARTS.match("/".join(parts[2:6]))))


def _hour_meets(hour: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (end is None or hour < _utc(end)) and (start is None or
                                                  hour + timedelta(hours=1) > _utc(start))


def _whole_seconds(when: datetime | None) -> bool:
    return when is None or when.microsecond == 0


def _epoch_us(when: datetime) -> int:
    delta = _utc(when) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
