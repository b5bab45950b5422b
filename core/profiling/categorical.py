"""Value counts of a column's text, kept exactly while the column has few distinct values.

They feed the categorical buckets of String features and the Deequ categorical-range rule.
Past ``MAX_TRACKED_VALUES`` distinct values the counts are dropped (memory must not grow with
the data) and a HyperLogLog sketch carries the distinct count on.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from core.profiling.hll import HyperLogLog, string_array

# Deequ's profiler builds histograms at <= 120 distinct values; we keep more so categorical
# drift still has buckets for medium-cardinality columns.
MAX_TRACKED_VALUES = 1000


class ValueCounts:
    """Exact counts of non-missing text values, until there are too many distinct ones.

    Past the limit only a HyperLogLog sketch of the values is kept, which is also what
    ``distinct_count`` reports (Deequ's approximate count) whenever it can match Deequ.
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] | None = {}
        self.sketch: HyperLogLog | None = None  # only once the counts are dropped

    @property
    def overflowed(self) -> bool:
        return self.counts is None

    def update(self, values: pa.Array) -> None:
        """Count ``values`` (text, nulls and empty strings already removed)."""
        if len(values) == 0:
            return
        if self.counts is None:
            self.sketch.update(pc.unique(values))
            return
        counted = pc.value_counts(values)
        keys = counted.field("values")
        if len(keys) > MAX_TRACKED_VALUES:
            self._overflow()
            self.sketch.update(keys)
            return
        counts = self.counts
        for key, n in zip(keys.to_pylist(), counted.field("counts").to_pylist()):
            counts[key] = counts.get(key, 0) + n
        if len(counts) > MAX_TRACKED_VALUES:
            self._overflow()

    def merge(self, other: ValueCounts) -> None:
        if self.counts is not None and other.counts is not None:
            for key, n in other.counts.items():
                self.counts[key] = self.counts.get(key, 0) + n
            if len(self.counts) > MAX_TRACKED_VALUES:
                self._overflow()
            return
        self._overflow()
        self.sketch.merge(other._distinct_sketch())

    def distinct(self) -> float:
        """Deequ's approximate distinct count where we reproduce it exactly; otherwise the
        exact count while values are tracked, else the sketch's estimate."""
        estimate, exact = self._distinct_sketch().deequ_estimate()
        if exact or self.counts is None:
            return estimate
        return float(len(self.counts))

    def by_popularity(self) -> list[tuple[str, int]]:
        """(value, count) pairs, most frequent first, ties in value order."""
        if self.counts is None:
            return []
        return sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))

    def _distinct_sketch(self) -> HyperLogLog:
        if self.sketch is not None:
            return self.sketch
        sketch = HyperLogLog()
        sketch.update(string_array(list(self.counts or ())))
        return sketch

    def _overflow(self) -> None:
        if self.counts is not None:
            self.sketch = self._distinct_sketch()
            self.counts = None
