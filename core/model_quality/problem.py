"""Problem types and SageMaker's attribute settings, and turning values into a metrics block."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import InputError, ValidationError
from core.model_quality import metrics
from core.model_quality.attributes import Locate, as_numbers

BINARY = "BinaryClassification"
MULTICLASS = "MulticlassClassification"
REGRESSION = "Regression"
PROBLEM_TYPES = (BINARY, MULTICLASS, REGRESSION)
BLOCKS = {BINARY: "binary_classification_metrics",
          MULTICLASS: "multiclass_classification_metrics", REGRESSION: "regression_metrics"}
CONSTRAINT_BLOCKS = {BINARY: "binary_classification_constraints",
                     MULTICLASS: "multiclass_classification_constraints",
                     REGRESSION: "regression_constraints"}
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class QualitySettings:
    """The analyzer's settings: ``problem_type``, ``inference_attribute``,
    ``probability_attribute``, ``probability_threshold_attribute``, ``ground_truth_attribute``.

    A binary record is predicted positive when its probability is at least the threshold.
    """

    problem_type: str
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float | None = None
    ground_truth_attribute: str | None = None

    def __post_init__(self) -> None:
        if self.problem_type not in PROBLEM_TYPES:
            raise ValidationError(f"problem type {self.problem_type!r} is not one of "
                                  f"{', '.join(PROBLEM_TYPES)}")
        if self.problem_type != BINARY and (self.probability_attribute is not None
                                            or self.probability_threshold is not None):
            raise ValidationError("a probability attribute and threshold apply only to "
                                  f"{BINARY}")
        if self.probability_threshold is not None:
            if self.probability_attribute is None:
                raise ValidationError("a probability threshold needs a probability attribute")
            if not 0.0 <= self.probability_threshold <= 1.0:
                raise ValidationError(f"the probability threshold {self.probability_threshold}"
                                      " is not between 0 and 1")


def metrics_block(settings: QualitySettings, labels: pa.Array, inferences: pa.Array | None,
                  probabilities: pa.Array | None, *, label_locate: Locate,
                  output_locate: Locate) -> dict:
    """The statistics block of ``settings.problem_type`` from the records' text values.

    Raises:
        InputError: a value that is not a number where one is needed, or data the problem
            type does not fit (a third class in binary labels, probabilities as labels).
    """
    if settings.problem_type == REGRESSION:
        actual = as_numbers(labels, what="label", locate=label_locate)
        predicted = as_numbers(inferences, what="prediction", locate=output_locate)
        return metrics.regression_metrics(actual, predicted)
    if settings.problem_type == MULTICLASS:
        _no_empty(labels, "label", label_locate)
        _no_empty(inferences, "prediction", output_locate)
        return metrics.multiclass_metrics(_classes(labels), _classes(inferences))
    actual = _zero_one(as_numbers(labels, what="label", locate=label_locate), "label",
                       label_locate)
    if probabilities is not None:
        score = as_numbers(probabilities, what="probability", locate=output_locate)
        threshold = settings.probability_threshold
        if inferences is not None:
            predicted = _zero_one(as_numbers(inferences, what="prediction",
                                             locate=output_locate), "prediction", output_locate)
        else:
            predicted = (score >= (DEFAULT_THRESHOLD if threshold is None else threshold))
    else:
        predicted = _zero_one(as_numbers(inferences, what="prediction", locate=output_locate),
                              "prediction", output_locate)
        score = predicted.astype(float)
    return metrics.binary_metrics(actual, predicted.astype(np.int8), score)


def _no_empty(values: pa.Array, what: str, locate: Locate) -> None:
    empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), ""), True)
    if pc.any(empty).as_py():
        path, line = locate(int(np.flatnonzero(empty.to_numpy(zero_copy_only=False))[0]))
        raise InputError(f"the {what} is empty", path=path, line=line)


def _zero_one(values: np.ndarray, what: str, locate: Locate) -> np.ndarray:
    bad = np.flatnonzero((values != 0) & (values != 1))
    if len(bad):
        path, line = locate(int(bad[0]))
        hint = (" (probabilities need --probability-attribute)" if what == "prediction"
                else f" (more than two classes need {MULTICLASS})")
        raise InputError(f"{BINARY} needs 0/1 {what}s, found {_number(values[bad[0]])}{hint}",
                         path=path, line=line)
    return values.astype(np.int8)


def _classes(values: pa.Array) -> np.ndarray:
    """Class labels as text, numbers written one way ("1.0" and "1" are the same class)."""
    out = []
    for text in values.to_pylist():
        text = (text or "").strip()
        try:
            number = float(text)
        except ValueError:
            out.append(text)
            continue
        out.append(_number(number) if math.isfinite(number) else text)
    return np.array(out, dtype=object).astype(str)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
