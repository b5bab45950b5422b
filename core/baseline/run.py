"""Suggest a baseline: profile a training dataset into ``statistics.json`` + ``constraints.json``.

The same two files SageMaker's ``suggest_baseline`` job writes, byte-compatible with the
analyzer container's output.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from core import atomic
from core.baseline.suggest import suggest_constraints
from core.datasets.reader import DatasetSpec
from core.formats.constraints import dumps_constraints
from core.formats.statistics import dumps_statistics
from core.profiling.profiler import profile_dataset
from core.progress import CancelToken, Progress, ProgressFn, no_progress, scaled

log = logging.getLogger(__name__)

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"


@dataclass(frozen=True)
class BaselineResult:
    """Where the baseline went and what it covers."""

    statistics_path: Path
    constraints_path: Path
    item_count: int
    feature_count: int
    seconds: float


def suggest_baseline(spec: DatasetSpec, output_dir: str | os.PathLike, *,
                     progress: ProgressFn = no_progress,
                     cancel: CancelToken | None = None) -> BaselineResult:
    """Profile ``spec`` and write ``statistics.json`` and ``constraints.json`` in ``output_dir``.

    Nothing is written unless the whole dataset was read; each file is replaced atomically.

    Raises:
        InputError: the dataset cannot be read; the message names the file and line.
        Cancelled: ``cancel`` was set (checked between chunks); no file is written.
    """
    started = time.perf_counter()
    profile = profile_dataset(spec, progress=scaled(progress, 0.0, 0.95), cancel=cancel)
    statistics_text = dumps_statistics(profile.statistics)
    constraints_text = dumps_constraints(suggest_constraints(profile))
    if cancel is not None:
        cancel.raise_if_cancelled()
    out = Path(output_dir)
    statistics_path = atomic.write_text(out / STATISTICS_FILE, statistics_text)
    constraints_path = atomic.write_text(out / CONSTRAINTS_FILE, constraints_text)
    seconds = time.perf_counter() - started
    progress(Progress(1000, 1000, "Baseline written"))
    log.info("baseline of %s: %d rows, %d features in %.2f s", spec.path,
             profile.item_count, len(profile.column_names), seconds)
    return BaselineResult(statistics_path, constraints_path, profile.item_count,
                          len(profile.column_names), seconds)
