"""Drift math with answers computed independently (plain Python empirical CDFs and counts)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from core.checks.drift import (
    bucket_counts,
    categorical_distance,
    chi2_survival,
    chi_squared,
    js_distance,
    numeric_distance,
    psi,
    rank_map,
    robust,
    top_movers,
)


def _ks(a: list[float], b: list[float]) -> float:
    """Two-sample KS statistic the slow, obvious way."""
    keys = sorted(set(a) | set(b))
    return max(abs(sum(x <= k for x in a) / len(a) - sum(x <= k for x in b) / len(b))
               for k in keys)


def test_rank_map_weights_levels_and_keeps_the_last_rank_of_duplicates():
    ranks = rank_map([[3.0, 1.0, 3.0], [2.0]])  # level 1 items weigh 2
    assert ranks.keys.tolist() == [1.0, 2.0, 3.0]
    assert ranks.ranks.tolist() == [1.0, 3.0, 5.0]
    assert ranks.rank_inclusive(np.array([0.5, 2.0, 9.0])).tolist() == [0.0, 3.0, 5.0]
    assert ranks.rank_exclusive(np.array([2.0, 3.0])).tolist() == [1.0, 3.0]


def test_shifted_numeric_column_has_the_ks_distance():
    rng = random.Random(7)
    base = [round(rng.gauss(50, 10), 2) for _ in range(1500)]
    cur = [round(rng.gauss(56, 10), 2) for _ in range(600)]
    expected = _ks(base, cur)
    base_map, cur_map = rank_map([base]), rank_map([cur])
    assert numeric_distance(base_map, cur_map, "Simple") == pytest.approx(expected, abs=1e-12)
    robust_expected = expected - 1.8 * math.sqrt((1500 + 600) / (1500 * 600))
    assert numeric_distance(base_map, cur_map, "Robust") == pytest.approx(robust_expected)
    assert robust_expected > 0.1  # a real shift fires even after the correction


def test_identical_data_has_zero_distance():
    values = [float(i % 17) for i in range(1000)]
    same = rank_map([values])
    assert numeric_distance(same, rank_map([list(reversed(values))]), "Simple") == 0.0
    assert categorical_distance({"a": 5, "b": 7}, {"a": 10, "b": 14}, "Simple") == 0.0
    assert psi(np.array([1, 2, 3]), np.array([2, 4, 6])) == 0.0
    assert js_distance(np.array([1, 2, 3]), np.array([2, 4, 6])) == 0.0


def test_robust_forgives_what_small_samples_cannot_show():
    # 35 current rows: Robust subtracts ~0.31, so a 0.25 gap is no drift, Simple says 0.25
    gap = 0.25
    assert robust(gap, 2000, 35) == 0.0
    assert robust(0.5, 2000, 35) == pytest.approx(0.5 - 1.8 * math.sqrt(2035 / (2000 * 35)))
    assert robust(0.5, 1e9, 1e9) == pytest.approx(0.5, abs=1e-3)  # big samples: same as Simple


def test_changed_categorical_mix_has_the_frequency_linf():
    base = {"a": 600, "b": 300, "c": 100}
    cur = {"a": 300, "b": 300, "c": 300, "d": 100}
    expected = max(abs(0.6 - 0.3), abs(0.3 - 0.3), abs(0.1 - 0.3), abs(0 - 0.1))
    assert categorical_distance(base, cur, "Simple") == pytest.approx(expected)
    assert categorical_distance(base, cur, "Robust") == pytest.approx(
        expected - 1.8 * math.sqrt(2000 / 1e6))


def test_chi_squared_statistic_and_p_value():
    base = {"a": 500, "b": 300, "c": 200}
    cur = {"a": 60, "b": 20, "c": 20}
    # expected counts for 100 observations: 50, 30, 20
    statistic = (60 - 50) ** 2 / 50 + (20 - 30) ** 2 / 30 + 0
    assert chi_squared(cur, base, "Simple") == pytest.approx(statistic)
    # dof 2: the survival function is exp(-x/2)
    assert chi_squared(cur, base, "Robust") == pytest.approx(math.exp(-statistic / 2))


def test_chi_squared_regroups_small_categories_and_needs_two():
    base = {"a": 900, "b": 95, "c": 5}
    cur = {"a": 90, "b": 9, "c": 1}
    # expected 90, 9.5, 0.5: c merges into b (9.5 + 0.5 = 10), then a 2-way test
    statistic = 0 + (10 - 10) ** 2 / 10
    assert chi_squared(cur, base, "Simple") == pytest.approx(statistic)
    assert math.isnan(chi_squared({"a": 3}, {"a": 10}, "Robust"))


@pytest.mark.parametrize(("x", "dof", "p"), [
    (3.841458820694124, 1, 0.05), (5.991464547107979, 2, 0.05), (18.307038053275146, 10, 0.05),
    (0.1, 3, 0.991837), (40.0, 4, 4.3284e-08),
])
def test_chi2_survival_matches_tables(x, dof, p):
    assert chi2_survival(x, dof) == pytest.approx(p, rel=1e-4)


def test_psi_and_js_against_hand_values():
    p, q = np.array([50.0, 50.0]), np.array([80.0, 20.0])
    expected_psi = (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    assert psi(p, q) == pytest.approx(expected_psi)
    m = [0.65, 0.35]
    kl = lambda a: sum(x * math.log2(x / y) for x, y in zip(a, m, strict=True))  # noqa: E731
    assert js_distance(p, q) == pytest.approx(math.sqrt((kl([0.5, 0.5]) + kl([0.8, 0.2])) / 2))
    assert js_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)


def test_bucket_counts_use_baseline_edges_and_outer_bins():
    buckets = [{"lower_bound": float(i), "upper_bound": float(i + 1), "count": 10.0}
               for i in range(10)]
    current = rank_map([[-5.0, 0.0, 0.5, 9.0, 10.0, 10.0, 12.0]])
    base, cur, edges = bucket_counts(buckets, current)
    assert base.tolist() == [0.0] + [10.0] * 10 + [0.0]
    assert cur.tolist() == [1.0, 2.0, 0, 0, 0, 0, 0, 0, 0, 0, 3.0, 1.0]
    assert edges[0] == (None, 0.0) and edges[-1] == (10.0, None)


def test_top_movers_are_the_largest_share_changes():
    movers = top_movers(["a", "b", "c"], np.array([5.0, 3.0, 2.0]), np.array([2.0, 3.0, 5.0]))
    assert [m["bin"] for m in movers] == ["a", "c"]
    assert movers[0]["change"] == pytest.approx(-0.3)
