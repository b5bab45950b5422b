"""Streaming numeric statistics in Spark's arithmetic: sum, mean, population std-dev, KLL.

``sum`` is the plain double sum in input order (Spark's sum within one partition), so
``mean = sum / count`` matches the analyzer bit for bit. The std-dev follows Spark's
``CentralMomentAgg``: Welford's update value by value for the first
``EXACT_MOMENTS_LIMIT`` values of a column (bit-exact with a single Spark partition), then
whole chunks folded in with Spark's own partition-merge formula, as Spark does for large
inputs split across partitions.
"""

from __future__ import annotations

import math

import numpy as np

from core.profiling.kll import KLLSketch

# Values per column updated one by one exactly like Spark (~0.4 us each in Python).
EXACT_MOMENTS_LIMIT = 20_000
BUCKET_COUNT = 10  # fixed by the analyzer
# Values are handed to the KLL sketch in runs of at least this many: its per-call cost
# (planning, one sort per level) is then spread over many values.
KLL_BATCH = 1 << 18
# Deequ's KLL state starts min/max at Int.MaxValue/Int.MinValue; its buckets inherit that.
_KLL_MIN_START = float(2**31 - 1)
_KLL_MAX_START = float(-(2**31))


class NumericSummary:
    """Accumulates one numeric column; ``update`` takes float64 values with nulls removed."""

    def __init__(self) -> None:
        self.count = 0
        self.sum = 0.0
        self.minimum = math.inf
        self.maximum = -math.inf
        self._n = 0.0  # Spark's moment state (n, avg, m2)
        self._avg = 0.0
        self._m2 = 0.0
        self._sketch = KLLSketch()
        self._pending: list[np.ndarray] = []
        self._pending_size = 0

    def update(self, values: np.ndarray) -> None:
        if values.size == 0:
            return
        # Infinite values ("1e400" parses to Infinity) make NaN sums and moments, as in
        # Spark; numpy would also warn about it on stderr.
        with np.errstate(invalid="ignore", over="ignore"):
            self._update(values)

    def _update(self, values: np.ndarray) -> None:
        self.count += int(values.size)
        # cumsum runs strictly left to right, unlike np.sum's pairwise reduction.
        self.sum = float(np.cumsum(np.concatenate(([self.sum], values)))[-1])
        self.minimum = min(self.minimum, float(values.min()))
        self.maximum = max(self.maximum, float(values.max()))
        exact = max(0, min(values.size, EXACT_MOMENTS_LIMIT - int(self._n)))
        if exact:
            self._welford(values[:exact])
        if exact < values.size:
            rest = values[exact:]
            avg = float(np.sum(rest)) / rest.size
            centred = rest - avg
            # einsum, not np.dot: BLAS would wake its thread pool, which spins on idle cores.
            squares = float(np.einsum("i,i->", centred, centred))
            self._merge_moments(float(rest.size), avg, squares)
        self._pending.append(values)
        self._pending_size += values.size
        if self._pending_size >= KLL_BATCH:
            self._flush()

    @property
    def sketch(self) -> KLLSketch:
        """The column's KLL sketch, with every value given so far."""
        self._flush()
        return self._sketch

    def _flush(self) -> None:
        if self._pending:
            values = self._pending[0] if len(self._pending) == 1 else \
                np.concatenate(self._pending)
            self._pending, self._pending_size = [], 0
            self._sketch.update_many(values)

    def merge(self, other: NumericSummary) -> None:
        self.count += other.count
        self.sum += other.sum
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)
        self._merge_moments(other._n, other._avg, other._m2)
        self.sketch.merge(other.sketch)  # both flushed by the property

    @property
    def mean(self) -> float:
        return self.sum / self.count

    @property
    def std_dev(self) -> float:
        return math.sqrt(self._m2 / self._n)

    def buckets(self) -> list[dict]:
        """The 10 equal-width KLL buckets, counted from the sketch as Deequ does."""
        start = min(_KLL_MIN_START, self.minimum)
        end = max(_KLL_MAX_START, self.maximum)
        items, cumulative = self.sketch._ranks()
        out = []
        for i in range(BUCKET_COUNT):
            low = start + (end - start) * i / float(BUCKET_COUNT)
            high = start + (end - start) * (i + 1) / float(BUCKET_COUNT)
            side = "right" if i == BUCKET_COUNT - 1 else "left"
            count = _rank(items, cumulative, high, side) - _rank(items, cumulative, low, "left")
            out.append({"lower_bound": low, "upper_bound": high, "count": float(count)})
        return out

    def _welford(self, values: np.ndarray) -> None:
        # Spark: n += 1; delta = x - avg; deltaN = delta / n; avg += deltaN;
        # m2 += delta * (delta - deltaN). The avg recurrence is the only sequential part;
        # the m2 terms are then formed and summed in order with numpy.
        n, avg = self._n, self._avg
        previous = []
        append = previous.append
        for x in values.tolist():
            append(avg)
            n += 1.0
            avg += (x - avg) / n
        before = np.array(previous)
        delta = values - before
        delta_n = delta / np.arange(self._n + 1.0, n + 0.5, 1.0)
        terms = delta * (delta - delta_n)
        self._m2 = float(np.cumsum(np.concatenate(([self._m2], terms)))[-1])
        self._n, self._avg = n, avg

    def _merge_moments(self, n2: float, avg2: float, m2_2: float) -> None:
        # Spark's CentralMomentAgg merge expression, operation for operation.
        n1, avg1, m2_1 = self._n, self._avg, self._m2
        new_n = n1 + n2
        delta = avg2 - avg1
        delta_n = 0.0 if new_n == 0.0 else delta / new_n
        self._avg = avg1 + delta_n * n2
        self._m2 = m2_1 + m2_2 + delta * delta_n * n1 * n2
        self._n = new_n


def _rank(items: np.ndarray, cumulative: np.ndarray, x: float, side: str) -> int:
    index = int(np.searchsorted(items, x, side=side))
    return int(cumulative[index - 1]) if index else 0
