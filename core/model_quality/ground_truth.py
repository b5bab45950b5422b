"""SageMaker's ground-truth records: read them by hour folder, and write them from a labels CSV.

A record is one JSON line, ``{"groundTruthData": {"data": "1", "encoding": "CSV"},
"eventMetadata": {"eventId": "..."}, "eventVersion": "0"}``, in
``{root}/yyyy/mm/dd/hh/*.jsonl`` where the hour is when the label was collected (UTC).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from core import atomic
from core.datasets.reader import DatasetSpec, iter_batches
from core.errors import InputError, ValidationError
from core.progress import CancelToken, Progress, ProgressFn, no_progress

MAX_ID_CHARS = 1024
MAX_LABEL_CHARS = 1024
_HOUR_PARTS = re.compile(r"^\d{4}/\d{2}/\d{2}/\d{2}$")
_SCHEMA = pa.schema([
    ("groundTruthData", pa.struct([("data", pa.string()), ("encoding", pa.string())])),
    ("eventMetadata", pa.struct([("eventId", pa.string())])),
])


@dataclass(frozen=True)
class GroundTruth:
    """Every label read. When an id is labelled twice they are newest first (the last file's
    last line leads), so an id's first label is its latest, the one that counts."""

    event_ids: pa.Array
    labels: pa.Array
    encodings: pa.Array
    paths: tuple[Path, ...]
    origin_file: np.ndarray
    origin_record: np.ndarray
    records_read: int
    duplicates: int

    def __len__(self) -> int:
        """The number of distinct labelled ids."""
        return self.records_read - self.duplicates

    def latest_labels(self) -> dict[str, str]:
        """id -> label, the later label of an id labelled twice (for small sets)."""
        pairs = zip(self.event_ids.to_pylist(), self.labels.to_pylist(), strict=True)
        return dict(reversed(list(pairs)))

    @property
    def files(self) -> int:
        return len(self.paths)

    def locate(self, i: int) -> tuple[str, int]:
        """(file, 1-based line) of label ``i``."""
        path = self.paths[int(self.origin_file[i])]
        for number, (_, line) in enumerate(iter_records(path)):
            if number == int(self.origin_record[i]):
                return str(path), line
        return str(path), int(self.origin_record[i]) + 1


def find_ground_truth_files(root: str | Path, *, start: datetime | None = None,
                            end: datetime | None = None) -> list[Path]:
    """``.jsonl`` files under ``root`` whose ``yyyy/mm/dd/hh`` hour meets ``[start, end)``.

    Files outside hour folders carry no collection time and are always read.
    """
    base = Path(root)
    if not base.is_dir():
        raise InputError("the ground-truth folder does not exist", path=str(base))
    files = []
    for path in sorted(base.rglob("*.jsonl")):
        hour = folder_hour(path)
        if hour is not None and ((start is not None and hour + _HOUR <= _utc(start))
                                 or (end is not None and hour >= _utc(end))):
            continue
        files.append(path)
    return files


def read_ground_truth(files: list[Path], *, progress: ProgressFn = no_progress,
                      cancel: CancelToken | None = None) -> GroundTruth:
    """Every record of ``files`` (given oldest first), parsed in bulk.

    Raises:
        InputError: naming file, line and field for a line that is not a ground-truth record.
    """
    ids, labels, encodings, read, counts = [], [], [], 0, []
    for number, path in enumerate(files, start=1):
        if cancel:
            cancel.raise_if_cancelled()
        table = _read_file(path)
        read += table.num_rows
        counts.append(table.num_rows)
        ids.append(pc.struct_field(table.column("eventMetadata"), "eventId"))
        labels.append(pc.struct_field(table.column("groundTruthData"), "data"))
        encodings.append(pc.struct_field(table.column("groundTruthData"), "encoding"))
        progress(Progress(number, len(files), "Reading ground truth"))
    table = pa.table({"id": pa.chunked_array([c for a in ids for c in a.chunks], pa.string()),
                      "label": pa.chunked_array([c for a in labels for c in a.chunks],
                                                pa.string()),
                      "encoding": pc.fill_null(pa.chunked_array(
                          [c for a in encodings for c in a.chunks], pa.string()), "CSV")})
    distinct = int(pc.count_distinct(table.column("id")).as_py()) if table.num_rows else 0
    origin_file = np.repeat(np.arange(len(files), dtype=np.int32), counts)
    origin_record = np.concatenate([np.arange(n, dtype=np.int64) for n in counts]
                                   or [np.zeros(0, np.int64)])
    if distinct < table.num_rows:  # only an id labelled twice makes the order matter
        newest_first = np.arange(table.num_rows - 1, -1, -1, dtype=np.int64)
        table = table.take(pa.array(newest_first))
        origin_file, origin_record = origin_file[newest_first], origin_record[newest_first]
    return GroundTruth(*(table.column(c).combine_chunks() for c in ("id", "label", "encoding")),
                       tuple(files), origin_file, origin_record, read, read - distinct)


def iter_records(path: Path) -> Iterator[tuple[dict, int]]:
    """The records of one file with line numbers, each checked; InputError at the first bad one."""
    data = path.read_bytes()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InputError(f"not a JSON ground-truth record ({error})", path=str(path),
                             line=number) from error
        _check_record(record, path, number)
        yield record, number


def ground_truth_record(event_id: str, label: str) -> dict:
    """One record in SageMaker's layout (CSV encoding: the label is the text itself)."""
    return {"groundTruthData": {"data": label, "encoding": "CSV"},
            "eventMetadata": {"eventId": event_id}, "eventVersion": "0"}


@dataclass(frozen=True)
class UploadResult:
    path: Path
    records: int


def upload_labels(labels_csv: str | Path, *, id_column: str, label_column: str,
                  destination: str | Path, when: datetime | None = None,
                  progress: ProgressFn = no_progress,
                  cancel: CancelToken | None = None) -> UploadResult:
    """Turn a CSV of (inference id, label) into one ground-truth file of the hour ``when``.

    The file lands in ``{destination}/yyyy/mm/dd/hh/`` (``when`` defaults to now, UTC) under a
    fresh name, so an earlier upload is never overwritten; it is written whole or not at all.

    Raises:
        InputError: a missing column, an empty or over-long id or label, a duplicate id.
    """
    path = Path(labels_csv)
    ids, labels = _read_labels(path, id_column, label_column, progress, cancel)
    when = _utc(when or datetime.now(UTC))
    folder = Path(destination) / when.strftime("%Y/%m/%d/%H")
    target = folder / f"{when.strftime('%M%S')}-{uuid.uuid4().hex[:12]}.jsonl"
    lines = [json.dumps(ground_truth_record(i, label), ensure_ascii=False)
             for i, label in zip(ids, labels, strict=True)]
    atomic.write_text(target, "\n".join(lines) + "\n")
    return UploadResult(target, len(lines))


def folder_hour(path: Path) -> datetime | None:
    parts = "/".join(path.parent.parts[-4:])
    if not _HOUR_PARTS.match(parts):
        return None
    try:
        return datetime.strptime(parts, "%Y/%m/%d/%H").replace(tzinfo=UTC)
    except ValueError:
        return None


def _read_labels(path: Path, id_column: str, label_column: str, progress, cancel):
    if id_column == label_column:
        raise ValidationError("the id column and the label column must differ")
    ids: list[str | None] = []
    labels: list[str | None] = []
    for batch in iter_batches(DatasetSpec(str(path), fmt="csv"), progress=progress,
                              cancel=cancel):
        names = batch.schema.names
        for column in (id_column, label_column):
            if column not in names:
                raise InputError(f"no column {column!r} (the header has "
                                 f"{', '.join(map(repr, names))})", path=str(path), line=1)
        ids.extend(batch.column(id_column).to_pylist())
        labels.extend(batch.column(label_column).to_pylist())
    seen: dict[str, int] = {}
    for row, (event_id, label) in enumerate(zip(ids, labels, strict=True)):
        line = row + 2  # after the header
        for value, column, limit in ((event_id, id_column, MAX_ID_CHARS),
                                     (label, label_column, MAX_LABEL_CHARS)):
            if value is None or not value.strip():
                raise InputError("empty value", path=str(path), line=line, field=column)
            if len(value) > limit:
                raise InputError(f"longer than {limit} characters", path=str(path), line=line,
                                 field=column)
        if event_id in seen:
            raise InputError(f"duplicate id {event_id!r} (first on line {seen[event_id]})",
                             path=str(path), line=line, field=id_column)
        seen[event_id] = line
    return ids, labels


def _read_file(path: Path) -> pa.Table:
    data = path.read_bytes()
    if not data or data.isspace():
        return _SCHEMA.empty_table()
    try:
        table = parse_json_lines(data, _SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        for _ in iter_records(path):  # raises with the line and field
            pass
        raise InputError("not a ground-truth file", path=str(path)) from None
    ids = pc.struct_field(table.column("eventMetadata"), "eventId")
    labels = pc.struct_field(table.column("groundTruthData"), "data")
    encodings = pc.struct_field(table.column("groundTruthData"), "encoding")
    known = pc.is_in(pc.fill_null(encodings, "CSV"), value_set=pa.array(["CSV", "JSON"]))
    if ids.null_count or labels.null_count or pc.any(pc.equal(ids, "")).as_py() \
            or not pc.all(known).as_py():
        for _ in iter_records(path):
            pass
    return table


def parse_json_lines(data: bytes, schema: pa.Schema) -> pa.Table:
    """Arrow parses 1 MiB blocks in parallel; a line longer than a block needs a bigger block,
    so grow it and retry. Keys outside ``schema`` are skipped without being built."""
    if data and not data.endswith(b"\n"):
        data += b"\n"
    options = pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    block = 1 << 20
    while True:
        try:
            return pajson.read_json(pa.BufferReader(data), parse_options=options,
                                    read_options=pajson.ReadOptions(block_size=block))
        except pa.ArrowInvalid as error:
            if "straddling" not in str(error) or block > len(data):
                raise
            block *= 8


def _check_record(record, path: Path, line: int) -> None:
    if not isinstance(record, dict):
        raise InputError("not a ground-truth record (expected an object)", path=str(path),
                         line=line)
    data = record.get("groundTruthData")
    if not isinstance(data, dict) or not isinstance(data.get("data"), str):
        raise InputError("expected an object whose data is a string", path=str(path),
                         line=line, field="groundTruthData")
    encoding = data.get("encoding", "CSV")
    if encoding not in ("CSV", "JSON"):
        raise InputError(f"unknown encoding {encoding!r} (expected CSV or JSON)",
                         path=str(path), line=line, field="groundTruthData.encoding")
    event_id = (record.get("eventMetadata") or {}).get("eventId") \
        if isinstance(record.get("eventMetadata"), dict) else None
    if not isinstance(event_id, str) or not event_id:
        raise InputError("the record has no eventId", path=str(path), line=line,
                         field="eventMetadata.eventId")


_HOUR = datetime(2000, 1, 1, 1, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
