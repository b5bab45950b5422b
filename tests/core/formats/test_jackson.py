"""The Jackson-layout writer reproduces real analyzer files byte for byte."""

from __future__ import annotations

import json

import pytest

from core.formats.jackson import dumps, java_double

GOLDEN = [
    "data-quality/churn-baseline-constraints.2021.json",
    "data-quality/churn-baseline-statistics.2021.first29features.json",
    "data-quality/churn-execution-constraint_violations.2021-12-01.first10of60.json",
]


@pytest.mark.parametrize("name", GOLDEN)
def test_round_trip_of_real_files_is_byte_identical(samples, name):
    raw = (samples / name).read_text(encoding="utf-8")
    assert dumps(json.loads(raw)) == raw


@pytest.mark.parametrize(("value", "text"), [
    (0.1, "0.1"), (325.0, "325.0"), (2048.0, "2048.0"), (0.001, "0.001"), (-0.5, "-0.5"),
    (8.080858763541535e-4, "8.080858763541535E-4"), (1e7, "1.0E7"), (1.0e-10, "1.0E-10"),
    (123456789.0, "1.23456789E8"), (9999999.0, "9999999.0"), (99.58289885297185, "99.58289885297185"),
    (float("nan"), '"NaN"'), (float("inf"), '"Infinity"'), (float("-inf"), '"-Infinity"'),
])
def test_doubles_print_like_java(value, text):
    assert java_double(value) == text


def test_layout_of_empty_containers_and_escapes():
    assert dumps({"violations": []}) == '{\n  "violations" : [ ]\n}'
    assert dumps({"a": {}}) == '{\n  "a" : { }\n}'
    assert dumps({"s": 'q"\\\n\x01é'}) == '{\n  "s" : "q\\"\\\\\\n\\u0001é"\n}'
    assert dumps({"n": 3, "b": True, "z": None}) == '{\n  "n" : 3,\n  "b" : true,\n  "z" : null\n}'
