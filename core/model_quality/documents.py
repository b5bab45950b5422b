"""statistics.json, constraints.json and constraint_violations.json in SageMaker's
model-quality layout (spec 9.3 to 9.5), written with the analyzer's Jackson layout."""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path

from core.errors import FormatError, InputError
from core.formats import jackson
from core.model_quality.problem import BLOCKS, CONSTRAINT_BLOCKS, PROBLEM_TYPES

LESS = "LessThanThreshold"
GREATER = "GreaterThanThreshold"
OPERATORS = (LESS, GREATER)
CONSTRAINED = {
    "BinaryClassification": ("recall", "precision", "accuracy", "true_positive_rate",
                             "true_negative_rate", "false_positive_rate",
                             "false_negative_rate", "auc", "f0_5", "f1", "f2"),
    "MulticlassClassification": ("accuracy", "weighted_recall", "weighted_precision",
                                 "weighted_f0_5", "weighted_f1", "weighted_f2"),
    "Regression": ("mae", "mse", "rmse", "r2"),
}
LOWER_IS_BETTER = frozenset({"false_positive_rate", "false_negative_rate", "mae", "mse", "rmse"})
# the analyzer names rate metrics in camelCase in violations only (spec 9.5)
VIOLATION_NAMES = {"true_positive_rate": "truePositiveRate",
                   "true_negative_rate": "trueNegativeRate",
                   "false_positive_rate": "falsePositiveRate",
                   "false_negative_rate": "falseNegativeRate"}
MAX_DOCUMENT_BYTES = 64 << 20


def statistics_document(problem_type: str, block: dict, *, item_count: int,
                        evaluation_time: datetime | None = None) -> dict:
    """The statistics.json document: version, dataset, then the problem type's metrics."""
    when = (evaluation_time or datetime.now(UTC)).astimezone(UTC)
    metrics = {}
    for name, entry in block.items():
        if isinstance(entry, tuple):
            metrics[name] = {"value": float(entry[0]), "standard_deviation": float(entry[1])}
        else:
            metrics[name] = entry
    return {"version": 0.0,
            "dataset": {"item_count": int(item_count),
                        "evaluation_time": when.strftime("%Y-%m-%dT%H:%M:%S.")
                        + f"{when.microsecond // 1000:03d}Z"},
            BLOCKS[problem_type]: metrics}


def suggest_constraints(problem_type: str, statistics: dict) -> dict:
    """Thresholds equal to the baseline's values; metrics without a value (NaN) are left out."""
    block = statistics[BLOCKS[problem_type]]
    constraints = {}
    for name in CONSTRAINED[problem_type]:
        value = block.get(name, {}).get("value")
        if isinstance(value, (int, float)) and math.isfinite(value):
            constraints[name] = {"threshold": float(value), "comparison_operator":
                                 GREATER if name in LOWER_IS_BETTER else LESS}
    return {"version": 0.0, CONSTRAINT_BLOCKS[problem_type]: constraints}


def check_constraints(problem_type: str, statistics: dict, constraints: dict) -> list[dict]:
    """Violations in constraint order: ``value < threshold`` (LessThanThreshold) or
    ``value > threshold`` (GreaterThanThreshold); a metric without a value never violates."""
    block = statistics[BLOCKS[problem_type]]
    violations = []
    for name, rule in constraints[CONSTRAINT_BLOCKS[problem_type]].items():
        entry = block.get(name)
        if not isinstance(entry, dict) or not _is_number(entry.get("value")):
            continue
        value, threshold = float(entry["value"]), float(rule["threshold"])
        operator = rule["comparison_operator"]
        if (value < threshold) if operator == LESS else (value > threshold):
            violations.append(violation(name, operator, value,
                                        _as_float(entry.get("standard_deviation")), threshold))
    return violations


def violation(name: str, operator: str, value: float, deviation: float,
              threshold: float) -> dict:
    """One entry, worded and ordered as the analyzer writes it."""
    shown = VIOLATION_NAMES.get(name, name)
    return {"constraint_check_type": operator,
            "description": f"Metric {shown} with {_java(value)} +/- {_java(deviation)} was "
                           f"{operator} '{_java(threshold)}'",
            "metric_name": shown}


def dumps(document: dict) -> str:
    return jackson.dumps(document)


def read_constraints(path: str | os.PathLike, problem_type: str | None = None) -> tuple[str, dict]:
    """(problem type, document) of a model-quality constraints.json, checked field by field.

    Raises:
        FormatError: not JSON, no model-quality block, or a malformed constraint.
    """
    document = _read_json(path)
    found = [(kind, key) for kind, key in CONSTRAINT_BLOCKS.items()
             if isinstance(document, dict) and key in document]
    if len(found) != 1:
        raise FormatError("expected exactly one of " + ", ".join(CONSTRAINT_BLOCKS.values()),
                          path=str(path))
    kind, key = found[0]
    if problem_type is not None and kind != problem_type:
        raise FormatError(f"the constraints are for {kind}, not {problem_type}", path=str(path))
    block = document[key]
    if not isinstance(block, dict):
        raise FormatError("expected an object", path=str(path), field=key)
    for name, rule in block.items():
        field = f"{key}.{name}"
        if name not in CONSTRAINED[kind]:
            raise FormatError(f"unknown metric for {kind}", path=str(path), field=field)
        if not isinstance(rule, dict) or not _is_number(rule.get("threshold")):
            raise FormatError("expected a numeric threshold", path=str(path), field=field)
        if rule.get("comparison_operator") not in OPERATORS:
            raise FormatError(f"comparison_operator must be {' or '.join(OPERATORS)}",
                              path=str(path), field=field)
    return kind, document


def read_statistics(path: str | os.PathLike) -> tuple[str, dict]:
    """(problem type, document) of a model-quality statistics.json (ours or SageMaker's)."""
    document = _read_json(path)
    for kind in PROBLEM_TYPES:
        if isinstance(document, dict) and isinstance(document.get(BLOCKS[kind]), dict):
            return kind, document
    raise FormatError("expected one of " + ", ".join(BLOCKS.values()), path=str(path))


def read_violations(path: str | os.PathLike) -> list[dict]:
    """The entries of a model-quality constraint_violations.json."""
    document = _read_json(path)
    entries = document.get("violations") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise FormatError("expected a 'violations' list", path=str(path))
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(k), str)
                for k in ("metric_name", "constraint_check_type", "description")):
            raise FormatError("expected metric_name, constraint_check_type and description",
                              path=str(path), field=f"violations[{i}]")
    return entries


def _read_json(path: str | os.PathLike):
    file = Path(path)
    try:
        if file.stat().st_size > MAX_DOCUMENT_BYTES:
            raise FormatError(f"larger than {MAX_DOCUMENT_BYTES >> 20} MB", path=str(file))
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("the file does not exist", path=str(file)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"not a JSON document ({error})", path=str(file)) from error


def _java(value: float) -> str:
    return jackson.java_double(value).strip('"')


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _as_float(value) -> float:
    return float(value) if isinstance(value, (int, float)) else math.nan
