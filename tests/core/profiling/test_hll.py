"""Deequ's approximate distinct count: XXH64 as Spark hashes strings, HLL++ with p = 9."""

from __future__ import annotations

import math

from core.profiling import categorical
from core.profiling.categorical import ValueCounts
from core.profiling.hll import M, HyperLogLog, string_array, xxh64_strings


def test_xxh64_matches_the_reference_vectors():
    texts = ["", "a", "abc", "Nobody inspects the spammish repetition"]  # 0, 1, 3, 39 bytes
    hashes = xxh64_strings(string_array(texts), seed=0)
    assert [hex(int(h)) for h in hashes] == [
        "0xef46db3751d8e999", "0xd24ec4f1a98c6e5b", "0x44bc2cf5ad770999", "0xfbcea83c8a378bf1"]


def test_small_counts_use_linear_counting_rounded_like_java():
    sketch = HyperLogLog()
    sketch.update(string_array(["x", "y", "z", "x"]))
    assert sketch.deequ_estimate() == (3.0, True)
    registers_hit = int((sketch.registers > 0).sum())
    assert registers_hit == 3
    assert math.floor(M * math.log(M / (M - 3)) + 0.5) == 3


def test_collisions_make_the_estimate_differ_from_the_exact_count_as_in_deequ():
    values = [f"city_{i}" for i in range(50)]
    sketch = HyperLogLog()
    sketch.update(string_array(values))
    zeros = int((sketch.registers == 0).sum())
    expected = math.floor(M * math.log(M / zeros) + 0.5)
    assert sketch.deequ_estimate() == (float(expected), True)


def test_value_counts_fall_back_to_the_sketch_past_the_limit(monkeypatch):
    monkeypatch.setattr(categorical, "MAX_TRACKED_VALUES", 100)
    counts = ValueCounts()
    counts.update(string_array([str(i) for i in range(80)]))
    assert not counts.overflowed
    counts.update(string_array([str(i) for i in range(80, 5_000)]))
    assert counts.overflowed and counts.by_popularity() == []
    assert abs(counts.distinct() - 5_000) < 5_000 * 0.1  # HLL's error at p = 9 is ~4.6%


def test_merging_sketches_equals_one_sketch_of_both():
    a, b, both = HyperLogLog(), HyperLogLog(), HyperLogLog()
    a.update(string_array([f"a{i}" for i in range(300)]))
    b.update(string_array([f"b{i}" for i in range(300)]))
    both.update(string_array([f"a{i}" for i in range(300)] + [f"b{i}" for i in range(300)]))
    a.merge(b)
    assert (a.registers == both.registers).all()
