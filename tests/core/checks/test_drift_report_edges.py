"""The per-feature drift report at its edges: what is compared and how, the notes that say why
not, our PSI / JS / null-rate checks at their thresholds, and the report file's JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.checks import drift
from core.checks.drift_report import (
    JS_CHECK,
    NULL_RATE_CHECK,
    PSI_CHECK,
    REPORT_VERSION,
    ExtraChecks,
    dumps_report,
    feature_drift,
    report_document,
)

BUCKETS = [{"lower_bound": 10.0 * i, "upper_bound": 10.0 * (i + 1), "count": 10.0}
           for i in range(10)]


def _numeric(name, values, *, kind="Fractional", missing=0, buckets=None):
    kll = {"sketch": {"data": [list(values)]}}
    if buckets is not None:
        kll["buckets"] = buckets
    return {"name": name, "inferred_type": kind,
            "numerical_statistics": {"common": {"num_present": len(values),
                                                "num_missing": missing},
                                     "distribution": {"kll": kll}}}


def _string(name, counts, *, missing=0):
    buckets = [{"value": v, "count": c} for v, c in counts.items()]
    return {"name": name, "inferred_type": "String",
            "string_statistics": {"common": {"num_present": sum(counts.values()),
                                             "num_missing": missing},
                                  "distribution": {"categorical": {"buckets": buckets}}}}


def _cfg(**distribution):
    return {"distribution_constraints": distribution}


BASE = _numeric("x", [float(i) for i in range(100)], buckets=BUCKETS)
SHIFTED = _numeric("x", [float(i) + 50 for i in range(100)])


def test_an_entry_has_every_documented_key_even_when_nothing_is_compared():
    report = feature_drift(None, SHIFTED, None, {})
    assert list(report) == ["name", "baseline_type", "current_type", "compared", "method",
                            "distance", "threshold", "drifted", "psi", "js", "null_rate",
                            "top_movers", "note"]
    assert report["note"] == "The feature is not in the baseline statistics."
    assert (report["compared"], report["drifted"], report["current_type"]) == (
        False, False, "Fractional")
    assert report["null_rate"] == {"baseline": None, "current": 0.0, "change": None}


def test_a_shifted_numeric_feature_is_compared_with_the_robust_default():
    report = feature_drift(BASE, SHIFTED, "Fractional", {})
    n = m = 100.0
    assert report["method"] == "Robust" and report["compared"] is True
    assert report["distance"] == pytest.approx(0.5 - 1.8 * math.sqrt((n + m) / (n * m)))
    assert report["threshold"] == 0.1
    assert report["drifted"] is True and report["note"] == ""
    assert report["extra_violations"] == []


@given(shift=st.integers(0, 100), threshold=st.sampled_from([0.0, 0.05, 0.1, 0.3, 0.5, 1.0]),
       method=st.sampled_from(["Simple", "Robust"]))
@settings(max_examples=40, deadline=None)
def test_drifted_means_the_distance_exceeds_the_threshold(shift, threshold, method):
    current = _numeric("x", [float(i + shift) for i in range(100)])
    report = feature_drift(BASE, current, "Fractional",
                           _cfg(comparison_method=method, comparison_threshold=threshold))
    simple = shift / 100.0  # the CDFs of two shifted uniform grids differ by the shift's share
    expected = simple if method == "Simple" else max(0.0, simple - 1.8 * math.sqrt(0.02))
    assert report["distance"] == pytest.approx(expected)
    assert report["threshold"] == threshold
    assert report["drifted"] is (report["distance"] > threshold)


def test_perform_comparison_disabled_reports_the_distance_but_never_drifts():
    report = feature_drift(BASE, SHIFTED, "Fractional", _cfg(perform_comparison="Disabled"))
    assert report["compared"] is True and report["distance"] > 0.1
    assert report["drifted"] is False
    assert report["note"] == "perform_comparison is Disabled."


def test_a_type_change_is_not_compared_but_still_explained_by_bins():
    current = _numeric("x", [float(i) + 50 for i in range(100)], kind="Integral")
    report = feature_drift(BASE, current, "Fractional", {})
    assert report["compared"] is False and report["drifted"] is False
    assert report["distance"] is None and report["method"] is None
    assert report["note"] == "Not compared: the window is Integral, the baseline Fractional."
    assert report["psi"] > 0 and report["js"] > 0 and report["top_movers"]


def test_numeric_bins_are_the_baseline_buckets_plus_open_ends():
    current = _numeric("x", [-5.0] * 30 + [100.0] * 45 + [250.0] * 25)
    report = feature_drift(BASE, current, "Fractional", {})
    # 100 is the last bucket's closed upper edge; -5 and 250 fall outside the baseline's range.
    # Largest move first; equal moves keep bin order.
    assert report["top_movers"] == [
        {"bin": "[90, 100]", "baseline": 0.1, "current": 0.45, "change": pytest.approx(0.35)},
        {"bin": "< 0", "baseline": 0.0, "current": 0.3, "change": 0.3},
        {"bin": "> 100", "baseline": 0.0, "current": 0.25, "change": 0.25},
        {"bin": "[0, 10)", "baseline": 0.1, "current": 0.0, "change": -0.1},
        {"bin": "[10, 20)", "baseline": 0.1, "current": 0.0, "change": -0.1},
    ]
    base = np.array([0.0] + [10.0] * 10 + [0.0])
    cur = np.array([30.0] + [0.0] * 9 + [45.0, 25.0])
    assert report["psi"] == pytest.approx(drift.psi(base, cur))
    assert report["js"] == pytest.approx(drift.js_distance(base, cur))


def test_bin_labels_keep_six_significant_digits():
    buckets = [{"lower_bound": 0.1234567 * i, "upper_bound": 0.1234567 * (i + 1), "count": 1.0}
               for i in range(10)]
    base = _numeric("x", [0.1234567 * i + 0.01 for i in range(10)], buckets=buckets)
    current = _numeric("x", [5.0] * 10)
    bins = [m["bin"] for m in feature_drift(base, current, "Fractional", {})["top_movers"]]
    assert bins[0] == "> 1.23457"
    assert "[0, 0.123457)" in bins


def test_numeric_without_buckets_has_a_distance_but_no_bins():
    base = _numeric("x", [float(i) for i in range(100)])
    report = feature_drift(base, SHIFTED, "Fractional", {})
    assert report["compared"] is True
    assert (report["psi"], report["js"], report["top_movers"]) == (None, None, [])


@pytest.mark.parametrize("empty_side", ["baseline", "current"])
def test_an_empty_sketch_has_nothing_to_compare(empty_side):
    empty = {"name": "x", "inferred_type": "Fractional",
             "numerical_statistics": {"common": {"num_present": 0, "num_missing": 4}}}
    base, current = (empty, SHIFTED) if empty_side == "baseline" else (BASE, empty)
    report = feature_drift(base, current, "Fractional", {})
    assert report["note"] == "No values to compare."
    assert report["compared"] is False and report["psi"] is None


def test_different_kinds_are_not_compared():
    report = feature_drift(BASE, _string("x", {"a": 3}), "Fractional", {})
    assert report["note"] == "Baseline and current values are of different kinds; not compared."
    assert report["compared"] is False


# -- categorical ---------------------------------------------------------------------------


def test_categorical_linf_default_with_union_labels_in_baseline_order():
    base = _string("c", {"a": 60, "b": 30, "c": 10})
    cur = _string("c", {"d": 10, "a": 30, "b": 30, "c": 30})
    report = feature_drift(base, cur, "String", {})
    assert report["method"] == "LInfinity" and report["robust"] is True
    expected = drift.categorical_distance({"a": 60, "b": 30, "c": 10},
                                          {"d": 10, "a": 30, "b": 30, "c": 30}, "Robust")
    assert report["distance"] == expected and report["threshold"] == 0.1
    assert [m["bin"] for m in report["top_movers"]] == ["a", "c", "d"]
    labels_base = np.array([60.0, 30.0, 10.0, 0.0])
    labels_cur = np.array([30.0, 30.0, 30.0, 10.0])
    assert report["psi"] == pytest.approx(drift.psi(labels_base, labels_cur))


def test_categorical_threshold_falls_back_to_the_numeric_one():
    base, cur = _string("c", {"a": 5, "b": 5}), _string("c", {"a": 9, "b": 1})
    assert feature_drift(base, cur, "String", _cfg(comparison_threshold=0.3))["threshold"] == 0.3
    both = _cfg(comparison_threshold=0.3, categorical_comparison_threshold=0.2)
    assert feature_drift(base, cur, "String", both)["threshold"] == 0.2


def test_simple_categorical_and_unknown_methods():
    base, cur = _string("c", {"a": 5, "b": 5}), _string("c", {"a": 9, "b": 1})
    simple = feature_drift(base, cur, "String", _cfg(comparison_method="Simple"))
    assert simple["distance"] == pytest.approx(0.4) and simple["robust"] is False
    assert simple["drifted"] is True
    odd = feature_drift(base, cur, "String", _cfg(categorical_drift_method="Hellinger"))
    assert odd["method"] == "LInfinity"


def test_chi_squared_robust_drifts_when_the_p_value_is_small():
    base = _string("c", {"a": 500, "b": 500})
    cfg = _cfg(categorical_drift_method="ChiSquared", categorical_comparison_threshold=0.05)
    moved = feature_drift(base, _string("c", {"a": 90, "b": 10}), "String", cfg)
    assert moved["method"] == "ChiSquared" and moved["distance"] < 1e-10
    assert moved["drifted"] is True
    same = feature_drift(base, _string("c", {"a": 50, "b": 50}), "String", cfg)
    assert same["distance"] == 1.0 and same["drifted"] is False
    # a p-value exactly at the threshold is not below it
    at = dict(cfg["distribution_constraints"], categorical_comparison_threshold=1.0)
    assert feature_drift(base, _string("c", {"a": 50, "b": 50}), "String",
                         {"distribution_constraints": at})["drifted"] is False


def test_chi_squared_simple_is_a_statistic_compared_upwards():
    base = _string("c", {"a": 500, "b": 500})
    cfg = _cfg(categorical_drift_method="ChiSquared", comparison_method="Simple",
               categorical_comparison_threshold=63.9)
    report = feature_drift(base, _string("c", {"a": 90, "b": 10}), "String", cfg)
    assert report["distance"] == pytest.approx(64.0) and report["drifted"] is True
    cfg["distribution_constraints"]["categorical_comparison_threshold"] = 64.0
    report = feature_drift(base, _string("c", {"a": 90, "b": 10}), "String", cfg)
    assert report["drifted"] is False


def test_a_nan_distance_never_drifts():
    base = _string("c", {"a": 500})
    cfg = _cfg(categorical_drift_method="ChiSquared", comparison_method="Simple",
               categorical_comparison_threshold=-1.0)
    report = feature_drift(base, _string("c", {"a": 7}), "String", cfg)
    assert report["compared"] is True and math.isnan(report["distance"])
    assert report["drifted"] is False


def test_categories_are_compared_as_text_and_empty_sides_are_not_compared():
    base = _string("c", {1: 5, "2": 5})
    report = feature_drift(base, _string("c", {"1": 5, 2: 5}), "String",
                           _cfg(comparison_method="Simple"))
    assert report["distance"] == 0.0
    report = feature_drift(base, _string("c", {}), "String", {})
    assert report["note"] == "No categories to compare." and report["compared"] is False


# -- our own checks ------------------------------------------------------------------------


@given(psi_t=st.sampled_from([None, 0.0, 0.5, 100.0]), js_t=st.sampled_from([None, 0.0, 0.99]),
       null_t=st.sampled_from([None, 0.0, 0.25, 0.5]), missing=st.integers(0, 100))
@settings(max_examples=60, deadline=None)
def test_extra_checks_fire_only_above_a_set_threshold(psi_t, js_t, null_t, missing):
    current = _numeric("x", [float(i) + 50 for i in range(100)], missing=missing)
    report = feature_drift(BASE, current, "Fractional", {},
                           ExtraChecks(psi_threshold=psi_t, js_threshold=js_t,
                                       null_rate_threshold=null_t))
    change = missing / (100 + missing)
    assert report["null_rate"] == {"baseline": 0.0, "current": change, "change": change}
    expected = []
    if psi_t is not None and report["psi"] > psi_t:
        expected.append(PSI_CHECK)
    if js_t is not None and report["js"] > js_t:
        expected.append(JS_CHECK)
    if null_t is not None and change > null_t:
        expected.append(NULL_RATE_CHECK)
    assert [check for check, _ in report["extra_violations"]] == expected


def test_extra_check_descriptions():
    current = _numeric("x", [float(i) + 50 for i in range(100)], missing=25)
    base = _numeric("x", [float(i) for i in range(100)], missing=0, buckets=BUCKETS)
    report = feature_drift(base, current, "Fractional", {},
                           ExtraChecks(psi_threshold=1, js_threshold=0.5,
                                       null_rate_threshold=0.1))
    texts = dict(report["extra_violations"])
    assert texts[PSI_CHECK] == f"PSI drift: {report['psi']!r} exceeds threshold: 1.0"
    assert texts[JS_CHECK] == f"JS drift: {report['js']!r} exceeds threshold: 0.5"
    assert texts[NULL_RATE_CHECK] == ("Missing values rose by 20.00% (from 0.00% to 20.00%); "
                                      "allowed rise: 10.00%")


def test_null_rate_uses_string_statistics_and_a_missing_baseline_has_no_change():
    base, cur = _string("c", {"a": 9}, missing=1), _string("c", {"a": 1}, missing=3)
    report = feature_drift(base, cur, "String", {}, ExtraChecks(null_rate_threshold=0.5))
    assert report["null_rate"] == pytest.approx({"baseline": 0.1, "current": 0.75,
                                                 "change": 0.65})
    assert [c for c, _ in report["extra_violations"]] == [NULL_RATE_CHECK]
    unseen = feature_drift(None, cur, None, {}, ExtraChecks(null_rate_threshold=0.0))
    assert unseen["null_rate"]["change"] is None
    assert "extra_violations" not in unseen  # the note says why; nothing to check
    empty = {"name": "c", "string_statistics": {"common": {"num_present": 0, "num_missing": 0}}}
    assert feature_drift(base, empty, "String", {})["null_rate"] == {
        "baseline": 0.1, "current": None, "change": None}


# -- the report file -----------------------------------------------------------------------


def test_report_document_keeps_feature_order_and_drops_the_violation_list():
    entries = {n: feature_drift(BASE, dict(SHIFTED, name=n), "Fractional", {},
                                ExtraChecks(psi_threshold=0.0)) for n in ("z", "a", "m")}
    doc = report_document(entries, window_start="2024-01-01T00:00:00Z", window_end=None)
    assert doc["version"] == REPORT_VERSION == 1
    assert (doc["window_start"], doc["window_end"]) == ("2024-01-01T00:00:00Z", None)
    assert [f["name"] for f in doc["features"]] == ["z", "a", "m"]
    assert all("extra_violations" not in f for f in doc["features"])
    assert all(entries[n]["extra_violations"] for n in entries)  # the entries keep theirs


def test_dumps_report_turns_non_finite_numbers_into_null_at_any_depth():
    doc = {"a": math.nan, "b": [1.5, math.inf, (-math.inf, {"c": math.nan})],
           "d": {"e": 2.0, "f": "ünïcode"}, "g": 3, "h": None}
    text = dumps_report(doc)
    assert json.loads(text) == {"a": None, "b": [1.5, None, [None, {"c": None}]],
                                "d": {"e": 2.0, "f": "ünïcode"}, "g": 3, "h": None}
    assert "ünïcode" in text and "NaN" not in text and "Infinity" not in text
    assert text.startswith('{\n  "a": null')  # indented for people reading the file


def test_a_category_gone_from_the_window_counts_as_zero_in_every_measure():
    base = _string("c", {"a": 50, "b": 30, "gone": 20})
    cur = _string("c", {"a": 60, "b": 40})
    report = feature_drift(base, cur, "String", _cfg(comparison_method="Simple"))
    shares_base, shares_cur = np.array([50.0, 30.0, 20.0]), np.array([60.0, 40.0, 0.0])
    assert report["psi"] == pytest.approx(drift.psi(shares_base, shares_cur))
    assert report["js"] == pytest.approx(drift.js_distance(shares_base, shares_cur))
    assert report["top_movers"][0] == {"bin": "gone", "baseline": 0.2, "current": 0.0,
                                       "change": -0.2}
    assert report["distance"] == pytest.approx(0.2)


def test_our_checks_do_not_fire_at_exactly_their_threshold():
    plain = feature_drift(BASE, SHIFTED, "Fractional", {})
    at = ExtraChecks(psi_threshold=plain["psi"], js_threshold=plain["js"],
                     null_rate_threshold=plain["null_rate"]["change"] or 0.0)
    assert feature_drift(BASE, SHIFTED, "Fractional", {}, at)["extra_violations"] == []


def test_null_rates_of_half_missing_and_of_partial_blocks():
    half = _numeric("x", [1.0, 2.0], missing=2)
    assert feature_drift(None, half, None, {})["null_rate"]["current"] == 0.5
    only_present = {"name": "x", "numerical_statistics": {"common": {"num_present": 4}}}
    only_missing = {"name": "x", "numerical_statistics": {"common": {"num_missing": 4}}}
    assert feature_drift(None, only_present, None, {})["null_rate"]["current"] == 0.0
    assert feature_drift(None, only_missing, None, {})["null_rate"]["current"] == 1.0
