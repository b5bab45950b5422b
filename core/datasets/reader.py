"""Datasets to profile: CSV (with or without header) or JSON Lines; a file, a folder or a glob.

Batches come out with every column as text, so type inference sees exactly what the
analyzer's Spark reader would see. CSV is read in byte ranges cut at record boundaries and
parsed by arrow's multi-threaded reader, so memory stays bounded by the chunk size.
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from core.datasets.csv_files import CsvFileReader
from core.errors import InputError
from core.datasets.jsonl_files import iter_jsonl_batches, jsonl_columns
from core.progress import CancelToken, Progress, ProgressFn, no_progress

log = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv", ".txt")
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset is and how to read it.

    Args:
        path: a file, a folder of data files, or a glob pattern.
        fmt: ``"csv"`` or ``"jsonl"``; None picks by file extension (CSV by default).
        header: whether each CSV file starts with a header line (ignored for JSON Lines).
    """

    path: str
    fmt: str | None = None
    header: bool = True


def resolve_files(spec: DatasetSpec) -> list[Path]:
    """The data files a spec names, in a stable order.

    Raises:
        InputError: the path does not exist, or a folder or glob holds no data files.
    """
    path = Path(spec.path)
    if any(ch in spec.path for ch in "*?[") and not path.exists():
        files = sorted(Path(p) for p in glob.glob(spec.path, recursive=True))
        files = [f for f in files if f.is_file() and not _is_hidden(f)]
        if not files:
            raise InputError("no data files match this pattern", path=spec.path)
        return files
    if not path.exists():
        raise InputError("the dataset does not exist", path=spec.path)
    if path.is_file():
        return [path]
    suffixes = _suffixes_for(spec.fmt)
    files = sorted(f for f in path.rglob("*")
                   if f.is_file() and not _is_hidden(f) and f.suffix.lower() in suffixes)
    if not files:
        wanted = ", ".join(suffixes)
        raise InputError(f"the folder holds no data files ({wanted})", path=spec.path)
    return files


def dataset_format(spec: DatasetSpec, files: list[Path]) -> str:
    """``"csv"`` or ``"jsonl"``: the spec's own, else from the first file's extension."""
    if spec.fmt:
        if spec.fmt not in ("csv", "jsonl"):
            raise InputError(f"unknown dataset format {spec.fmt!r} (use csv or jsonl)")
        return spec.fmt
    return "jsonl" if files[0].suffix.lower() in JSONL_SUFFIXES else "csv"


def iter_batches(spec: DatasetSpec, *, progress: ProgressFn = no_progress,
                 cancel: CancelToken | None = None) -> Iterator[pa.RecordBatch]:
    """Yield the dataset as record batches of text columns, file after file.

    Progress is reported in bytes after each chunk; ``cancel`` is checked between chunks.

    Raises:
        InputError: naming the file (and line) for a missing, empty, header-only, ragged or
            undecodable input, or a folder without data files.
    """
    files = resolve_files(spec)
    fmt = dataset_format(spec, files)
    total = sum(f.stat().st_size for f in files)
    done = 0
    names: list[str] | None = None
    rows = 0
    if fmt == "jsonl":
        names = jsonl_columns(files, cancel=cancel)
    for file in files:
        if fmt == "csv":
            reader = CsvFileReader(file, header=spec.header, names=names)
            chunks = reader.batches()
        else:
            chunks = iter_jsonl_batches(file, names)
        for batch, consumed in chunks:
            if cancel is not None:
                cancel.raise_if_cancelled()
            if names is None:
                names = batch.schema.names
            done += consumed
            rows += batch.num_rows
            progress(Progress(done, total, f"Reading {file.name}"))
            if batch.num_rows:
                yield batch
    if rows == 0:
        where = files[0] if len(files) == 1 else spec.path
        what = "has a header but no data rows" if fmt == "csv" and spec.header else "has no rows"
        line = (2 if spec.header else 1) if fmt == "csv" else None
        raise InputError(f"the dataset {what}", path=str(where), line=line)


def _suffixes_for(fmt: str | None) -> tuple[str, ...]:
    if fmt == "csv":
        return CSV_SUFFIXES
    if fmt == "jsonl":
        return JSONL_SUFFIXES
    return CSV_SUFFIXES + JSONL_SUFFIXES


def _is_hidden(path: Path) -> bool:
    return any(part.startswith((".", "_")) for part in path.parts[-1:]) or \
        os.path.basename(path).endswith((".crc", ".tmp"))
