"""Profiling at its edges: the numbers typed columns hand on, numeric summaries merged from
uneven parts (empty, single-value, many), sketches rebuilt from a statistics file, HyperLogLog
past linear counting, value counts at their limit, and column profiles merged or recounted."""

from __future__ import annotations

import datetime
import decimal
import logging
import math
import re
import time

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.datasets import csv_files as dataset_csv
from core.datasets.reader import DatasetSpec
from core.errors import Cancelled, ValidationError
from core.profiling import categorical
from core.profiling import profiler as profiler_module
from core.profiling.categorical import ValueCounts
from core.profiling.deequ_types import (
    FRACTIONAL_PATTERN,
    INTEGRAL_PATTERN,
    TypeCounts,
    classify,
)
from core.profiling.hll import HyperLogLog, _highest_bit, string_array, xxh64_strings
from core.profiling.kll import KLLSketch
from core.profiling.numeric import NumericSummary
from core.profiling.profiler import TableProfiler
from core.progress import CancelToken

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


# Java's \d is ASCII-only; Python's is not
_FRACTIONAL = re.compile(FRACTIONAL_PATTERN.replace(r"\d", "[0-9]"))
_INTEGRAL = re.compile(INTEGRAL_PATTERN.replace(r"\d", "[0-9]"))


@given(st.lists(st.text("-.0123456789", max_size=6), min_size=1, max_size=8))
@settings(max_examples=150, deadline=None)
def test_columns_of_digits_dots_and_minus_classify_value_by_value(texts):
    # such columns take the fast byte-level route; it must agree with Deequ's regexes
    # on every value, "-.5" and "5." included, alone or among plain numbers
    expected = TypeCounts()
    for text in texts:
        if text == "":
            expected.missing += 1
        elif _FRACTIONAL.fullmatch(text):
            expected.fractional += 1
        elif _INTEGRAL.fullmatch(text):
            expected.integral += 1
        else:
            expected.string += 1
    result = classify(pa.array(texts))
    assert result.counts == expected
    if expected.string == 0:
        assert result.numbers.tolist() == [float(t) for t in texts if t]


def test_a_minus_before_the_point_is_not_a_number_alone_or_in_company():
    for column in (["-.5"], ["1", "-.5"], ["-.5", "2.5"], ["-0.5", "-.25", "-3"]):
        result = classify(pa.array(column))
        assert result.counts.string == 1 and result.numbers is None, column


def test_a_chunk_with_nothing_present_keeps_a_numeric_column_numeric():
    empty = classify(pa.array(["", None, ""]))
    assert empty.counts == TypeCounts(missing=3) and empty.numbers.tolist() == []
    profiler = TableProfiler(["v"])
    for chunk in (["", None], ["1", "2"], [None, "4"]):
        profiler.update(pa.table({"v": pa.array(chunk, pa.string())}))
    feature = profiler.result().statistics["features"][0]
    assert feature["inferred_type"] == "Integral"
    stats = feature["numerical_statistics"]
    assert (stats["common"], stats["sum"], stats["min"]) == (
        {"num_present": 3, "num_missing": 3}, 7.0, 1.0)


def test_boolean_columns_count_nulls_as_missing():
    assert classify(pa.array([True, None, False, None])).counts == TypeCounts(boolean=2,
                                                                              missing=2)


def test_other_typed_columns_are_read_as_their_text():
    dates = classify(pa.array([datetime.date(2024, 1, 2), None]))
    assert dates.counts == TypeCounts(string=1, missing=1) and dates.numbers is None
    decimals = classify(pa.array([decimal.Decimal("1.50"), decimal.Decimal("2")]))
    assert decimals.counts == TypeCounts(fractional=2)  # arrow writes them "1.50", "2.00"


def test_slices_of_a_column_classify_only_their_own_values():
    text = pa.array(["x", "1", "2.5", "y", "-3"])
    assert classify(text.slice(1, 2)).counts == TypeCounts(integral=1, fractional=1)
    assert classify(text.slice(1, 2)).numbers.tolist() == [1.0, 2.5]
    assert classify(text.slice(4)).numbers.tolist() == [-3.0]
    numbers = pa.array([10, 20, 30, 40], type=pa.int32())
    assert classify(numbers.slice(1, 2)).numbers.tolist() == [20.0, 30.0]
    floats = pa.array([0.5, 1.5, 2.5])
    assert classify(floats.slice(2)).numbers.tolist() == [2.5]


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


@pytest.mark.parametrize("updates", [1, 2, 3])
def test_every_update_reaches_the_sketch(updates):
    summary = NumericSummary()
    for i in range(updates):
        summary.update(np.array([float(i), float(i) + 0.5]))
    assert summary.sketch.count == summary.count == 2 * updates
    assert sorted(x for level in summary.sketch.data for x in level) == sorted(
        [float(i) for i in range(updates)] + [i + 0.5 for i in range(updates)])


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


def test_ranks_below_the_smallest_item_are_zero():
    sketch = KLLSketch.from_data([[2.0, 4.0], [3.0]])
    assert sketch.rank_inclusive(1.0) == 0 and sketch.rank_exclusive(2.0) == 0
    assert sketch.rank_inclusive(2.0) == 1 and sketch.rank_exclusive(9.0) == 4


def test_a_sketch_rebuilt_from_integer_json_holds_doubles():
    # a statistics file re-serialized without ".0" must still write doubles back out
    rebuilt = KLLSketch.from_data([[1, 2], [3]])
    assert all(type(x) is float for level in rebuilt.data for x in level)


def test_merging_compacts_as_soon_as_the_sketch_is_full():
    # k = 8: level 0 holds 10 items; two halves of 5 fill it exactly, so the merge compacts
    a, b = KLLSketch(k=8), KLLSketch(k=8)
    a.update_many(np.arange(5.0))
    b.update_many(np.arange(5.0, 10.0))
    assert a.merge(b).data == [[], [0.0, 2.0, 4.0, 6.0, 8.0]]


def test_merging_a_sketch_holding_negative_zero_sorts_it_first():
    a, b = KLLSketch(k=8), KLLSketch(k=8)
    a.update_many(np.array([1.0] * 4))
    b.update_many(np.array([0.0, -0.0] * 3))
    merged = a.merge(b).data
    assert [math.copysign(1.0, x) for x in merged[1]] == [-1.0, -1.0, 1.0, 1.0, 1.0]


# -- HyperLogLog estimates past linear counting ---------------------------------------------


def _raw_estimate(registers) -> float:
    m = len(registers)
    alpha = 0.7213 / (1.0 + 1.079 / m)
    return alpha * m * m / math.fsum(2.0 ** -int(r) for r in registers)


def test_hll_uses_the_raw_estimate_when_no_register_is_empty():
    sketch = HyperLogLog()
    sketch.registers[:] = 5  # raw = alpha * M^2 / (M / 32), far above 5 * M
    assert sketch.deequ_estimate() == (float(math.floor(_raw_estimate(sketch.registers) + 0.5)),
                                       True)


def test_hll_raw_estimates_below_five_m_are_flagged_as_not_deequs():
    sketch = HyperLogLog()
    sketch.registers[:] = 2  # raw ~ 1475 < 5 * 512: Deequ subtracts a tabulated bias
    estimate, exact = sketch.deequ_estimate()
    assert exact is False
    assert estimate == float(math.floor(_raw_estimate(sketch.registers) + 0.5))


# -- value counts ----------------------------------------------------------------------------


def _value_counts(texts) -> ValueCounts:
    counts = ValueCounts()
    counts.update(string_array(list(texts)))
    return counts


def test_merged_value_counts_add_up_and_order_by_popularity_then_value():
    a = _value_counts(["b", "b", "x"])
    a.merge(_value_counts(["a", "a", "c", "x"]))
    assert a.counts == {"b": 2, "x": 2, "a": 2, "c": 1}
    assert a.by_popularity() == [("a", 2), ("b", 2), ("x", 2), ("c", 1)]
    assert _value_counts(["z", "y", "y"]).by_popularity() == [("y", 2), ("z", 1)]


def test_merging_up_to_the_limit_keeps_counts_and_past_it_keeps_a_sketch(monkeypatch):
    monkeypatch.setattr(categorical, "MAX_TRACKED_VALUES", 4)
    a = _value_counts(["a", "b"])
    a.merge(_value_counts(["c", "d"]))
    assert not a.overflowed and a.distinct() == 4.0
    a.merge(_value_counts(["e"]))
    assert a.overflowed and a.distinct() == 5.0
    tracked = _value_counts(["a", "f"])
    tracked.merge(a)  # an overflowed side makes the merge a sketch of both
    assert tracked.overflowed and tracked.distinct() == 6.0
    a.merge(_value_counts(["g"]))
    assert a.distinct() == 6.0


def test_distinct_is_deequs_estimate_when_exact_and_the_count_otherwise():
    # 50 cities collide in the sketch: Deequ reports the linear-counting estimate
    cities = _value_counts([f"city_{i}" for i in range(50)])
    estimate, exact = cities._distinct_sketch().deequ_estimate()
    assert exact and estimate != 50.0
    assert cities.distinct() == estimate
    # 900 values leave linear counting below 5 * M: not Deequ's number, so the exact count
    many = _value_counts([f"v{i}" for i in range(900)])
    assert many._distinct_sketch().deequ_estimate()[1] is False
    assert many.distinct() == 900.0


# -- column and table profiles ---------------------------------------------------------------


def _profile(columns: dict) -> TableProfiler:
    profiler = TableProfiler(list(columns))
    profiler.update(pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}))
    return profiler


def test_a_numeric_part_merged_with_a_text_part_is_string_from_then_on():
    numbers, text = _profile({"v": ["1", "2"]}), _profile({"v": ["x", "3"]})
    numbers.merge(text)
    numbers.update(pa.table({"v": pa.array(["4"])}))
    feature = numbers.result().statistics["features"][0]
    assert feature["inferred_type"] == "String" and numbers.columns[0].numeric is None
    text = _profile({"v": ["x"]})
    text.merge(_profile({"v": ["5"]}))
    assert text.result().statistics["features"][0]["inferred_type"] == "String"


def test_text_stays_incomplete_when_either_merged_part_stopped_counting(monkeypatch):
    monkeypatch.setattr(profiler_module, "NUMERIC_TEXT_ROWS", 2)
    long, short = _profile({"v": ["1", "2", "3"]}), _profile({"v": ["x"]})
    assert (long.columns[0].text_complete, short.columns[0].text_complete) == (False, True)
    short.merge(long)
    assert short.columns[0].needs_text_pass
    long, short = _profile({"v": ["1", "2", "3"]}), _profile({"v": ["x"]})
    long.merge(short)
    assert long.columns[0].needs_text_pass
    both = _profile({"v": ["x"]})
    both.merge(_profile({"v": ["y", "1"]}))
    assert both.columns[0].text_complete is True and not both.columns[0].needs_text_pass


def test_profiles_of_other_columns_do_not_merge():
    with pytest.raises(ValidationError, match=r"^Cannot merge profiles with different columns\.$"):
        _profile({"a": ["1"]}).merge(_profile({"a": ["1"], "b": ["2"]}))


def test_the_second_text_pass_recounts_and_honours_cancel(tmp_path, caplog):
    path = tmp_path / "late.csv"
    path.write_text("v\n1\n2\n1\nN/A\n")
    profiler = TableProfiler(["v"])
    profiler.columns[0].text_complete = False
    profiler.columns[0].counts = TypeCounts(integral=3, string=1)
    with caplog.at_level(logging.INFO, logger=profiler_module.__name__):
        profiler_module._recount_text(DatasetSpec(str(path)), profiler, [0], None)
    assert caplog.records[0].getMessage() == \
        "recounting text of 1 column(s) that turned String late"
    column = profiler.columns[0]
    assert column.values.by_popularity() == [("1", 2), ("2", 1), ("N/A", 1)]
    assert column.text_complete is True and not column.needs_text_pass
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        profiler_module._recount_text(DatasetSpec(str(path)), profiler, [0], token)


@pytest.mark.parametrize(("na", "nb"), [(38, 41), (11, 10), (25, 26), (60, 79), (17, 70)])
def test_merged_small_sketches_keep_every_weight_and_no_empty_top_level(na, nb):
    # k = 8 sketches fill and compact after a few values, on every level
    rng = np.random.default_rng(na * 100 + nb)
    a, b = KLLSketch(k=8), KLLSketch(k=8)
    a.update_many(rng.normal(size=na))
    b.update_many(rng.normal(size=nb))
    merged = a.merge(b)
    assert merged.count == na + nb
    assert merged.data[-1], merged.data  # a level is only added to hold compacted items


def test_profile_dataset_hands_its_cancel_token_to_the_second_pass(tmp_path, monkeypatch):
    monkeypatch.setattr(profiler_module, "NUMERIC_TEXT_ROWS", 2)
    monkeypatch.setattr(dataset_csv, "CHUNK_BYTES", 16)  # many chunks: "x" comes late
    seen = []
    original = profiler_module._recount_text
    monkeypatch.setattr(profiler_module, "_recount_text",
                        lambda spec, prof, late, cancel: (seen.append(cancel),
                                                          original(spec, prof, late, cancel)))
    path = tmp_path / "late.csv"
    path.write_text("v\n" + "1\n2\n" * 10 + "x\n")
    token = CancelToken()
    profiler_module.profile_dataset(DatasetSpec(str(path)), cancel=token)
    assert seen == [token]


def test_a_slow_consumer_loses_no_chunk_read_ahead(tmp_path, monkeypatch):
    # the reader waits for room in the one-chunk queue; it must never skip a chunk
    monkeypatch.setattr(dataset_csv, "CHUNK_BYTES", 16)
    original = TableProfiler.update

    def slow_update(self, batch):
        time.sleep(0.15)  # longer than the reader's 0.1 s wait for room
        original(self, batch)

    monkeypatch.setattr(TableProfiler, "update", slow_update)
    path = tmp_path / "rows.csv"
    path.write_text("v\n" + "".join(f"{i}\n" for i in range(40)))
    result = profiler_module.profile_dataset(DatasetSpec(str(path)))
    assert result.item_count == 40
    assert result.statistics["features"][0]["numerical_statistics"]["sum"] == sum(range(40))


# -- XXH64 against a plain transcription of the reference algorithm --------------------------

_P1, _P2, _P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
_P4, _P5, _MASK = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5, (1 << 64) - 1


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _MASK


def _round(acc: int, lane: int) -> int:
    return _rotl((acc + lane * _P2) & _MASK, 31) * _P1 & _MASK


def _xxh64(data: bytes, seed: int) -> int:
    n, p = len(data), 0
    if n >= 32:
        v = [(seed + _P1 + _P2) & _MASK, (seed + _P2) & _MASK, seed, (seed - _P1) & _MASK]
        while p + 32 <= n:
            v = [_round(v[i], int.from_bytes(data[p + 8 * i:p + 8 * i + 8], "little"))
                 for i in range(4)]
            p += 32
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & _MASK
        for lane in v:
            h = ((h ^ _round(0, lane)) * _P1 + _P4) & _MASK
    else:
        h = (seed + _P5) & _MASK
    h = (h + n) & _MASK
    while p + 8 <= n:
        h ^= _round(0, int.from_bytes(data[p:p + 8], "little"))
        h = (_rotl(h, 27) * _P1 + _P4) & _MASK
        p += 8
    if p + 4 <= n:
        h ^= int.from_bytes(data[p:p + 4], "little") * _P1 & _MASK
        h = (_rotl(h, 23) * _P2 + _P3) & _MASK
        p += 4
    while p < n:
        h ^= data[p] * _P5 & _MASK
        h = _rotl(h, 11) * _P1 & _MASK
        p += 1
    h ^= h >> 33
    h = h * _P2 & _MASK
    h ^= h >> 29
    h = h * _P3 & _MASK
    return h ^ (h >> 32)


def test_the_reference_transcription_matches_the_published_vectors():
    assert hex(_xxh64(b"", 0)) == "0xef46db3751d8e999"
    assert hex(_xxh64(b"Nobody inspects the spammish repetition", 0)) == "0xfbcea83c8a378bf1"


@given(st.lists(st.text(max_size=80), min_size=1, max_size=12), st.integers(0, 40))
@settings(max_examples=60, deadline=None)
def test_xxh64_of_every_length_matches_the_reference(texts, start):
    # lengths around the 4-, 8- and 32-byte steps matter most; slices test the offsets
    texts = texts + ["x" * n for n in (7, 8, 31, 32, 33, 63, 64, 65, 100)]
    array = string_array(texts).slice(min(start, len(texts) - 1))
    got = [int(h) for h in xxh64_strings(array, seed=42)]
    assert got == [_xxh64(t.encode("utf-8"), 42) for t in array.to_pylist()]


def test_highest_bit_of_every_position():
    values = [1 << k for k in range(64)] + [(1 << k) | 1 for k in range(1, 64)] + [_MASK]
    got = _highest_bit(np.array(values, dtype=np.uint64))
    assert got.tolist() == [v.bit_length() - 1 for v in values]
