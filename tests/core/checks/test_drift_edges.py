"""Drift math at its edges: ranks below the first key, categories on one side only, the
chi-squared regrouping rules one at a time (spec section 5.2), the survival function against
closed forms, and PSI / JS / top movers on empty bins and unnormalised counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.checks.drift import (
    bucket_counts,
    categorical_distance,
    chi2_survival,
    chi_squared,
    js_distance,
    numeric_distance,
    numeric_linf,
    psi,
    rank_map,
    robust,
    top_movers,
)


def test_ranks_at_and_below_the_first_key_are_zero():
    ranks = rank_map([[3.0, 1.0, 3.0], [2.0]])
    at_or_below = np.array([-1.0, 0.5, 1.0])
    assert ranks.rank_exclusive(at_or_below).tolist() == [0.0, 0.0, 0.0]
    assert ranks.rank_inclusive(at_or_below).tolist() == [0.0, 0.0, 1.0]
    assert ranks.rank_exclusive(np.array([3.5])).tolist() == [5.0]


def test_numeric_distance_defaults_to_robust_and_two_empty_sketches_are_equal():
    base = rank_map([[float(i) for i in range(100)]])
    cur = rank_map([[float(i) + 50 for i in range(100)]])
    assert numeric_distance(base, cur) == pytest.approx(robust(0.5, 100, 100))
    assert numeric_distance(base, cur) < numeric_distance(base, cur, "Simple") == 0.5
    assert numeric_linf(rank_map([]), rank_map([])) == 0.0


# -- categorical L-infinity ------------------------------------------------------------------

_counts = st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 50), max_size=6)


def _linf(base: dict, cur: dict) -> float:
    n, m = sum(base.values()), sum(cur.values())
    return max(abs(base.get(k, 0) / n - cur.get(k, 0) / m) for k in set(base) | set(cur))


@given(_counts, _counts)
@settings(max_examples=80, deadline=None)
def test_categorical_distance_is_the_linf_over_every_category_of_either_side(base, cur):
    n, m = sum(base.values()), sum(cur.values())
    if not n or not m:
        assert categorical_distance(base, cur, "Simple") == 0.0
        assert categorical_distance(base, cur) == 0.0
        return
    simple = _linf(base, cur)
    assert categorical_distance(base, cur, "Simple") == pytest.approx(simple, abs=1e-12)
    assert categorical_distance(base, cur) == pytest.approx(robust(simple, n, m), abs=1e-12)


def test_a_category_on_one_side_only_can_be_the_largest_gap():
    # "c" never seen in the baseline holds 80% of the window; "b" vanished from it
    assert categorical_distance({"a": 2, "b": 2}, {"a": 2, "c": 8}, "Simple") == \
        pytest.approx(0.8)
    assert categorical_distance({"a": 1, "b": 1, "c": 8}, {"a": 5, "b": 5}, "Simple") == \
        pytest.approx(0.8)
    assert categorical_distance({}, {"a": 1}) == 0.0 and categorical_distance({"a": 1}, {}) == 0.0


# -- chi-squared -----------------------------------------------------------------------------


def test_chi_squared_defaults_to_the_robust_p_value():
    base, cur = {"a": 500, "b": 300, "c": 200}, {"a": 60, "b": 20, "c": 20}
    assert chi_squared(cur, base) == chi_squared(cur, base, "Robust")
    assert chi_squared(cur, base) != chi_squared(cur, base, "Simple")


def test_a_baseline_category_absent_from_the_window_is_observed_zero_times():
    # expected 20 each; "c" is never seen: (30-20)^2/20 * 2 + (0-20)^2/20 = 30
    assert chi_squared({"a": 30, "b": 30}, {"a": 50, "b": 50, "c": 50}, "Simple") == \
        pytest.approx(30.0)


def test_window_categories_unknown_to_the_baseline_are_left_out():
    # "z" is not in the baseline: neither observed nor expected
    assert chi_squared({"a": 30, "b": 30, "z": 1000}, {"a": 50, "b": 50}, "Simple") == 0.0


def test_two_categories_need_ten_expected_each():
    # Cochran: with two categories an expected count below 10 merges them, leaving one
    assert math.isnan(chi_squared({"a": 95, "b": 5}, {"a": 95, "b": 5}, "Robust"))
    assert math.isnan(chi_squared({"a": 92, "b": 8}, {"a": 92, "b": 8}, "Robust"))
    assert chi_squared({"a": 90, "b": 10}, {"a": 90, "b": 10}, "Simple") == 0.0  # 10 is enough


def test_three_categories_allow_none_below_five():
    # 20% of three categories rounds down to none; an expected 7 is fine (floor 5, not 10)
    base = {"a": 50, "b": 43, "c": 7}
    cur = {"a": 40, "b": 40, "c": 20}
    statistic = (40 - 50) ** 2 / 50 + (40 - 43) ** 2 / 43 + (20 - 7) ** 2 / 7
    assert chi_squared(cur, base, "Simple") == pytest.approx(statistic)
    # an expected 5.5 is still not below 5
    base = {"a": 500, "b": 445, "c": 55}  # per 100: 50, 44.5, 5.5
    statistic = (40 - 50) ** 2 / 50 + (40 - 44.5) ** 2 / 44.5 + (20 - 5.5) ** 2 / 5.5
    assert chi_squared(cur, base, "Simple") == pytest.approx(statistic)


def test_five_categories_allow_one_below_five_but_not_two():
    base = {"a": 30, "b": 30, "c": 20, "d": 16, "e": 4}
    cur = {"a": 25, "b": 25, "c": 25, "d": 15, "e": 10}
    one_small = sum((cur[k] - base[k]) ** 2 / base[k] for k in base)
    assert chi_squared(cur, base, "Simple") == pytest.approx(one_small)
    # two below 5: the smallest ("e", 3) merges into the next smallest ("d", 4)
    base = {"a": 40, "b": 30, "c": 23, "d": 4, "e": 3}
    merged = {"a": 40, "b": 30, "c": 23, "d": 7}
    cur_merged = {"a": 25, "b": 25, "c": 25, "d": 25}
    expected = sum((cur_merged[k] - merged[k]) ** 2 / merged[k] for k in merged)
    assert chi_squared(cur, base, "Simple") == pytest.approx(expected)


def test_merging_carries_observed_counts_even_for_categories_never_seen():
    # "d" (expected 3) and "c" (expected 4) are both absent from the window: merged, they
    # are observed 0 times; "b" then needs nothing; 4 categories, none below 5 after merging
    base = {"a": 60, "b": 30, "c": 4, "d": 3, "e": 3}
    cur = {"a": 50, "b": 50}
    # e (3) merges into d (3): 6, observed 0; then c (4) is the only one below 5 of four
    # categories (allowed: int(0.8) = 0): c merges into d+e: 10, observed 0
    statistic = (50 - 60) ** 2 / 60 + (50 - 30) ** 2 / 30 + (0 - 10) ** 2 / 10
    assert chi_squared(cur, base, "Simple") == pytest.approx(statistic)


def _q_even(x: float, dof: int) -> float:
    """Closed form of the chi-squared survival for even dof."""
    half = x / 2
    return math.exp(-half) * sum(half ** i / math.factorial(i) for i in range(dof // 2))


@pytest.mark.parametrize("dof", [2, 4, 6, 10, 20])
@pytest.mark.parametrize("x", [0.01, 0.5, 1.0, 2.9, 3.0, 5.0, 11.0, 19.0, 25.0, 60.0])
def test_chi2_survival_equals_the_closed_form_for_even_dof(x, dof):
    assert chi2_survival(x, dof) == pytest.approx(_q_even(x, dof), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("x", [0.001, 0.3, 1.0, 1.5, 2.5, 4.0, 9.0])
def test_chi2_survival_equals_the_closed_form_for_odd_dof(x):
    assert chi2_survival(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-12)
    three = math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)
    assert chi2_survival(x, 3) == pytest.approx(three, rel=1e-12)


@pytest.mark.parametrize("dof", [1, 2, 7])
def test_no_difference_has_p_value_one(dof):
    assert chi2_survival(0.0, dof) == 1.0
    assert chi2_survival(-1e-9, dof) == 1.0


# -- PSI, JS, top movers, buckets --------------------------------------------------------


def test_psi_against_a_hand_value_with_unequal_baseline_shares():
    p, q = np.array([20.0, 30.0, 50.0]), np.array([30.0, 30.0, 40.0])
    expected = (0.3 - 0.2) * math.log(0.3 / 0.2) + (0.4 - 0.5) * math.log(0.4 / 0.5)
    assert psi(p, q) == pytest.approx(expected)


def test_psi_puts_epsilon_in_empty_bins_and_survives_an_empty_side():
    p, q = np.array([10, 0]), np.array([5, 5])
    eps = 1e-4
    expected = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - eps) * math.log(0.5 / eps)
    assert psi(p, q) == pytest.approx(expected)
    # nothing at all in the baseline: every bin is epsilon
    empty = (0.5 - eps) * math.log(0.5 / eps) * 2
    assert psi(np.array([0, 0]), np.array([3, 3])) == pytest.approx(empty)


_vectors = st.lists(st.integers(0, 20), min_size=2, max_size=6)


@given(_vectors, st.data())
@settings(max_examples=60, deadline=None)
def test_js_and_top_movers_depend_on_shares_not_on_totals(base, data):
    cur = data.draw(st.lists(st.integers(0, 20), min_size=len(base), max_size=len(base)))
    b, c = np.array(base, float), np.array(cur, float)
    scale = 1e-3  # counts turned into tiny shares: same shares, same answers
    assert js_distance(b * scale, c * scale) == pytest.approx(js_distance(b, c), abs=1e-9)
    labels = list(range(len(base)))
    # sorted by bin, and moves of a rounding error left out: at another scale equal moves may
    # round apart, and an unchanged share may come out 1e-17 off
    def moved(movers):
        return sorted((m for m in movers if abs(m["change"]) > 1e-12), key=lambda m: m["bin"])

    small = moved(top_movers(labels, b * scale, c * scale, limit=len(base)))
    plain = moved(top_movers(labels, b, c, limit=len(base)))
    assert [m["bin"] for m in small] == [m["bin"] for m in plain]
    for key in ("baseline", "current", "change"):
        assert [m[key] for m in small] == pytest.approx([m[key] for m in plain])
    # in the plain form: shares, sorted by absolute change then position, zero moves dropped
    if b.sum() and c.sum():
        p, q = b / b.sum(), c / c.sum()
        order = sorted((i for i in labels if q[i] != p[i]), key=lambda i: (-abs(q[i] - p[i]), i))
        assert [m["bin"] for m in top_movers(labels, b, c, limit=3)] == order[:3]
        for m in small:
            assert m["change"] == pytest.approx(m["current"] - m["baseline"])


def test_top_movers_put_the_largest_change_first_whatever_its_position():
    movers = top_movers(["a", "b", "c"], np.array([4, 3, 3]), np.array([4, 4, 2]))
    assert movers == [{"bin": "b", "baseline": 0.3, "current": 0.4, "change": pytest.approx(0.1)},
                      {"bin": "c", "baseline": 0.3, "current": 0.2,
                       "change": pytest.approx(-0.1)}]
    movers = top_movers(["a", "b", "c"], np.array([5, 4, 1]), np.array([5, 1, 4]))
    assert [m["bin"] for m in movers] == ["b", "c"]


def test_bucket_counts_follow_every_edge():
    buckets = [{"lower_bound": float(i), "upper_bound": float(i + 1), "count": 1.0}
               for i in range(10)]
    current = rank_map([[0.0, 2.5, 2.5, 7.0, 8.999, 9.0, 9.5, 10.0]])
    base, cur, edges = bucket_counts(buckets, current)
    assert cur.tolist() == [0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 3.0, 0.0]
    assert edges == [(None, 0.0)] + [(float(i), float(i + 1)) for i in range(10)] + \
        [(10.0, None)]
    assert cur.sum() == current.total and base.sum() == 10.0
