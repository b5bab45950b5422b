"""Value counts of a column's text, kept exactly while the column has few distinct values.

They feed ``distinct_count``, the categorical buckets of String features and the Deequ
categorical-range rule. Past ``MAX_TRACKED_VALUES`` distinct values the counts are dropped
(memory must not grow with the data) and only the number of distinct values seen so far is
kept as a lower bound.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

# Deequ's profiler builds histograms at <= 120 distinct values; we keep more so categorical
# drift still has buckets for medium-cardinality columns.
MAX_TRACKED_VALUES = 1000


class ValueCounts:
    """Exact counts of non-missing text values, until there are too many distinct ones."""

    def __init__(self) -> None:
        self.counts: dict[str, int] | None = {}
        self.distinct_lower_bound = 0

    @property
    def overflowed(self) -> bool:
        return self.counts is None

    def update(self, values: pa.Array) -> None:
        """Count ``values`` (text, nulls and empty strings already removed)."""
        if self.counts is None or len(values) == 0:
            return
        counted = pc.value_counts(values)
        keys = counted.field("values")
        if len(keys) + len(self.counts) > MAX_TRACKED_VALUES and len(keys) > MAX_TRACKED_VALUES:
            self._overflow(len(keys))
            return
        counts = self.counts
        for key, n in zip(keys.to_pylist(), counted.field("counts").to_pylist()):
            counts[key] = counts.get(key, 0) + n
        if len(counts) > MAX_TRACKED_VALUES:
            self._overflow(len(counts))

    def merge(self, other: ValueCounts) -> None:
        if self.counts is None or other.counts is None:
            self._overflow(max(self.distinct_lower_bound, other.distinct_lower_bound))
            return
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        if len(self.counts) > MAX_TRACKED_VALUES:
            self._overflow(len(self.counts))

    def distinct(self) -> int:
        return len(self.counts) if self.counts is not None else self.distinct_lower_bound

    def by_popularity(self) -> list[tuple[str, int]]:
        """(value, count) pairs, most frequent first, ties in value order."""
        if self.counts is None:
            return []
        return sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))

    def _overflow(self, seen: int) -> None:
        self.distinct_lower_bound = max(self.distinct_lower_bound, seen,
                                        len(self.counts or ()))
        self.counts = None
