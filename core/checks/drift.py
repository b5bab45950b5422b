"""Drift distances between a baseline and a current distribution.

SageMaker's (Deequ's ``Distance``): L-infinity between KLL sketch CDFs with the Simple/Robust
choice, categorical L-infinity and chi-squared (spec section 5). Beyond SageMaker: PSI and
Jensen-Shannon over the baseline's 10 KLL buckets (plus below/above-range bins) or over
category frequencies, and the bins that moved most, to say *why* a feature drifted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

C_ALPHA = 1.8  # Deequ's default c(alpha), alpha ~ 0.003 (two-sample Kolmogorov-Smirnov)
EPSILON = 1e-4  # stands in for an empty bin so PSI and log ratios stay finite
TOP_MOVERS = 5


@dataclass(frozen=True)
class RankMap:
    """Sorted distinct sketch items and the cumulative weight up to each (Deequ getRankMap)."""

    keys: np.ndarray
    ranks: np.ndarray

    @property
    def total(self) -> float:
        return float(self.ranks[-1]) if len(self.ranks) else 0.0

    def rank_inclusive(self, x) -> np.ndarray:
        """Total weight of items <= x (Deequ ``getRank(key, rankMap)``)."""
        idx = np.searchsorted(self.keys, x, side="right")
        return np.where(idx > 0, self.ranks[np.maximum(idx - 1, 0)], 0.0)

    def rank_exclusive(self, x) -> np.ndarray:
        """Total weight of items < x."""
        idx = np.searchsorted(self.keys, x, side="left")
        return np.where(idx > 0, self.ranks[np.maximum(idx - 1, 0)], 0.0)


def rank_map(data: list[list[float]]) -> RankMap:
    """The rank map of a KLL sketch's ``data`` (level ``h`` items weigh ``2**h``)."""
    values = [np.asarray(level, dtype=np.float64) for level in data]
    weights = [np.full(len(v), float(2 ** h)) for h, v in enumerate(values)]
    if not values or not sum(len(v) for v in values):
        return RankMap(np.empty(0), np.empty(0))
    items, item_weights = np.concatenate(values), np.concatenate(weights)
    order = np.argsort(items, kind="stable")
    items, cumulative = items[order], np.cumsum(item_weights[order])
    last_of_each = np.append(items[1:] != items[:-1], True)  # a duplicate keeps its last rank
    return RankMap(items[last_of_each], cumulative[last_of_each])


def robust(linf_simple: float, n: float, m: float, c_alpha: float = C_ALPHA) -> float:
    """Deequ's correction for small samples: ``max(0, linf - c * sqrt((n+m)/(n*m)))``."""
    return max(0.0, linf_simple - c_alpha * math.sqrt((n + m) / (n * m)))


def numeric_linf(baseline: RankMap, current: RankMap) -> float:
    """Simple L-infinity distance between the two sketches' CDFs over all their keys."""
    keys = np.union1d(baseline.keys, current.keys)
    cdf_base = baseline.rank_inclusive(keys) / baseline.total
    cdf_cur = current.rank_inclusive(keys) / current.total
    return float(np.max(np.abs(cdf_base - cdf_cur))) if len(keys) else 0.0


def numeric_distance(baseline: RankMap, current: RankMap, method: str = "Robust") -> float:
    """The ``baseline_drift_check`` distance of a numeric feature for ``method``."""
    linf = numeric_linf(baseline, current)
    return robust(linf, baseline.total, current.total) if method == "Robust" else linf


def categorical_distance(baseline: dict[str, int], current: dict[str, int],
                         method: str = "Robust") -> float:
    """L-infinity between category frequencies, with the same Simple/Robust choice."""
    n, m = float(sum(baseline.values())), float(sum(current.values()))
    if not n or not m:
        return 0.0
    linf = max(abs(baseline.get(k, 0) / n - current.get(k, 0) / m)
               for k in baseline.keys() | current.keys())
    return robust(linf, n, m) if method == "Robust" else linf


def chi_squared(current: dict[str, int], baseline: dict[str, int],
                method: str = "Robust") -> float:
    """Deequ's chi-squared goodness of fit of ``current`` against ``baseline``.

    Returns the p-value for Robust and the statistic for Simple (Deequ's two paths), or NaN
    when fewer than two categories remain after regrouping small ones.
    """
    sample_sum = float(sum(v for k, v in current.items() if k in baseline))
    base_sum = float(sum(baseline.values()))
    if not base_sum:
        return math.nan
    expected = {k: v / base_sum * sample_sum for k, v in baseline.items()}
    sample = {k: float(v) for k, v in current.items()}
    _regroup(sample, expected)
    if len(expected) < 2:
        return math.nan
    observed = np.array([sample.get(k, 0.0) for k in expected])
    exp = np.array(list(expected.values()))
    # Spark's chiSqTest rescales expected to the observed total before comparing
    exp = exp * (observed.sum() / exp.sum()) if exp.sum() else exp
    statistic = float(np.sum((observed - exp) ** 2 / exp))
    if method != "Robust":
        return statistic
    return chi2_survival(statistic, len(expected) - 1)


def _regroup(sample: dict[str, float], expected: dict[str, float]) -> None:
    """Merge the smallest expected category into the next smallest until Cochran/Yates hold."""
    while len(expected) >= 2:
        if len(expected) > 2:
            floor, allowed = 5, int(0.2 * len(expected))
        else:
            floor, allowed = 10, 0
        if sum(1 for v in expected.values() if v < floor) <= allowed:
            return
        smallest = min(expected, key=expected.get)
        moved_expected, moved_sample = expected.pop(smallest), sample.pop(smallest, 0.0)
        second = min(expected, key=expected.get)
        expected[second] += moved_expected
        sample[second] = sample.get(second, 0.0) + moved_sample


def chi2_survival(statistic: float, dof: int) -> float:
    """P(X > statistic) for a chi-squared variable: the regularized upper gamma Q(dof/2, x/2)."""
    if statistic <= 0:
        return 1.0
    a, x = dof / 2.0, statistic / 2.0
    if x < a + 1:  # series for P(a, x), then Q = 1 - P
        term = total = 1.0 / a
        k = a
        for _ in range(10_000):
            k += 1
            term *= x / k
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(-x + a * math.log(x) - math.lgamma(a)))
    # Lentz's continued fraction for Q(a, x)
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return min(1.0, math.exp(-x + a * math.log(x) - math.lgamma(a)) * h)


def psi(baseline: np.ndarray, current: np.ndarray) -> float:
    """Population Stability Index of two frequency vectors (empty bins count as EPSILON)."""
    p, q = _frequencies(baseline), _frequencies(current)
    return float(np.sum((q - p) * np.log(q / p)))


def js_distance(baseline: np.ndarray, current: np.ndarray) -> float:
    """Jensen-Shannon distance (square root of the divergence, base 2, in [0, 1])."""
    p = np.asarray(baseline, float) / max(float(np.sum(baseline)), 1e-300)
    q = np.asarray(current, float) / max(float(np.sum(current)), 1e-300)
    mid = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / mid[mask])))

    return math.sqrt(max(0.0, (kl(p) + kl(q)) / 2))


def bucket_counts(buckets: list[dict], current: RankMap) -> tuple[np.ndarray, np.ndarray, list]:
    """Baseline and current counts over the baseline's KLL buckets plus two outer bins.

    Current counts come from the current sketch's ranks at the baseline's edges, with the
    analyzer's rule (exclusive ranks, inclusive for the last bucket's upper edge).

    Returns:
        (baseline counts, current counts, bin edges as ``(lower, upper)``; None = open end).
    """
    lows = np.array([b["lower_bound"] for b in buckets], dtype=np.float64)
    highs = np.array([b["upper_bound"] for b in buckets], dtype=np.float64)
    base = np.array([0.0] + [float(b["count"]) for b in buckets] + [0.0])
    ex_low, ex_high = current.rank_exclusive(lows), current.rank_exclusive(highs)
    inside = ex_high - ex_low
    inside[-1] = current.rank_inclusive(highs[-1]) - ex_low[-1]
    below = float(current.rank_exclusive(lows[0]))
    above = current.total - float(current.rank_inclusive(highs[-1]))
    cur = np.concatenate([[below], inside, [above]])
    edges = [(None, float(lows[0]))] + list(zip(lows.tolist(), highs.tolist(), strict=True)) + \
        [(float(highs[-1]), None)]
    return base, cur, edges


def top_movers(labels: list, baseline: np.ndarray, current: np.ndarray,
               limit: int = TOP_MOVERS) -> list[dict]:
    """The bins or categories whose share changed most, largest absolute change first."""
    p = np.asarray(baseline, float) / max(float(np.sum(baseline)), 1e-300)
    q = np.asarray(current, float) / max(float(np.sum(current)), 1e-300)
    change = q - p
    order = sorted(range(len(labels)), key=lambda i: (-abs(change[i]), i))
    return [{"bin": labels[i], "baseline": float(p[i]), "current": float(q[i]),
             "change": float(change[i])} for i in order[:limit] if change[i] != 0]


def _frequencies(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    total = float(np.sum(counts))
    freq = counts / total if total else np.zeros_like(counts)
    return np.where(freq > 0, freq, EPSILON)
