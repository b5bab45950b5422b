"""Every metric equals scikit-learn's on generated data: ties, one class, small and large sets."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from core.model_quality.metrics import (
    STD_MIN_SAMPLES,
    binary_metrics,
    multiclass_metrics,
    regression_metrics,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")


def _close(ours, theirs):
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), (ours, theirs)


sizes = st.integers(1, 400)


@st.composite
def binary_data(draw):
    n = draw(sizes)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    positive_share = draw(st.sampled_from([0.0, 0.05, 0.5, 0.95, 1.0]))
    actual = (rng.random(n) < positive_share).astype(int)
    levels = draw(st.sampled_from([2, 5, 1000]))  # few levels: many tied scores
    score = np.round(rng.random(n) * (levels - 1)) / (levels - 1)
    score = np.where(actual == 1, np.minimum(1, score + draw(st.floats(0, 0.5))), score)
    predicted = (score >= 0.5).astype(int)
    return actual, predicted, score


@settings(max_examples=60, deadline=None)
@given(binary_data())
def test_binary_metrics_equal_scikit_learn(data):
    actual, predicted, score = data
    ours = binary_metrics(actual, predicted, score)
    tn, fp, fn, tp = sk.confusion_matrix(actual, predicted, labels=[0, 1]).ravel()
    assert ours["confusion_matrix"] == {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}
    _close(ours["recall"][0], sk.recall_score(actual, predicted, zero_division=0))
    _close(ours["precision"][0], sk.precision_score(actual, predicted, zero_division=0))
    _close(ours["accuracy"][0], sk.accuracy_score(actual, predicted))
    _close(ours["true_negative_rate"][0],
           sk.recall_score(actual, predicted, pos_label=0, zero_division=0))
    _close(ours["false_positive_rate"][0], fp / (fp + tn) if fp + tn else 0.0)
    _close(ours["false_negative_rate"][0], fn / (fn + tp) if fn + tp else 0.0)
    for name, beta in (("f0_5", 0.5), ("f1", 1), ("f2", 2)):
        _close(ours[name][0], sk.fbeta_score(actual, predicted, beta=beta, zero_division=0))
        constant = np.ones_like(actual)
        _close(ours[f"{name}_best_constant_classifier"][0],
               sk.fbeta_score(actual, constant, beta=beta, zero_division=0))
    _close(ours["accuracy_best_constant_classifier"][0],
           sk.accuracy_score(actual, np.ones_like(actual)))
    if len(set(actual)) == 2:
        _close(ours["auc"][0], sk.roc_auc_score(actual, score))
        fpr, tpr, _ = sk.roc_curve(actual, score, drop_intermediate=False)
        curve = ours["receiver_operating_characteristic_curve"]
        # ours adds the closing (1, 1) like Spark; scikit-learn's starts at (0, 0) too
        assert curve["false_positive_rates"][:-1] == pytest.approx(fpr.tolist())
        assert curve["true_positive_rates"][:-1] == pytest.approx(tpr.tolist())
        precisions, recalls, _ = sk.precision_recall_curve(actual, score,
                                                           drop_intermediate=False)
        pr = ours["precision_recall_curve"]  # scikit-learn's runs from low to high threshold
        assert pr["precisions"][1:] == pytest.approx(precisions[:-1][::-1].tolist())
        assert pr["recalls"][1:] == pytest.approx(recalls[:-1][::-1].tolist())
    else:
        assert math.isnan(ours["auc"][0])
    _check_deviation(ours, len(actual))


def _check_deviation(block, n):
    for name, entry in block.items():
        if isinstance(entry, tuple):
            assert math.isnan(entry[1]) == (n < STD_MIN_SAMPLES) or math.isnan(entry[0]) \
                or name == "auc", (name, entry, n)


@st.composite
def multiclass_data(draw):
    n = draw(sizes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    classes = draw(st.sampled_from([["a"], ["a", "b", "c"], ["2", "10", "7", "1"]]))
    actual = rng.choice(classes, n)
    wrong = rng.random(n) < draw(st.floats(0, 1))
    predicted = np.where(wrong, rng.choice(classes + ["extra"], n), actual)
    return actual, predicted


@settings(max_examples=60, deadline=None)
@given(multiclass_data())
def test_multiclass_metrics_equal_scikit_learn(data):
    actual, predicted = data
    ours = multiclass_metrics(actual, predicted)
    labels = sorted(set(actual) | set(predicted))
    matrix = sk.confusion_matrix(actual, predicted, labels=labels)
    for i, a in enumerate(labels):
        for j, p in enumerate(labels):
            assert ours["confusion_matrix"][a][p] == matrix[i, j]
    _close(ours["accuracy"][0], sk.accuracy_score(actual, predicted))
    weighted = {"average": "weighted", "zero_division": 0}
    _close(ours["weighted_recall"][0], sk.recall_score(actual, predicted, **weighted))
    _close(ours["weighted_precision"][0], sk.precision_score(actual, predicted, **weighted))
    values, counts = np.unique(actual, return_counts=True)
    constant = np.full(len(actual), values[np.argmax(counts)])
    for name, beta in (("f0_5", 0.5), ("f1", 1), ("f2", 2)):
        _close(ours[f"weighted_{name}"][0],
               sk.fbeta_score(actual, predicted, beta=beta, **weighted))
        _close(ours[f"weighted_{name}_best_constant_classifier"][0],
               sk.fbeta_score(actual, constant, beta=beta, **weighted))
    _close(ours["accuracy_best_constant_classifier"][0], sk.accuracy_score(actual, constant))
    _close(ours["weighted_precision_best_constant_classifier"][0],
           sk.precision_score(actual, constant, **weighted))
    _check_deviation(ours, len(actual))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(0, 2**32 - 1), st.booleans(), st.booleans())
def test_regression_metrics_equal_scikit_learn(n, seed, constant_labels, integers):
    rng = np.random.default_rng(seed)
    actual = np.full(n, 3.0) if constant_labels else rng.normal(10, 5, n)
    predicted = actual + rng.normal(0, 2, n)
    if integers:  # ties and exact hits
        actual, predicted = np.round(actual), np.round(predicted)
    ours = regression_metrics(actual, predicted)
    _close(ours["mae"][0], sk.mean_absolute_error(actual, predicted))
    _close(ours["mse"][0], sk.mean_squared_error(actual, predicted))
    _close(ours["rmse"][0], sk.root_mean_squared_error(actual, predicted))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = sk.r2_score(actual, predicted) if n > 1 else (
            1.0 if np.all(actual == predicted) else 0.0)
    _close(ours["r2"][0], reference)
    _check_deviation(ours, n)


def test_standard_deviation_is_the_spread_over_five_seeded_80_percent_samples():
    rng = np.random.default_rng(7)
    actual = rng.normal(0, 1, 1000)
    predicted = actual + rng.normal(0, 0.5, 1000)
    first = regression_metrics(actual, predicted)
    assert first == regression_metrics(actual, predicted)  # seeded: runs repeat
    draws = np.random.default_rng(0)
    maes = []
    for _ in range(5):
        rows = np.sort(draws.permutation(1000)[:800])
        maes.append(sk.mean_absolute_error(actual[rows], predicted[rows]))
    _close(first["mae"][1], float(np.std(maes, ddof=1)))
    assert 0 < first["mae"][1] < 0.05
    few = regression_metrics(actual[:199], predicted[:199])
    assert all(math.isnan(std) for _, std in few.values())


def test_binary_key_order_and_the_churn_worked_example():
    # spec 9.3: TN 173, FP 0, FN 12, TP 16
    actual = np.r_[np.zeros(173), np.ones(28)].astype(int)
    predicted = np.r_[np.zeros(173), np.zeros(12), np.ones(16)].astype(int)
    block = binary_metrics(actual, predicted, predicted.astype(float))
    assert list(block)[:4] == ["confusion_matrix", "recall", "precision", "accuracy"]
    assert list(block).index("receiver_operating_characteristic_curve") == \
        list(block).index("auc") - 2
    _close(block["recall"][0], 0.5714285714285714)
    _close(block["accuracy"][0], 0.9402985074626866)
    _close(block["f1"][0], 0.7272727272727273)
    _close(block["f2"][0], 0.625)
    _close(block["f0_5"][0], 0.8695652173913043)
    assert not math.isnan(block["recall"][1])  # 201 rows: deviations are computed
