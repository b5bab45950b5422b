"""The two model-quality operations: suggest a baseline from a labelled dataset, and run one
monitoring execution over captured traffic merged with ground truth."""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from core import atomic
from core.datasets.reader import DatasetSpec, iter_batches
from core.errors import InputError, ValidationError
from core.model_quality import documents
from core.model_quality.attributes import select
from core.model_quality.merge import MergeCounts, merge_ground_truth
from core.model_quality.points import model_quality_points
from core.model_quality.problem import BINARY, QualitySettings, metrics_block
from core.monitoring.metrics import MetricPoint
from core.progress import CancelToken, Progress, ProgressFn, no_progress, scaled

log = logging.getLogger(__name__)

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
MERGE_FILE = "merge_summary.json"


@dataclass(frozen=True)
class QualityBaselineResult:
    statistics_path: Path
    constraints_path: Path
    item_count: int
    seconds: float


@dataclass(frozen=True)
class QualityExecutionResult:
    output_dir: Path
    statistics: dict
    violations: list[dict]
    counts: MergeCounts
    points: list[MetricPoint] = field(default_factory=list)
    seconds: float = 0.0


def quality_baseline(dataset: str | os.PathLike, settings: QualitySettings,
                     output_dir: str | os.PathLike, *, progress: ProgressFn = no_progress,
                     cancel: CancelToken | None = None) -> QualityBaselineResult:
    """statistics.json and suggested constraints.json from a dataset of predictions and labels.

    ``inference_attribute``, ``probability_attribute`` and ``ground_truth_attribute`` name
    CSV columns (by header name or 0-based index).

    Raises:
        InputError: a missing column, a value that is not a number, data the problem type does
            not fit; nothing is written then.
    """
    started = time.perf_counter()
    if settings.ground_truth_attribute is None:
        raise ValidationError("the baseline needs the ground-truth attribute (the label column)")
    _needs_prediction(settings)
    if settings.inference_attribute is None and settings.probability_attribute is None:
        raise ValidationError("the baseline needs the inference attribute (the prediction "
                              "column) or, for BinaryClassification, the probability attribute")
    path = Path(dataset)
    batches = list(iter_batches(DatasetSpec(str(path), fmt="csv"),
                                progress=scaled(progress, 0.0, 0.5), cancel=cancel))
    table = pa.Table.from_batches(batches)

    def locate(i: int) -> tuple[str, int]:
        return str(path), i + 2  # one line per record after the header

    def column(attribute: str | None, what: str) -> pa.Array | None:
        if attribute is None:
            return None
        names = table.schema.names
        if attribute in names:
            name = attribute
        elif attribute.strip().isdigit() and int(attribute) < len(names):
            name = names[int(attribute)]
        else:
            raise InputError(f"no column {attribute!r} for the {what} (the header has "
                             f"{', '.join(map(repr, names[:20]))})", path=str(path), line=1)
        values = table.column(name).combine_chunks()
        _no_empty(values, what, name, locate)
        return values

    labels = column(settings.ground_truth_attribute, "label")
    block = metrics_block(settings, labels, column(settings.inference_attribute, "prediction"),
                          column(settings.probability_attribute, "probability"),
                          label_locate=locate, output_locate=locate)
    statistics = documents.statistics_document(settings.problem_type, block,
                                               item_count=table.num_rows)
    constraints = documents.suggest_constraints(settings.problem_type, statistics)
    if cancel:
        cancel.raise_if_cancelled()
    out = _publish(output_dir, {STATISTICS_FILE: documents.dumps(statistics),
                                CONSTRAINTS_FILE: documents.dumps(constraints)})
    progress(Progress(1000, 1000, "Model-quality baseline written"))
    return QualityBaselineResult(out / STATISTICS_FILE, out / CONSTRAINTS_FILE, table.num_rows,
                                 time.perf_counter() - started)


def quality_monitor(capture: str | os.PathLike, ground_truth: str | os.PathLike,
                    constraints: str | os.PathLike, settings: QualitySettings,
                    output_dir: str | os.PathLike, *, endpoint: str | None = None,
                    start: datetime | None = None, end: datetime | None = None,
                    ground_truth_start: datetime | None = None,
                    ground_truth_end: datetime | None = None, schedule: str = "adhoc",
                    progress: ProgressFn = no_progress,
                    cancel: CancelToken | None = None) -> QualityExecutionResult:
    """One execution: merge, metrics, constraint check; statistics.json,
    constraint_violations.json and merge_summary.json land in ``output_dir`` together.

    Raises:
        InputError: unreadable records, no captured record matching any label, values that
            are not numbers or do not fit the problem type; nothing is written then.
    """
    started = time.perf_counter()
    _needs_prediction(settings)
    _, constraint_doc = documents.read_constraints(constraints, settings.problem_type)
    merged = merge_ground_truth(capture, ground_truth, endpoint=endpoint, start=start, end=end,
                                ground_truth_start=ground_truth_start,
                                ground_truth_end=ground_truth_end,
                                progress=scaled(progress, 0.0, 0.6), cancel=cancel)
    counts = merged.counts
    if not len(merged):
        raise InputError(
            f"no captured record matched a ground-truth label ({counts.captured} captured "
            f"records in {counts.capture_files} files, {counts.ground_truth} labels in "
            f"{counts.ground_truth_files} files); check the ids and both windows",
            path=str(ground_truth))
    labels = select(merged.labels, merged.label_encoding, settings.ground_truth_attribute,
                    what="label", locate=merged.locate_label)
    inferences = _output(merged, settings.inference_attribute, "prediction", settings)
    probabilities = _output(merged, settings.probability_attribute, "probability", settings) \
        if settings.probability_attribute is not None else None
    block = metrics_block(settings, labels, inferences, probabilities,
                          label_locate=merged.locate_label, output_locate=merged.locate)
    statistics = documents.statistics_document(settings.problem_type, block,
                                               item_count=len(merged))
    violations = documents.check_constraints(settings.problem_type, statistics, constraint_doc)
    if cancel:
        cancel.raise_if_cancelled()
    summary = {"version": 0.0, "merge": counts.as_dict(),
               "capture_window": _window(start, end),
               "ground_truth_window": _window(ground_truth_start, ground_truth_end)}
    out = _publish(output_dir, {
        STATISTICS_FILE: documents.dumps(statistics),
        VIOLATIONS_FILE: documents.dumps({"violations": violations}),
        MERGE_FILE: documents.dumps(summary)})
    points = model_quality_points(settings.problem_type, statistics, endpoint=endpoint,
                                  schedule=schedule, timestamp=start or datetime.now(UTC))
    progress(Progress(1000, 1000, "Model-quality execution written"))
    seconds = time.perf_counter() - started
    log.info("model quality: %d merged records, %d violations in %.2f s", len(merged),
             len(violations), seconds)
    return QualityExecutionResult(out, statistics, violations, counts, points, seconds)


def _output(merged, attribute: str | None, what: str, settings: QualitySettings):
    if attribute is None and what == "prediction" and settings.problem_type == BINARY \
            and settings.probability_attribute is not None:
        return None  # predicted from the probability and the threshold
    return select(merged.output_data, merged.output_encoding, attribute, what=what,
                  locate=merged.locate)


def _needs_prediction(settings: QualitySettings) -> None:
    if settings.problem_type == BINARY and settings.inference_attribute is None \
            and settings.probability_attribute is None:
        return  # a CSV response holding only the predicted label
    if settings.problem_type != BINARY and settings.probability_attribute is not None:
        raise ValidationError("a probability attribute applies only to BinaryClassification")


def _no_empty(values: pa.Array, what: str, name: str, locate) -> None:
    if values.null_count:
        first = next(i for i, v in enumerate(values.is_valid().to_pylist()) if not v)
        path, line = locate(first)
        raise InputError(f"the {what} is empty", path=path, line=line, field=name)


def _window(start: datetime | None, end: datetime | None) -> dict:
    def text(when):
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None
    return {"start": text(start), "end": text(end)}


def _publish(output_dir: str | os.PathLike, files: dict[str, str]) -> Path:
    """Write every file into a staging folder, then move them into ``output_dir`` together.

    A new folder appears whole (one rename); in an existing one each file is replaced
    atomically and nothing else in it is touched.
    """
    final = Path(output_dir)
    if final.exists() and not final.is_dir():
        raise InputError("the output is a file, not a folder", path=str(final))
    staging = atomic.staging_dir(final)
    try:
        for name, text in files.items():
            atomic.write_text(staging / name, text)
        if not final.exists():
            return atomic.publish_dir(staging, final)
        for name in files:
            os.replace(staging / name, final / name)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


