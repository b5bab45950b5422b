"""Per-value type inference and the numbers Deequ's statistics see, against literal answers.

The expected classes are written out by hand from Deequ 2.0.2's StatefulDataType.scala
(lines 36-38, matched whole with Java's ASCII-only ``\\d``; the first matching class wins,
lines 62-66), never derived from the module's own patterns, so a wrong pattern fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from core.profiling.deequ_types import TypeCounts, accepted_classes, classify
from core.profiling.profiler import TableProfiler

I, F, B, S = "integral", "fractional", "boolean", "string"

# spelling -> Deequ class
DEEQU_CLASS = {
    "5": I, "0": I, "-0": I, "007": I, "+5": I, "-5": I,
    "- 5": I, "+ 5": I, " 5": I,  # one optional space after the (optional) sign
    "-  5": S, "  5": S, "5 ": S, "\t5": S, "5\n": S, " -5": S, " +5": S,
    "99999999999999999999": I,  # the regex has no width limit
    "1.5": F, "-1.5": F, "+1.50": F, "- 1.5": F, "0.0": F, "-0.0": F,
    "1e5": F, "1E5": F, "1e+5": F, "1E-05": F, "1.5e3": F, "-2.5E-3": F, "+ 1e5": F,
    ".5": S, "5.": S, "+.5": S, "-.5": S, "1.e5": S, "e5": S, "1e": S, "1e5.5": S,
    "1.2.3": S, "--5": S, "5-": S, "-": S, "+": S, "1d": S, "1f": S,
    "NaN": S, "nan": S, "Infinity": S, "-Infinity": S, "inf": S,
    "0x1F": S, "0b101": S, "1,000": S, "1_000": S, "1 000": S, "1'000": S,
    "true": B, "false": B, "True": S, "TRUE": S, "FALSE": S, "t": S, "yes": S,
    " true": S, "true ": S, "1": I,
    "\uff15": S, "\uff11\uff12": S,  # fullwidth digits: Java's \d is ASCII only
    "\u0661\u0662": S, "\u0967\u0968": S, "\u00bd": S, "\u00b2": S,  # Arabic, Devanagari, ½, ²
    " ": S, "abc": S, "NA": S, "null": S, "None": S,
}


def _classes(counts: TypeCounts) -> dict[str, int]:
    return {k: getattr(counts, k) for k in (I, F, B, S) if getattr(counts, k)}


@pytest.mark.parametrize("text", sorted(DEEQU_CLASS))
def test_each_spelling_gets_deequs_class(text):
    assert _classes(classify(pa.array([text])).counts) == {DEEQU_CLASS[text]: 1}


@pytest.mark.parametrize("text", sorted(DEEQU_CLASS))
def test_the_class_holds_beside_plain_numbers_on_every_route(text):
    # plain integers and decimals alone take the byte-level route; one odd spelling sends
    # the whole chunk to the regexes: either way each value keeps its own class
    for plain in (["12", "-3"], ["12.5", "-3"]):
        counts = classify(pa.array([*plain, text, None])).counts
        expected = {I: 1, F: 1, B: 0, S: 0} if "." in plain[0] else {I: 2, F: 0, B: 0, S: 0}
        expected[DEEQU_CLASS[text]] += 1
        assert _classes(counts) == {k: v for k, v in expected.items() if v}
        assert counts.missing == 1


def test_empty_and_null_are_missing():
    counts = classify(pa.array(["", None, "1"])).counts
    assert counts == TypeCounts(integral=1, missing=2)
    assert TypeCounts(missing=3).inferred_type() == "Unknown"


def test_a_large_mixed_column_counts_every_class():
    texts = sorted(DEEQU_CLASS) * 300
    np.random.default_rng(11).shuffle(texts)
    counts = classify(pa.array(texts)).counts
    for name in (I, F, B, S):
        assert getattr(counts, name) == 300 * sum(1 for v in DEEQU_CLASS.values() if v == name)


def test_typed_arrays_count_as_their_type():
    assert classify(pa.array([1, None, 3])).counts == TypeCounts(integral=2, missing=1)
    floats = classify(pa.array([1.5, float("nan"), None]))
    assert floats.counts == TypeCounts(fractional=1, missing=2)
    assert classify(pa.array([True, False])).counts == TypeCounts(boolean=2)


def test_column_type_rules():
    # DataType.scala 2.0.2, determineType (lines 116-143); Boolean is reported as String
    assert TypeCounts(missing=3).inferred_type() == "Unknown"
    assert TypeCounts(integral=3, fractional=1).inferred_type() == "Fractional"
    assert TypeCounts(integral=3, missing=9).inferred_type() == "Integral"
    assert TypeCounts(integral=3, string=1).inferred_type() == "String"
    assert TypeCounts(integral=3, boolean=1).inferred_type() == "String"
    assert TypeCounts(fractional=3, boolean=1).inferred_type() == "String"
    assert TypeCounts(boolean=2, missing=1).inferred_type() == "String"


def test_each_type_accepts_the_classes_its_columns_can_hold():
    assert accepted_classes("Integral") == (I,)
    assert accepted_classes("Fractional") == (I, F)
    assert accepted_classes("String") == (I, F, B, S)
    assert accepted_classes("Unknown") == ()
    mixed = TypeCounts(integral=2, fractional=1, boolean=1, string=1, missing=5)
    assert mixed.share_of("String") == 1.0
    assert mixed.share_of("Fractional") == 3 / 5
    assert mixed.share_of("Integral") == 2 / 5
    assert mixed.share_of("Unknown") == 0.0
    # Deequ's ratioTypes is 0.0 when no value has the type (Constraint.scala 2.0.2, 665-683)
    assert TypeCounts(missing=4).share_of("Integral") == 0.0
    assert TypeCounts(missing=4).share_of("Unknown") is None


# What the numeric statistics see. ColumnProfiler.scala 2.0.2 casts a column inferred
# Integral to LongType and one inferred Fractional to DoubleType before computing mean, min,
# max, sum, std-dev and the sketch (castNumericStringColumns, lines 444-462; castColumn,
# 363-372). Spark's long cast is UTF8String.toLong (common/unsafe, org.apache.spark.unsafe.types):
# white space around the value trimmed, one sign, then only digits, null past int64. The
# double cast is java.lang.Double.parseDouble (Cast.castToDouble), which trims white space and
# rejects a space after the sign. None = null for the statistics.
LONG_READING = {
    "5": 5.0, "+5": 5.0, " 5": 5.0, "007": 7.0, "-7": -7.0, "-0": 0.0,
    "- 5": None, "+ 5": None,
    "9223372036854775807": 9.223372036854775807e18, "-9223372036854775808": -2.0 ** 63,
    "9223372036854775808": None, "-9223372036854775809": None, "99999999999999999999": None,
}
DOUBLE_READING = {
    "5": 5.0, "+5": 5.0, " 5": 5.0, "007": 7.0, "-0": -0.0, "2.5": 2.5, "-0.0": -0.0,
    "1e3": 1000.0, "+1.5E-1": 0.15, "- 5": None, "- 1.5": None, "+ 1e5": None,
    "99999999999999999999": 1e20, "-9223372036854775809": -9.223372036854775809e18,
}


def _stats(*chunks: list) -> dict:
    profiler = TableProfiler(["x"])
    for chunk in chunks:
        profiler.update(pa.table({"x": pa.array(chunk, pa.string())}))
    return profiler.result().statistics["features"][0]


def _same(a: float, b: float) -> bool:
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@pytest.mark.parametrize("text", sorted(LONG_READING))
def test_an_integral_column_reads_values_as_sparks_long_cast(text):
    feature = _stats(["100", text, None])
    assert feature["inferred_type"] == "Integral"
    numeric = feature["numerical_statistics"]
    assert numeric["common"] == {"num_present": 2, "num_missing": 1}  # counted before the cast
    value = LONG_READING[text]
    expected = [100.0] if value is None else [100.0, value]
    assert numeric["sum"] == sum(expected) and _same(numeric["min"], min(expected))
    assert numeric["mean"] == sum(expected) / len(expected)
    sketch = numeric["distribution"]["kll"]["sketch"]["data"]
    assert sorted(v for level in sketch for v in level) == sorted(expected)


@pytest.mark.parametrize("text", sorted(DOUBLE_READING))
def test_a_fractional_column_reads_values_as_javas_parse_double(text):
    feature = _stats(["100.5", text])
    assert feature["inferred_type"] == "Fractional"
    numeric = feature["numerical_statistics"]
    assert numeric["common"] == {"num_present": 2, "num_missing": 0}
    value = DOUBLE_READING[text]
    expected = [100.5] if value is None else [100.5, value]
    assert numeric["sum"] == sum(expected) and _same(numeric["min"], min(expected))


def test_a_column_turning_fractional_later_rereads_its_integers_as_doubles():
    # while all integral the long reading is kept; the first fraction switches to the
    # double reading of every value seen so far
    late = _stats(["99999999999999999999", "-0", "1"], ["2"], ["0.5"])
    at_once = _stats(["99999999999999999999", "-0", "1", "2", "0.5"])
    assert late == at_once
    assert late["numerical_statistics"]["sum"] == 1e20 + 3.5
    assert _same(late["numerical_statistics"]["min"], -0.0)
    integral = _stats(["99999999999999999999", "-0"], ["1", "2"])
    assert integral["numerical_statistics"]["sum"] == 3.0
    assert _same(integral["numerical_statistics"]["min"], 0.0)


def test_merged_profiles_keep_both_readings_apart():
    def profiler(*values):
        p = TableProfiler(["x"])
        p.update(pa.table({"x": pa.array(list(values), pa.string())}))
        return p

    merged = profiler("99999999999999999999", "1").merge(profiler("2", "-0"))
    assert merged.result().statistics["features"][0]["numerical_statistics"]["sum"] == 3.0
    turned = profiler("99999999999999999999", "1").merge(profiler("0.5"))
    feature = turned.result().statistics["features"][0]
    assert feature["inferred_type"] == "Fractional"
    assert feature["numerical_statistics"]["sum"] == 1e20 + 1.5


def test_a_numeric_column_whose_every_value_casts_to_null_keeps_only_its_counts():
    feature = _stats(["- 5", "+ 7", None])
    assert feature == {"name": "x", "inferred_type": "Integral", "numerical_statistics": {
        "common": {"num_present": 2, "num_missing": 1}}}
