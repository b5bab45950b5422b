"""Profiling at its edges: the numbers typed columns hand on, numeric summaries merged from
uneven parts (empty, single-value, many), and sketches rebuilt from a statistics file."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.profiling.deequ_types import TypeCounts, classify
from core.profiling.kll import KLLSketch
from core.profiling.numeric import NumericSummary

# -- numbers handed on by typed columns ------------------------------------------------------


def test_integer_columns_hand_on_their_values_as_doubles_without_nulls():
    result = classify(pa.array([3, None, -7, 2**40], type=pa.int64()))
    assert result.counts == TypeCounts(integral=3, missing=1)
    assert result.numbers.dtype == np.float64
    assert result.numbers.tolist() == [3.0, -7.0, float(2**40)]
    unsigned = classify(pa.array([1, 255], type=pa.uint8()))
    assert unsigned.numbers.tolist() == [1.0, 255.0]


def test_float_columns_hand_on_present_values_and_count_nan_as_missing():
    result = classify(pa.array([1.5, None, math.nan, -0.25], type=pa.float32()))
    assert result.counts == TypeCounts(fractional=2, missing=2)
    assert result.numbers.dtype == np.float64
    assert result.numbers.tolist() == [1.5, -0.25]


def test_chunked_and_dictionary_columns_classify_like_plain_ones():
    chunked = pa.chunked_array([["1", "2.5"], [None, "x"]])
    assert classify(chunked).counts == TypeCounts(integral=1, fractional=1, string=1, missing=1)
    single = pa.chunked_array([["4", "5"]])
    assert classify(single).numbers.tolist() == [4.0, 5.0]
    encoded = pa.array(["a", "7", "a", None]).dictionary_encode()
    assert classify(encoded).counts == TypeCounts(integral=1, string=2, missing=1)
    large = pa.array(["1", "true"], type=pa.large_string())
    assert classify(large).counts == TypeCounts(integral=1, boolean=1)


def test_type_counts_add_every_class():
    total = TypeCounts(1, 2, 3, 4, 5)
    total.add(TypeCounts(10, 20, 30, 40, 50))
    assert total == TypeCounts(11, 22, 33, 44, 55)
    assert total.present == 11 + 22 + 33 + 44


# -- numeric summaries merged from uneven parts ----------------------------------------------

_values = st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False), max_size=40)


def _summary(values) -> NumericSummary:
    summary = NumericSummary()
    summary.update(np.asarray(values, dtype=np.float64))
    return summary


@given(st.lists(_values, min_size=1, max_size=5))
@settings(max_examples=80, deadline=None)
def test_merging_parts_gives_the_summary_of_all_values(parts):
    everything = [x for part in parts for x in part]
    merged = _summary(parts[0])
    for part in parts[1:]:
        merged.merge(_summary(part))
    assert merged.count == len(everything)
    if not everything:
        assert merged.sketch.count == 0
        return
    assert merged.minimum == min(everything) and merged.maximum == max(everything)
    assert merged.sum == pytest.approx(math.fsum(everything), abs=1e-6)
    mean = math.fsum(everything) / len(everything)
    assert merged.mean == pytest.approx(mean, abs=1e-6)
    variance = math.fsum((x - mean) ** 2 for x in everything) / len(everything)
    assert merged.std_dev == pytest.approx(math.sqrt(variance), rel=1e-6, abs=1e-6)
    assert merged.sketch.count == len(everything)
    # the buckets hold every value between their outer edges; the last edge comes from the
    # analyzer's formula and can round below the maximum (spec 2.3), leaving it outside
    buckets = merged.buckets()
    low, high = buckets[0]["lower_bound"], buckets[-1]["upper_bound"]
    assert sum(b["count"] for b in buckets) == sum(low <= x <= high for x in everything)


def test_a_single_value_merged_into_nothing_carries_its_mean_onward():
    merged = NumericSummary()
    merged.merge(NumericSummary())  # two empty parts: nothing to divide by
    assert merged.count == 0
    merged.merge(_summary([10.0]))
    merged.merge(_summary([20.0, 30.0]))
    assert merged.count == 3 and merged.mean == 20.0
    assert merged.std_dev == pytest.approx(math.sqrt(200 / 3))


# -- sketches rebuilt from a statistics file -------------------------------------------------


def test_a_rebuilt_sketch_keeps_its_parameters_and_items():
    original = KLLSketch(k=64, c=0.5)
    original.update_many(np.arange(1000, dtype=np.float64))
    rebuilt = KLLSketch.from_data(original.data, k=64, c=0.5)
    assert (rebuilt.k, rebuilt.c) == (64, 0.5)
    assert [rebuilt.capacity(h) for h in range(4)] == [original.capacity(h) for h in range(4)]
    assert rebuilt.data == original.data and rebuilt.count == original.count == 1000
    for x in (-1.0, 0.0, 499.5, 999.0, 5000.0):
        assert rebuilt.rank_exclusive(x) == original.rank_exclusive(x)
        assert rebuilt.rank_inclusive(x) == original.rank_inclusive(x)


def test_a_rebuilt_sketch_takes_more_values_and_merges():
    rebuilt = KLLSketch.from_data([[5.0, 1.0], [3.0]])
    rebuilt.update_many(np.array([2.0, 4.0]))
    assert rebuilt.count == 6 and rebuilt.rank_inclusive(3.0) == 4
    other = KLLSketch.from_data([[9.0]])
    assert rebuilt.merge(other).count == 7
    assert rebuilt.rank_exclusive(9.0) == 6 and rebuilt.rank_inclusive(9.0) == 7


def test_an_empty_statistics_sketch_rebuilds_empty():
    for data in ([], [[]]):
        sketch = KLLSketch.from_data(data)
        assert sketch.count == 0 and sketch.data == [[]]
        assert sketch.rank_inclusive(1.0) == 0 and sketch.rank_exclusive(1.0) == 0
        sketch.update_many(np.array([1.0]))
        assert sketch.count == 1


def test_a_rebuilt_sketch_orders_negative_zero_first_when_compacting():
    # Java sorts -0.0 before 0.0; a rebuilt sketch holding -0.0 must keep doing so
    level = [0.0, -0.0] * 3 + [1.0] * 4
    rebuilt = KLLSketch.from_data([level], k=8, c=0.64)
    rebuilt.update_many(np.array([0.0]))  # level 0 is full: its 10 items compact upwards
    assert rebuilt.count == 11
    # sorted: -0 -0 -0 +0 +0 +0 1 1 1 1, every second item from the first
    assert [math.copysign(1.0, x) for x in rebuilt.data[1]] == [-1.0, -1.0, 1.0, 1.0, 1.0]
    assert rebuilt.data[1] == [0.0, 0.0, 0.0, 1.0, 1.0]
