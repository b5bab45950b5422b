"""The ground-truth merge as SageMaker's merger does it, in bulk with Arrow.

A captured record joins the ground truth whose ``eventId`` equals the record's
``inferenceId``, or its ``eventId`` when it has none. The captured records come from the
capture window (by ``inferenceTime``), the labels from the ground-truth window (by the hour
folder they were collected in); both sides' unmatched records are counted, never dropped
silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import InputError
from core.model_quality.ground_truth import (
    GroundTruth,
    find_ground_truth_files,
    parse_json_lines,
    read_ground_truth,
)
from core.monitoring.capture_reader import find_capture_files, iter_capture_records
from core.progress import CancelToken, ProgressFn, no_progress, scaled

_PAYLOAD = pa.struct([("data", pa.string()), ("encoding", pa.string())])
_SCHEMA = pa.schema([
    ("captureData", pa.struct([("endpointOutput", _PAYLOAD)])),
    ("eventMetadata", pa.struct([("eventId", pa.string()), ("inferenceId", pa.string()),
                                 ("inferenceTime", pa.string())])),
])


@dataclass(frozen=True)
class MergeCounts:
    """What the merge saw: SageMaker's merger reports none of this, the user needs all of it."""

    capture_files: int
    ground_truth_files: int
    captured: int  # captured records in the capture window
    ground_truth: int  # distinct labelled ids in the ground-truth window
    duplicate_ground_truth: int  # labels replaced by a later label of the same id
    matched: int
    unmatched_captured: int
    unmatched_ground_truth: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class MergedRecords:
    """Matched records in capture order: the model's output and the label, as text."""

    output_data: pa.Array
    output_encoding: pa.Array
    labels: pa.Array
    label_encoding: pa.Array
    files: tuple[Path, ...]
    origin_file: np.ndarray
    origin_record: np.ndarray
    label_index: np.ndarray  # each record's label in ``truth``
    truth: GroundTruth
    counts: MergeCounts

    def __len__(self) -> int:
        return len(self.labels)

    def locate(self, i: int) -> tuple[str, int]:
        """(capture file, 1-based line) of merged record ``i``, for error messages."""
        path = self.files[int(self.origin_file[i])]
        for number, (_, _, line) in enumerate(iter_capture_records([path])):
            if number == int(self.origin_record[i]):
                return str(path), line
        return str(path), int(self.origin_record[i]) + 1

    def locate_label(self, i: int) -> tuple[str, int]:
        """(ground-truth file, 1-based line) of the label of merged record ``i``."""
        return self.truth.locate(int(self.label_index[i]))


def merge_ground_truth(capture: str | Path, ground_truth: str | Path, *,
                       endpoint: str | None = None,
                       start: datetime | None = None, end: datetime | None = None,
                       ground_truth_start: datetime | None = None,
                       ground_truth_end: datetime | None = None,
                       progress: ProgressFn = no_progress,
                       cancel: CancelToken | None = None) -> MergedRecords:
    """Join the capture window's records with the ground-truth window's labels.

    Raises:
        InputError: a capture or ground-truth line is not a record (file, line, field named).
    """
    capture_files = find_capture_files(capture, endpoint=endpoint, start=start, end=end)
    truth_files = find_ground_truth_files(ground_truth, start=ground_truth_start,
                                          end=ground_truth_end)
    truth = read_ground_truth(truth_files, progress=scaled(progress, 0.0, 0.3), cancel=cancel)
    tables, counts = [], []
    for path in capture_files:
        if cancel:
            cancel.raise_if_cancelled()
        table = _read_capture(path)
        tables.append(_in_window(table, path, start, end))
        counts.append(tables[-1].num_rows)
    table = pa.concat_tables(tables) if tables else _SCHEMA.empty_table().append_column(
        "record", pa.array([], pa.int64()))
    origin_file = np.repeat(np.arange(len(capture_files), dtype=np.int32), counts)
    origin_record = table.column("record").to_numpy() if table.num_rows else \
        np.zeros(0, np.int64)
    meta = table.column("eventMetadata")
    keys = pc.coalesce(pc.struct_field(meta, "inferenceId"), pc.struct_field(meta, "eventId"))
    where = pc.index_in(keys, value_set=truth.event_ids)
    matched = np.flatnonzero(where.is_valid().to_numpy(zero_copy_only=False)) if len(where) \
        else np.zeros(0, np.int64)
    output = pc.struct_field(table.column("captureData"), "endpointOutput")
    take = pa.array(matched, pa.int64())
    label_index = pc.take(where, take).to_numpy(zero_copy_only=False).astype(np.int64) \
        if len(matched) else np.zeros(0, np.int64)
    labels = truth.labels.take(pa.array(label_index)) if len(matched) else \
        pa.array([], pa.string())
    # each matched id joined the first (latest) of its labels: mark those, count the rest
    used = np.zeros(len(truth.event_ids), dtype=bool)
    used[label_index] = True
    unmatched_truth = len(truth) - int(used.sum())
    summary = MergeCounts(len(capture_files), truth.files, table.num_rows, len(truth),
                          truth.duplicates, len(matched), table.num_rows - len(matched),
                          unmatched_truth)
    return MergedRecords(
        _flat(pc.take(pc.struct_field(output, "data"), take)),
        _flat(pc.take(pc.struct_field(output, "encoding"), take)),
        _flat(labels), _flat(truth.encodings.take(pa.array(label_index, pa.int64()))),
        tuple(capture_files), origin_file[matched], origin_record[matched],
        label_index, truth, summary)


def _read_capture(path: Path) -> pa.Table:
    data = path.read_bytes()
    if not data or data.isspace():
        return _SCHEMA.empty_table().append_column("record", pa.array([], pa.int64()))
    try:
        table = parse_json_lines(data, _SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        for _ in iter_capture_records([path]):  # raises naming the line and field
            pass
        raise InputError("not a capture file", path=str(path)) from None
    return table.append_column("record", pa.array(np.arange(table.num_rows, dtype=np.int64)))


def _in_window(table: pa.Table, path: Path, start, end) -> pa.Table:
    if start is None and end is None or not table.num_rows:
        return table
    times = pc.struct_field(table.column("eventMetadata"), "inferenceTime")
    try:
        if times.null_count:
            raise pa.ArrowInvalid("missing inferenceTime")
        stamps = pc.cast(pc.cast(times, pa.timestamp("us", tz="UTC")), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        for _ in iter_capture_records([path], start=start or _EPOCH, end=end):
            pass
        raise InputError("unreadable inferenceTime", path=str(path),
                         field="eventMetadata.inferenceTime") from None
    keep = pa.array(np.ones(table.num_rows, dtype=bool))
    if start is not None:
        keep = pc.and_(keep, pc.greater_equal(stamps, _epoch_us(start)))
    if end is not None:
        keep = pc.and_(keep, pc.less(stamps, _epoch_us(end)))
    return table.filter(keep)


def _flat(values) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_us(when: datetime) -> int:
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    return int((when - _EPOCH).total_seconds() * 1_000_000)
