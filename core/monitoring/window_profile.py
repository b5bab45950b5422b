"""Profiling the window of one execution: capture records, preprocessed rows or a dataset.

Every source becomes string-column batches named by the baseline's features (by position,
spec section 1.5, or by key name for JSON objects) and goes through the same profiler as a
baseline. Capture records that cannot be read are counted in the caller's ``CaptureTally``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from core.datasets.reader import iter_batches
from core.errors import ValidationError
from core.monitoring.capture_errors import CaptureTally
from core.monitoring.capture_reader import find_capture_files, iter_capture_chunks
from core.monitoring.capture_rows import RowAssembler, rows_from_dicts
from core.monitoring.preprocess import run_preprocessor
from core.profiling.profiler import ColumnProfile, TableProfiler
from core.progress import CancelToken, ProgressFn, scaled

ROWS_PER_BATCH = 100_000


def profile_window(request, baseline: dict, constraints: dict, start: datetime, end: datetime,
                   work: Path, *, progress: ProgressFn, cancel: CancelToken | None,
                   tally: CaptureTally | None = None):
    """Profile the request's window; None when it holds no rows at all.

    Unreadable capture records are skipped and counted in ``tally``; judging their share is
    the caller's business.

    Raises:
        InputError: unreadable capture or dataset. ScriptError: the preprocessor failed.
    """
    names = feature_names(baseline, constraints)
    if request.dataset is not None:
        if request.preprocessor_path:
            raise ValidationError("A record preprocessor runs on captured traffic only; "
                                  "this execution reads a dataset.")
        batches = _dataset_batches(request.dataset, names, progress, cancel)
    elif request.capture_root is not None:
        files = find_capture_files(request.capture_root, endpoint=request.endpoint_name,
                                   start=start, end=end)
        if request.preprocessor_path:
            result = run_preprocessor(request.preprocessor_path, files, work_dir=work,
                                      start=start, end=end, timeout_s=request.script_timeout_s,
                                      progress=scaled(progress, 0.0, 0.5), cancel=cancel)
            batches = _preprocessed_batches(result.rows_path, names)
        else:
            batches = _capture_batches(files, names, start, end, progress, cancel,
                                       tally if tally is not None else CaptureTally())
    else:
        raise ValidationError("The execution has no input: give a capture folder or a dataset.")
    profiler = None
    for batch in batches:
        if cancel:
            cancel.raise_if_cancelled()
        if profiler is None:
            profiler = TableProfiler(list(batch.schema.names), domains=_domains(constraints))
        _add_late_columns(profiler, batch)
        profiler.update(batch)
    return profiler.result() if profiler is not None else None


def _add_late_columns(profiler: TableProfiler, batch: pa.RecordBatch) -> None:
    """A JSON key first seen in a later chunk: a new column, missing in the rows before."""
    for name in batch.schema.names[len(profiler.columns):]:
        column = ColumnProfile(name)
        if profiler.item_count:
            column.update(pa.nulls(profiler.item_count, pa.string()))
        profiler.columns.append(column)
        profiler.column_names.append(name)


def feature_names(baseline: dict, constraints: dict) -> list[str]:
    """The baseline's column names in dataset order (statistics first, else constraints)."""
    features = baseline.get("features") or constraints.get("features") or []
    return [f["name"] for f in features]


def _domains(constraints: dict) -> dict[str, list[str]]:
    """Each feature's suggested domain: the window counts its values inside it exactly."""
    out = {}
    for feature in constraints.get("features") or []:
        domain = (feature.get("string_constraints") or {}).get("domains")
        if isinstance(domain, list) and domain:
            out[feature["name"]] = [str(value) for value in domain]
    return out


def _capture_batches(files, names, start, end, progress, cancel,
                     tally: CaptureTally) -> Iterator[pa.RecordBatch]:
    assembler = RowAssembler(names, tally)
    chunks = iter_capture_chunks(files, start=start, end=end, progress=progress, cancel=cancel)
    batches = (assembler.batch(chunk) for chunk in chunks)
    for batch in _read_ahead(batches):
        if batch is not None:
            yield batch


def _read_ahead(items: Iterator) -> Iterator:
    """Produce the next item on a worker thread while the caller works on this one.

    Arrow's JSON parsing and the profiler's numpy work both release the GIL, so reading the
    next chunk overlaps profiling the last one; one chunk ahead keeps memory bounded.
    """
    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="capture-read") as pool:
        future = pool.submit(next, items, done)
        while True:
            item = future.result()
            if item is done:
                return
            future = pool.submit(next, items, done)
            yield item


def _preprocessed_batches(rows_path: Path, names: list[str]) -> Iterator[pa.RecordBatch]:
    with rows_path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    if not rows:
        return
    columns_names, columns = rows_from_dicts(rows, names)
    for lo in range(0, len(rows), ROWS_PER_BATCH):
        arrays = [pa.array(col[lo:lo + ROWS_PER_BATCH], type=pa.string()) for col in columns]
        yield pa.RecordBatch.from_arrays(arrays, names=columns_names)


def _dataset_batches(spec, names, progress, cancel) -> Iterator[pa.RecordBatch]:
    for batch in iter_batches(spec, progress=progress, cancel=cancel):
        own = list(batch.schema.names)
        if not set(own) <= set(names):  # no header (or other names): match by position
            own = names[:len(own)] + [f"_c{i}" for i in range(len(names), len(own))]
            batch = pa.RecordBatch.from_arrays(batch.columns, names=own)
        yield batch
