"""Reading SageMaker capture files: find a window's files, then parse their records in bulk.

Files live under ``{endpoint}/{variant}/yyyy/mm/dd/HH/*.jsonl`` (UTC hour of capture). Records
are parsed with Arrow's JSON reader; a file Arrow rejects is read again line by line in Python,
which keeps its good records and names each bad line (file, line, field, reason).
"""

from __future__ import annotations

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
from core.monitoring.capture_errors import BadRecord
from core.monitoring.capture_lines import parsed_lines
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
    """The in-window readable records of a group of files, as Arrow string arrays (null when
    absent), and the group's records that could not be read (``bad``).

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
    bad: tuple[BadRecord, ...] = ()
    lines: tuple[FileLines, ...] = ()

    def __len__(self) -> int:
        return len(self.input_data)

    def locate(self, i: int) -> tuple[str, int]:
        """(file, 1-based line) of the chunk's record ``i``."""
        f = int(self.origin_file[i])
        path = self.files[f]
        record = int(self.origin_record[i])
        lines = self.lines[f] if self.lines else FileLines(path)
        return str(path), lines.line(record)


class FileLines:
    """Record index -> line number of one file: explicit when some lines were skipped,
    otherwise worked out from the file on first use (only error messages need it)."""

    def __init__(self, path: Path, numbers: list[int] | None = None) -> None:
        self.path, self._numbers = path, numbers

    def line(self, record: int) -> int:
        if self._numbers is None:
            self._numbers = [n for n, raw in enumerate(self.path.read_bytes().split(b"\n"),
                                                       start=1) if raw.strip()]
        return self._numbers[record] if record < len(self._numbers) else record + 1


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

    A line that is not a readable capture record (not JSON, not a record, no usable time, an
    unknown encoding, a torn last line) raises nothing: it is listed in the chunk's ``bad``.
    """
    total = sum(p.stat().st_size for p in files)
    done = 0
    for group in _groups(files):
        if cancel:
            cancel.raise_if_cancelled()
        reads = [_read_file(path) for path in group]
        yield _window_chunk(group, reads, start, end, skip_shadow)
        done += sum(p.stat().st_size for p in group)
        progress(Progress(done, total, "Reading captured records"))


def iter_capture_records(files: list[Path], *, start: datetime | None = None,
                         end: datetime | None = None) -> Iterator[tuple[dict, str, int]]:
    """Every in-window record as a dict, with its file and line (the preprocessor's input).

    Raises:
        InputError: at the first line that is not a capture record.
    """
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


@dataclass(frozen=True)
class _FileRead:
    table: pa.Table
    lines: FileLines
    bad: list[BadRecord]


def _read_file(path: Path) -> _FileRead:
    """Arrow parses a well-formed file in one go; any problem sends the file through the
    line-by-line reader, which keeps the good records and names the bad lines."""
    data = path.read_bytes()
    if not data or data.isspace():
        return _FileRead(_SCHEMA.empty_table(), FileLines(path, []), [])
    if _utf8(data) and _objects_only(data):
        text = data if data.endswith(b"\n") else data + b"\n"
        options = pajson.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore")
        try:
            return _FileRead(_parse_blocks(text, options, 1 << 20), FileLines(path), [])
        except pa.ArrowException:
            pass
    return _read_lines(path, data)


def _objects_only(data: bytes) -> bool:
    """Every line starts an object (blank lines aside). Arrow 26 crashes the process on a
    first line of ``null``, and other lines are never records anyway: the line reader names
    them."""
    raw = np.frombuffer(data, dtype=np.uint8)
    after_newline = raw[1:][raw[:-1] == 0x0A]
    return bool(raw[0] == 0x7B and np.all((after_newline == 0x7B) | (after_newline == 0x0A)))


def _utf8(data: bytes) -> bool:
    """Arrow would take invalid UTF-8 into its strings as is."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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


def _read_lines(path: Path, data: bytes) -> _FileRead:
    records, numbers, bad = [], [], []
    for number, record in parsed_lines(path, data):
        if isinstance(record, BadRecord):
            bad.append(record)
            continue
        records.append(_projected(record))
        numbers.append(number)
    table = pa.Table.from_pylist(records, schema=_SCHEMA)
    return _FileRead(table, FileLines(path, numbers), bad)


def _projected(record: dict) -> dict:
    """Only the fields the table holds (Arrow's explicit schema drops the rest the same way)."""
    capture, meta = record.get("captureData") or {}, record.get("eventMetadata") or {}

    def payload(name: str) -> dict | None:
        value = capture.get(name)
        return None if value is None else {k: value.get(k) for k in
                                           ("observedContentType", "data", "encoding")}

    return {"captureData": {"endpointInput": payload("endpointInput"),
                            "endpointOutput": payload("endpointOutput")},
            "eventMetadata": {"inferenceTime": meta.get("inferenceTime"),
                              "invocationSource": meta.get("invocationSource")}}


def _window_chunk(group: list[Path], reads: list[_FileRead], start, end,
                  skip_shadow: bool) -> CaptureChunk:
    counts = [r.table.num_rows for r in reads]
    table = pa.concat_tables([r.table for r in reads]) if reads else _SCHEMA.empty_table()
    origin_file = np.repeat(np.arange(len(group), dtype=np.int32), counts)
    origin_record = np.concatenate([np.arange(n, dtype=np.int64) for n in counts] or [[]])
    lines = tuple(r.lines for r in reads)
    bad = [b for r in reads for b in r.bad]
    meta, capture = table.column("eventMetadata"), table.column("captureData")
    keep, problems = _window_mask(pc.struct_field(meta, "inferenceTime"), start, end)
    for payload in ("endpointInput", "endpointOutput"):
        for i, problem in _encoding_problems(capture, payload, keep).items():
            problems.setdefault(i, problem)
    if problems:
        keep[list(problems)] = False
        for i in sorted(problems):
            line = lines[int(origin_file[i])].line(int(origin_record[i]))
            bad.append(BadRecord(str(group[int(origin_file[i])]), line, *problems[i]))
    if skip_shadow:
        source = pc.struct_field(meta, "invocationSource")
        keep &= ~_bools(pc.fill_null(pc.equal(source, "ShadowExperiment"), False))
    rows = None if keep.all() else np.flatnonzero(keep)  # usually the whole file is in window

    def field(payload: str, name: str) -> pa.ChunkedArray:
        values = pc.struct_field(capture, [payload, name])  # zero-copy views of the parse
        return values.take(pa.array(rows, pa.int64())) if rows is not None else values

    kept = slice(None) if rows is None else rows
    return CaptureChunk(
        *(field(payload, name) for payload in ("endpointInput", "endpointOutput")
          for name in ("data", "encoding", "observedContentType")),
        tuple(group), origin_file[kept], origin_record[kept], table.num_rows, tuple(bad), lines)


_NO_TIME = ("the record has no inferenceTime", "eventMetadata.inferenceTime")


def _window_mask(times, start, end) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """Which records are in ``[start, end)``, and the records whose time is unusable."""
    n = len(times)
    if start is None and end is None:
        return np.ones(n, dtype=bool), {}
    if not times.null_count and _whole_seconds(start) and _whole_seconds(end) and \
            pc.all(pc.match_substring_regex(times, _ISO_UTC)).as_py() is not False:
        # SageMaker's own format: the text up to the seconds sorts like the time itself
        seconds = pc.utf8_slice_codeunits(times, 0, 19)
        mask = np.ones(n, dtype=bool)
        if start is not None:
            mask &= _bools(pc.greater_equal(seconds, _utc(start).strftime(_SECONDS)))
        if end is not None:
            mask &= _bools(pc.less(seconds, _utc(end).strftime(_SECONDS)))
        return mask, {}
    try:
        # compared as epoch microseconds: a tz-aware Arrow scalar would pull in pandas
        stamps = pc.cast(pc.cast(times, pa.timestamp("us", tz="UTC")), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        stamps = None  # some text Arrow cannot parse: each record is judged on its own below
    if stamps is not None:
        missing = _bools(stamps.is_null())
        values = np.asarray(pc.fill_null(stamps, 0).to_numpy(), dtype=np.int64)
        mask = ~missing
        if start is not None:
            mask &= values >= _epoch_us(start)
        if end is not None:
            mask &= values < _epoch_us(end)
        return mask, {int(i): _NO_TIME for i in np.flatnonzero(missing)}
    mask, problems = np.zeros(n, dtype=bool), {}
    for i, text in enumerate(times.to_pylist()):
        if text is None:
            problems[i] = _NO_TIME
            continue
        when = _parse_time(text)
        if when is None:
            problems[i] = (f"not an ISO-8601 time: {_clip(text)!r}", _NO_TIME[1])
        else:
            mask[i] = _in_window(when, start, end)
    return mask, problems


def _encoding_problems(capture, name: str, rows: np.ndarray) -> dict[int, tuple[str, str]]:
    """In-window records whose payload has data but no known encoding."""
    data = pc.struct_field(capture, [name, "data"])
    encoding = pc.struct_field(capture, [name, "encoding"])
    known = pc.fill_null(pc.is_in(encoding, value_set=pa.array(ENCODINGS)), False)
    bad = _bools(pc.and_(pc.is_valid(data), pc.invert(known))) & rows
    return {int(i): (f"unknown encoding {_clip(encoding[int(i)].as_py())!r} (expected CSV, "
                     "JSON or BASE64)", f"captureData.{name}.encoding")
            for i in np.flatnonzero(bad)}


def _bools(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray):
        if values.num_chunks == 0:
            return np.zeros(0, dtype=bool)
        values = values.combine_chunks()
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def _python_records(path: Path) -> Iterator[tuple[dict, int]]:
    """Records of one file with their line numbers; raises InputError at the first bad line."""
    for number, record in parsed_lines(path, path.read_bytes()):
        if isinstance(record, BadRecord):
            raise InputError(record.reason, path=str(path), line=number, field=record.field)
        yield record, number


def _record_time(record: dict, path: Path, line: int) -> datetime:
    text = (record.get("eventMetadata") or {}).get("inferenceTime")
    when = _parse_time(text) if isinstance(text, str) else None
    if when is None:
        raise InputError(f"not an ISO-8601 time: {_clip(text)!r}", path=str(path), line=line,
                         field="eventMetadata.inferenceTime")
    return when


def _parse_time(text: str) -> datetime | None:
    """An ISO-8601 time in UTC (a time without an offset is UTC, as Arrow reads it)."""
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def _clip(value) -> str | None:
    if not isinstance(value, str):
        return value
    return value if len(value) <= 40 else value[:37] + "..."


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
