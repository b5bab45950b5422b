"""Deequ's KLL quantile sketch (``QuantileNonSample``), reproduced item for item.

SageMaker's analyzer stores this sketch in ``statistics.json``. Its update rule is
deterministic: *when* a level is compacted depends only on how many items went in, never on
their values. So a bulk update first plans the compactions with integers, then runs every
compaction of one level as a single sorted 2-D numpy array (levels are streams: each
compaction takes the next run of that level's input), which is exact and fast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

DEFAULT_K = 2048
DEFAULT_C = 0.64


class KLLSketch:
    """A ``QuantileNonSample[Double]`` with sketch size ``k`` and shrinking factor ``c``."""

    def __init__(self, k: int = DEFAULT_K, c: float = DEFAULT_C) -> None:
        self.k, self.c = int(k), float(c)
        self._levels: list[np.ndarray] = [np.empty(0)]
        self._compactions: list[int] = [0]  # Deequ's numOfCompress, per level
        self._offsets: list[int] = [0]
        self._rank_cache: tuple[np.ndarray, np.ndarray] | None = None
        # Whether any -0.0 ever entered: only then must sorting mend numpy's zero order.
        self._signed_zeros = False

    @classmethod
    def from_data(cls, data: Sequence[Sequence[float]], k: float = DEFAULT_K,
                  c: float = DEFAULT_C) -> KLLSketch:
        """Rebuild a sketch from the ``sketch.data`` levels of a ``statistics.json``."""
        sketch = cls(int(k), c)
        levels = [np.asarray(level, dtype=np.float64) for level in data] or [np.empty(0)]
        sketch._levels = levels
        sketch._compactions = [0] * len(levels)
        sketch._offsets = [0] * len(levels)
        sketch._signed_zeros = any(_has_negative_zero(level) for level in levels)
        return sketch

    @property
    def data(self) -> list[list[float]]:
        """The items of each level, as written under ``sketch.data``."""
        return [level.tolist() for level in self._levels]

    @property
    def count(self) -> int:
        """How many values the sketch stands for: each level-h item weighs 2**h."""
        return sum(len(level) << h for h, level in enumerate(self._levels))

    def capacity(self, height: int) -> int:
        return 2 * (math.ceil(self.k * math.pow(self.c, height) / 2) + 1)

    def update_many(self, values: np.ndarray) -> None:
        """Insert ``values`` in order, exactly as that many single ``update`` calls would."""
        values = np.asarray(values, dtype=np.float64)
        if values.size == 0:
            return
        self._rank_cache = None
        self._signed_zeros = self._signed_zeros or _has_negative_zero(values)
        plan = self._plan_updates(values.size)
        incoming = values
        for height, lengths in enumerate(plan):
            stream = _concat(self._levels[height], incoming)
            incoming, consumed = self._compact_runs(height, stream, lengths)
            # Copy the short remainder: a view would pin the whole input stream in memory.
            self._levels[height] = stream[consumed:].copy()
        if incoming.size:
            self._levels[len(plan)] = _concat(self._levels[len(plan)], incoming)

    def merge(self, other: KLLSketch) -> KLLSketch:
        """Fold ``other`` into this sketch the way Deequ merges Spark partitions."""
        self._rank_cache = None
        self._signed_zeros = self._signed_zeros or other._signed_zeros
        while len(self._levels) < len(other._levels):
            self._expand()
        for h, level in enumerate(other._levels):
            self._levels[h] = _concat(self._levels[h], level)
        while self._size() >= self._total_capacity():
            self._condense_once()
        return self

    def rank_exclusive(self, x: float) -> int:
        """Total weight of items strictly below ``x``."""
        items, cumulative = self._ranks()
        index = int(np.searchsorted(items, x, side="left"))
        return int(cumulative[index - 1]) if index else 0

    def rank_inclusive(self, x: float) -> int:
        """Total weight of items at or below ``x``."""
        items, cumulative = self._ranks()
        index = int(np.searchsorted(items, x, side="right"))
        return int(cumulative[index - 1]) if index else 0

    def items_and_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """All items with their weights (``2**level``), level by level."""
        items = np.concatenate(self._levels) if self._levels else np.empty(0)
        weights = np.concatenate([np.full(len(level), 1 << h, dtype=np.int64)
                                  for h, level in enumerate(self._levels)])
        return items, weights

    def _ranks(self) -> tuple[np.ndarray, np.ndarray]:
        if self._rank_cache is None:
            items, weights = self.items_and_weights()
            order = np.argsort(items, kind="stable")
            self._rank_cache = (items[order], np.cumsum(weights[order]))
        return self._rank_cache

    def _size(self) -> int:
        return sum(len(level) for level in self._levels)

    def _total_capacity(self) -> int:
        return sum(self.capacity(h) for h in range(len(self._levels)))

    def _expand(self) -> None:
        self._levels.append(np.empty(0))
        self._compactions.append(0)
        self._offsets.append(0)

    def _next_offset(self, height: int) -> int:
        # Deequ flips the offset before every odd-numbered compaction of a level.
        if self._compactions[height] % 2 == 1:
            self._offsets[height] = 1 - self._offsets[height]
        self._compactions[height] += 1
        return self._offsets[height]

    def _condense_once(self) -> None:
        for height, level in enumerate(self._levels):
            if len(level) >= self.capacity(height):
                if height + 1 >= len(self._levels):
                    self._expand()
                even = len(level) - len(level) % 2
                offset = self._next_offset(height)
                chosen = _sorted_java(level[:even], self._signed_zeros)[offset::2]
                self._levels[height] = level[even:]
                self._levels[height + 1] = _concat(self._levels[height + 1], chosen)
                return

    def _plan_updates(self, n: int) -> list[list[int]]:
        """Simulate ``n`` single updates on sizes alone; return each level's compaction lengths.

        Levels the plan adds are appended to the sketch (empty) so execution can fill them.
        """
        sizes = [len(level) for level in self._levels]
        capacities = [self.capacity(h) for h in range(len(sizes))]
        total, size = sum(capacities), sum(sizes)
        plan: list[list[int]] = [[] for _ in sizes]
        remaining = n
        while remaining > total - size:
            take = total - size + 1  # the update that makes size exceed capacity
            sizes[0] += take
            remaining -= take
            size += take
            height = 0
            while sizes[height] < capacities[height]:  # the first full level
                height += 1
            if height + 1 >= len(sizes):
                sizes.append(0)
                capacities.append(self.capacity(len(capacities)))
                total += capacities[-1]
                plan.append([])
                self._expand()
            length = sizes[height]
            even = length - length % 2
            plan[height].append(length)
            sizes[height] = length - even
            sizes[height + 1] += even // 2
            size -= even // 2
        # Trim trailing levels that receive no compaction; their input is appended as is.
        while plan and not plan[-1]:
            plan.pop()
        return plan

    def _compact_runs(self, height: int, stream: np.ndarray,
                      lengths: list[int]) -> tuple[np.ndarray, int]:
        """Run this level's planned compactions over its input stream, all at once.

        Compaction j takes the next even-length run of the stream, so the runs laid out as
        rows of a matrix (padded with +inf, which sorts last and is never picked) are the
        stream itself in row-major order.
        """
        if not lengths:
            return np.empty(0), 0
        evens = np.array(lengths, dtype=np.int64) & ~1
        consumed = int(evens.sum())
        offsets = np.array([self._next_offset(height) for _ in lengths], dtype=bool)
        widest = int(evens.max())
        if evens.min() == widest:
            runs = stream[:consumed].reshape(len(lengths), widest)
            valid = None
        else:
            valid = np.arange(widest) < evens[:, None]
            runs = np.full(valid.shape, np.inf)
            runs[valid] = stream[:consumed]
        runs = _sorted_java(runs, self._signed_zeros, "stable" if height else "quicksort")
        picked = np.where(offsets[:, None], runs[:, 1::2], runs[:, 0::2])
        if valid is None:
            return picked.ravel(), consumed
        return picked[np.arange(widest // 2) < (evens // 2)[:, None]], consumed


def _concat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.size == 0:
        return np.asarray(b, dtype=np.float64)
    if b.size == 0:
        return a
    return np.concatenate((a, b))


def _has_negative_zero(values: np.ndarray) -> bool:
    zeros = values[values == 0]
    return bool(zeros.size and np.signbit(zeros).any())


def _sorted_java(values: np.ndarray, signed_zeros: bool, kind: str = "quicksort") -> np.ndarray:
    """Sort along the last axis in Java's ``Double.compare`` order (-0.0 before 0.0)."""
    if not signed_zeros:
        return np.sort(values, axis=-1, kind=kind)
    negative_zeros = (values == 0) & np.signbit(values)
    result = np.sort(values, axis=-1, kind=kind)
    if negative_zeros.any():
        # numpy treats -0.0 == 0.0 (its SIMD sort may even swap their bits), so rebuild each
        # run of zeros from the input's count: Java puts every -0.0 first.
        per_row = negative_zeros.sum(axis=-1, keepdims=True)
        zeros = result == 0
        rank = np.cumsum(zeros, axis=-1) - 1
        result = np.where(zeros, np.where(rank < per_row, -0.0, 0.0), result)
    return result
