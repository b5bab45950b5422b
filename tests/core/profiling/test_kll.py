"""The KLL sketch matches Deequ's QuantileNonSample item for item."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from core.profiling.kll import KLLSketch


class _DeequReference:
    """A literal transcription of Deequ's update/condense/compact/merge, one value at a time."""

    def __init__(self, k=2048, c=0.64):
        self.k, self.c = k, c
        self.levels, self.compactions, self.offsets = [[]], [0], [0]

    def capacity(self, h):
        return 2 * (math.ceil(self.k * math.pow(self.c, h) / 2) + 1)

    def total_capacity(self):
        return sum(self.capacity(h) for h in range(len(self.levels)))

    def size(self):
        return sum(map(len, self.levels))

    def update(self, x):
        self.levels[0].append(x)
        if self.size() > self.total_capacity():
            self.condense()

    def condense(self):
        for h, level in enumerate(self.levels):
            if len(level) >= self.capacity(h):
                if h + 1 >= len(self.levels):
                    self.levels.append([])
                    self.compactions.append(0)
                    self.offsets.append(0)
                even = len(level) - len(level) % 2
                if self.compactions[h] % 2 == 1:
                    self.offsets[h] = 1 - self.offsets[h]
                out = sorted(level[:even], key=_java_order)[self.offsets[h]:even:2]
                self.levels[h] = level[even:]
                self.compactions[h] += 1
                self.levels[h + 1] += out
                return

    def merge(self, other):
        while len(self.levels) < len(other.levels):
            self.levels.append([])
            self.compactions.append(0)
            self.offsets.append(0)
        for h, level in enumerate(other.levels):
            self.levels[h] = self.levels[h] + level
        while self.size() >= self.total_capacity():
            self.condense()


def _java_order(x):
    """Java's Double.compare: -0.0 sorts before 0.0."""
    return (x, math.copysign(1.0, x))


def _signed(levels):
    return [[(x, math.copysign(1.0, x)) for x in level] for level in levels]


def _golden(samples):
    doc = json.loads((samples / "data-quality" /
                      "churn-baseline-statistics.2021.first29features.json").read_text())
    with open(samples / "churn-data" / "training-dataset-with-header.csv", newline="") as f:
        rows = list(csv.reader(f))[1:]
    return doc["features"], rows


def test_sketch_reproduces_the_analyzer_sketches_of_the_churn_baseline(samples):
    features, rows = _golden(samples)
    for index, feature in enumerate(features):
        values = np.array([float(row[index]) for row in rows])
        sketch = KLLSketch()
        for start in range(0, len(values), 700):  # chunking must not matter
            sketch.update_many(values[start:start + 700])
        expected = feature["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"]
        assert sketch.data == expected, feature["name"]
        assert [len(level) for level in expected] == [283, 1025]


@pytest.mark.parametrize("n, chunk", [(5_000, 1), (60_000, 997), (150_000, 40_000)])
def test_bulk_updates_equal_one_value_at_a_time(n, chunk):
    values = np.random.default_rng(n).normal(0, 1, n).round(2)
    reference = _DeequReference()
    for x in values.tolist():
        reference.update(x)
    sketch = KLLSketch()
    for start in range(0, n, chunk):
        sketch.update_many(values[start:start + chunk])
    assert sketch.data == reference.levels
    assert sketch.count == n


def test_merge_follows_deequ():
    rng = np.random.default_rng(5)
    a_values, b_values = rng.normal(size=9_000), rng.uniform(size=23_000)
    reference_a, reference_b = _DeequReference(), _DeequReference()
    for x in a_values.tolist():
        reference_a.update(x)
    for x in b_values.tolist():
        reference_b.update(x)
    reference_a.merge(reference_b)
    a, b = KLLSketch(), KLLSketch()
    a.update_many(a_values)
    b.update_many(b_values)
    assert a.merge(b).data == reference_a.levels
    assert a.count == 32_000


def test_ranks_weigh_each_level_item_by_two_to_the_level():
    sketch = KLLSketch.from_data([[1.0, 3.0], [2.0, 3.0]])
    assert sketch.count == 6
    assert sketch.rank_exclusive(3.0) == 3  # 1.0 (w1) + 2.0 (w2)
    assert sketch.rank_inclusive(3.0) == 6
    assert sketch.rank_exclusive(0.5) == 0
    assert sketch.rank_inclusive(2.0) == 3


def test_negative_zero_sorts_before_zero_as_in_java():
    values = np.random.default_rng(2).choice([0.0, -0.0, 1.0], size=3_000)
    reference = _DeequReference(k=8)
    for x in values.tolist():
        reference.update(x)
    sketch = KLLSketch(k=8)
    sketch.update_many(values)
    assert _signed(sketch.data) == _signed(reference.levels)
