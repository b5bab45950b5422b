"""Per-value type inference agrees with Deequ's regexes on every route."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

from core.profiling.deequ_types import (
    FRACTIONAL_PATTERN, INTEGRAL_PATTERN, TypeCounts, classify,
)

# Java's \d is ASCII-only without UNICODE_CHARACTER_CLASS; Python's is not.
_FRACTIONAL = re.compile(FRACTIONAL_PATTERN.replace(r"\d", "[0-9]"))
_INTEGRAL = re.compile(INTEGRAL_PATTERN.replace(r"\d", "[0-9]"))
SPELLINGS = ["5", "+5", "-5", " 5", "5 ", "- 5", "05", "1e5", ".5", "5.", "nan", "NaN", "inf",
             "-inf", "+.5", "1.e5", "1E+05", "0x10", "1_0", "1,5", "Infinity", "1.5e3", "१२",
             "1.2.3", "-", "--5", "5-", "true", "false", "True", "3.25", "-0.5", "abc", " ",
             "-0", "NA", "null", "99999999999999999999"]


def _deequ_class(text: str) -> str:
    if _FRACTIONAL.fullmatch(text):
        return "fractional"
    if _INTEGRAL.fullmatch(text):
        return "integral"
    if text in ("true", "false"):
        return "boolean"
    return "string"


@pytest.mark.parametrize("text", SPELLINGS)
def test_each_spelling_gets_deequs_class(text):
    counts = classify(pa.array([text])).counts
    got = [k for k in ("integral", "fractional", "boolean", "string") if getattr(counts, k)]
    assert got == [_deequ_class(text)]


def test_fast_route_counts_and_numbers_a_plain_numeric_column():
    result = classify(pa.array(["1.5", "-2", "3", None, "", "10.25"]))
    assert result.counts == TypeCounts(integral=2, fractional=2, missing=2)
    assert result.numbers.tolist() == [1.5, -2.0, 3.0, 10.25]


def test_regex_route_still_yields_numbers_for_exponents_and_signs():
    result = classify(pa.array(["1e3", "- 5", "+2.5"]))
    assert result.counts == TypeCounts(integral=1, fractional=2)
    assert result.numbers.tolist() == [1000.0, -5.0, 2.5]


def test_a_single_odd_spelling_makes_the_chunk_non_numeric():
    result = classify(pa.array(["1.5", "5."]))
    assert result.counts == TypeCounts(fractional=1, string=1)
    assert result.numbers is None


def test_random_mixtures_match_the_regexes():
    rng = np.random.default_rng(11)
    texts = [str(x) for x in rng.choice(SPELLINGS + ["12", "7.75", "-3"], size=2_000)]
    counts = classify(pa.array(texts)).counts
    expected = TypeCounts()
    for text in texts:
        setattr(expected, _deequ_class(text), getattr(expected, _deequ_class(text)) + 1)
    assert counts == expected


def test_typed_arrays_count_as_their_type():
    assert classify(pa.array([1, None, 3])).counts == TypeCounts(integral=2, missing=1)
    floats = classify(pa.array([1.5, float("nan"), None]))
    assert floats.counts == TypeCounts(fractional=1, missing=2)
    assert classify(pa.array([True, False])).counts == TypeCounts(boolean=2)


def test_column_type_rules():
    assert TypeCounts(missing=3).inferred_type() == "Unknown"
    assert TypeCounts(integral=3, fractional=1).inferred_type() == "Fractional"
    assert TypeCounts(integral=3).inferred_type() == "Integral"
    assert TypeCounts(integral=3, string=1).inferred_type() == "String"
    assert TypeCounts(integral=3, boolean=1).inferred_type() == "String"
