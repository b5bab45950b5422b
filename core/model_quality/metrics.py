"""Model-quality metrics as SageMaker's analyzer reports them, computed with numpy.

Every scalar is ``(value, standard_deviation)``: the standard deviation is that of the metric
over 5 random 80% subsamples (seeded, so runs repeat), only from 200 samples on; below that it
is NaN (written as the string "NaN"). Undefined ratios (a zero denominator) are 0.0, as
scikit-learn and Spark's MulticlassMetrics report them; AUC with a single class present is NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

STD_MIN_SAMPLES = 200
STD_ROUNDS = 5
STD_FRACTION = 0.8
STD_SEED = 0
CURVE_POINTS = 1000  # curves are thinned to about this many thresholds; auc uses all of them
F_BETAS = (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0))
BINARY_SCALARS = (
    "recall", "precision", "accuracy", "recall_best_constant_classifier",
    "precision_best_constant_classifier", "accuracy_best_constant_classifier",
    "true_positive_rate", "true_negative_rate", "false_positive_rate", "false_negative_rate",
    "auc", "f0_5", "f1", "f2", "f0_5_best_constant_classifier", "f1_best_constant_classifier",
    "f2_best_constant_classifier")
MULTICLASS_SCALARS = (
    "accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5", "weighted_f1",
    "weighted_f2", "accuracy_best_constant_classifier",
    "weighted_recall_best_constant_classifier", "weighted_precision_best_constant_classifier",
    "weighted_f0_5_best_constant_classifier", "weighted_f1_best_constant_classifier",
    "weighted_f2_best_constant_classifier")
REGRESSION_SCALARS = ("mae", "mse", "rmse", "r2")

Scalar = tuple[float, float]  # (value, standard deviation; NaN when not computed)


def regression_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict:
    """mae, mse, rmse, r2 (r2 of constant labels: 1.0 when every prediction is exact, else 0.0)."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    return _with_deviation(len(actual), lambda rows: _regression(actual[rows], predicted[rows]),
                           REGRESSION_SCALARS)


def binary_metrics(actual: np.ndarray, predicted: np.ndarray, score: np.ndarray) -> dict:
    """The binary block: confusion matrix, rates, F-scores, auc, curves, best-constant baselines.

    ``actual`` and ``predicted`` hold 0/1; ``score`` ranks records for auc and the curves (the
    probability, or the predicted label itself when there is none). Positive class: 1.
    """
    actual = np.asarray(actual, np.int8)
    predicted = np.asarray(predicted, np.int8)
    score = np.asarray(score, float)
    order = np.argsort(-score, kind="stable")  # sorted once; subsamples keep this order
    sorted_actual, sorted_score = actual[order], score[order]

    def scalars(rows) -> dict[str, float]:
        counts = _binary_counts(actual[rows], predicted[rows])
        in_order = slice(None) if isinstance(rows, slice) else rows[order]  # a mask, re-sorted
        _, fpr, tpr = _roc(sorted_actual[in_order], sorted_score[in_order])
        return _binary_scalars(counts, _area(fpr, tpr))

    result = _with_deviation(len(actual), scalars, BINARY_SCALARS)
    tn, fp, fn, tp = _binary_counts(actual, predicted)
    matrix = {"0": {"0": int(tn), "1": int(fp)}, "1": {"0": int(fn), "1": int(tp)}}
    thresholds_at, fpr, tpr = _roc(sorted_actual, sorted_score)
    precisions, recalls = _pr_points(sorted_actual, thresholds_at)
    keep = _thin(len(fpr))
    roc = {"false_positive_rates": [0.0, *fpr[keep].tolist(), 1.0],
           "true_positive_rates": [0.0, *tpr[keep].tolist(), 1.0]}
    first = float(precisions[0]) if len(precisions) else 1.0
    pr = {"precisions": [first, *precisions[keep].tolist()],
          "recalls": [0.0, *recalls[keep].tolist()]}
    ordered = {"confusion_matrix": matrix}
    for name in BINARY_SCALARS:
        if name == "auc":
            ordered["receiver_operating_characteristic_curve"] = roc
            ordered["precision_recall_curve"] = pr
        ordered[name] = result[name]
    return ordered


def multiclass_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict:
    """The multiclass block: confusion matrix, accuracy, weighted scores, best-constant baselines.

    Labels are compared as text; weights are each class's share of the actual labels.
    """
    actual, predicted = np.asarray(actual).astype(str), np.asarray(predicted).astype(str)
    labels = _label_order(np.union1d(actual, predicted))
    index = {label: i for i, label in enumerate(labels)}
    lookup = np.vectorize(index.__getitem__, otypes=[np.int64]) if len(actual) else None
    actual_i = lookup(actual) if lookup else np.zeros(0, np.int64)
    predicted_i = lookup(predicted) if lookup else np.zeros(0, np.int64)
    k = len(labels)

    def scalars(rows) -> dict[str, float]:
        return _multiclass_scalars(_matrix(actual_i[rows], predicted_i[rows], k))

    result = _with_deviation(len(actual), scalars, MULTICLASS_SCALARS)
    counts = _matrix(actual_i, predicted_i, k)
    matrix = {labels[a]: {labels[p]: int(counts[a, p]) for p in range(k)} for a in range(k)}
    return {"confusion_matrix": matrix, **result}


def _with_deviation(n: int, compute: Callable[[object], dict[str, float]],
                    names: tuple[str, ...]) -> dict[str, Scalar]:
    values = compute(slice(None))
    deviations = dict.fromkeys(names, math.nan)
    if n >= STD_MIN_SAMPLES:
        rng = np.random.default_rng(STD_SEED)
        size = int(n * STD_FRACTION)
        rounds = []
        for _ in range(STD_ROUNDS):
            rows = np.zeros(n, dtype=bool)  # a mask keeps record order without a sort
            rows[rng.permutation(n)[:size]] = True
            rounds.append(compute(rows))
        for name in names:
            sample = np.array([r[name] for r in rounds], float)
            deviations[name] = float(np.std(sample, ddof=1)) if np.isfinite(sample).all() \
                else math.nan
    return {name: (float(values[name]), deviations[name]) for name in names}


def _regression(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    if not len(actual):
        return dict.fromkeys(REGRESSION_SCALARS, math.nan)
    error = actual - predicted
    mse = float(np.mean(error * error))
    residual = float(np.sum(error * error))
    total = float(np.sum((actual - actual.mean()) ** 2))
    if total == 0.0:
        r2 = 1.0 if residual == 0.0 else 0.0
    else:
        r2 = 1.0 - residual / total
    return {"mae": float(np.mean(np.abs(error))), "mse": mse, "rmse": math.sqrt(mse), "r2": r2}


def _binary_counts(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(tn, fp, fn, tp)."""
    return np.bincount(actual.astype(np.int64) * 2 + predicted, minlength=4)[:4]


def _binary_scalars(counts: np.ndarray, auc: float) -> dict[str, float]:
    tn, fp, fn, tp = (int(c) for c in counts)
    n = tn + fp + fn + tp
    recall, precision = _ratio(tp, tp + fn), _ratio(tp, tp + fp)
    out = {"recall": recall, "precision": precision, "accuracy": _ratio(tp + tn, n),
           "true_positive_rate": recall, "true_negative_rate": _ratio(tn, tn + fp),
           # as the analyzer derives them (1 - rate), to the last bit of the real files
           "false_positive_rate": 1.0 - _ratio(tn, tn + fp) if tn + fp else 0.0,
           "false_negative_rate": 1.0 - recall if tp + fn else 0.0,
           "auc": auc}
    # the best constant classifier always predicts the positive class
    positives = tp + fn
    base_precision = _ratio(positives, n)
    base_recall = 1.0 if positives else 0.0
    out["recall_best_constant_classifier"] = base_recall
    out["precision_best_constant_classifier"] = base_precision
    out["accuracy_best_constant_classifier"] = base_precision
    for name, beta in F_BETAS:
        out[name] = _f_beta(precision, recall, beta)
        out[f"{name}_best_constant_classifier"] = _f_beta(base_precision, base_recall, beta)
    return out


def _roc(sorted_actual: np.ndarray, sorted_score: np.ndarray):
    """Cumulative (fpr, tpr) at each distinct score, highest first, and where each ends."""
    n = len(sorted_score)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    ends = np.flatnonzero(np.r_[sorted_score[1:] != sorted_score[:-1], True])
    tps = np.cumsum(sorted_actual, dtype=np.int64)[ends]
    fps = ends + 1 - tps
    positives, negatives = tps[-1], fps[-1]
    tpr = tps / positives if positives else np.full(len(tps), math.nan)
    fpr = fps / negatives if negatives else np.full(len(fps), math.nan)
    return ends, fpr, tpr


def _area(fpr: np.ndarray, tpr: np.ndarray) -> float:
    if not len(fpr) or np.isnan(fpr[-1]) or np.isnan(tpr[-1]):
        return math.nan  # one class only: the curve is undefined
    # Spark's AreaUnderCurve: trapezoids over (0,0), the points, (1,1), summed left to right
    x, y = np.r_[0.0, fpr, 1.0], np.r_[0.0, tpr, 1.0]
    terms = (x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0
    return float(np.cumsum(terms)[-1])


def _pr_points(sorted_actual: np.ndarray, ends: np.ndarray):
    if not len(ends):
        return np.zeros(0), np.zeros(0)
    tps = np.cumsum(sorted_actual, dtype=np.int64)[ends]
    positives = tps[-1]
    precisions = tps / (ends + 1)
    recalls = tps / positives if positives else np.zeros(len(tps))
    return precisions, recalls


def _thin(points: int) -> np.ndarray:
    if points <= CURVE_POINTS:
        return np.arange(points)
    return np.unique(np.r_[np.linspace(0, points - 1, CURVE_POINTS).round().astype(np.int64)])


def _matrix(actual: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(actual * k + predicted, minlength=k * k).reshape(k, k)


def _multiclass_scalars(matrix: np.ndarray) -> dict[str, float]:
    n = int(matrix.sum())
    support = matrix.sum(axis=1).astype(float)
    predicted = matrix.sum(axis=0).astype(float)
    hits = np.diag(matrix).astype(float)
    weights = support / n if n else support
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(support > 0, hits / support, 0.0)
        precision = np.where(predicted > 0, hits / predicted, 0.0)
    out = {"accuracy": _ratio(int(hits.sum()), n),
           "weighted_recall": float(np.sum(weights * recall)),
           "weighted_precision": float(np.sum(weights * precision))}
    for name, beta in F_BETAS:
        scores = np.array([_f_beta(p, r, beta) for p, r in zip(precision, recall, strict=True)])
        out[f"weighted_{name}"] = float(np.sum(weights * scores))
    # the best constant classifier always predicts the most frequent actual class
    share = float(weights.max()) if n else math.nan
    out["accuracy_best_constant_classifier"] = share
    out["weighted_recall_best_constant_classifier"] = share
    out["weighted_precision_best_constant_classifier"] = share * share
    for name, beta in F_BETAS:
        out[f"weighted_{name}_best_constant_classifier"] = share * _f_beta(share, 1.0, beta) \
            if n else math.nan
    return out


def _f_beta(precision: float, recall: float, beta: float) -> float:
    b2 = beta * beta
    denominator = b2 * precision + recall
    return (1 + b2) * precision * recall / denominator if denominator > 0 else 0.0


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _label_order(labels: np.ndarray) -> list[str]:
    """Numeric labels in numeric order ("2" before "10"), others as text."""
    values = [str(v) for v in labels]
    try:
        return sorted(values, key=float)
    except ValueError:
        return sorted(values)
