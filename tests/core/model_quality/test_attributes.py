"""Attributes into CSV, JSON and base64 payloads; ISO offsets."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InputError, ValidationError
from core.model_quality.attributes import as_numbers, parse_path, select
from core.model_quality.offsets import parse_offset


def _where(i):
    return "capture.jsonl", i + 1


def test_paths_columns_and_encodings():
    assert parse_path("$.predictions[0].score") == ["predictions", 0, "score"]
    assert parse_path("[1]") == [1]
    body = json.dumps({"predictions": [{"score": 0.25, "label": True}]})
    data = pa.array([body, base64.b64encode(body.encode()).decode(), "0.5,1"])
    encodings = pa.array(["JSON", "BASE64", "CSV"])
    assert select(data[:2], encodings[:2], "predictions[0].score", what="p",
                  locate=_where).to_pylist() == ["0.25", "0.25"]
    assert select(data[:1], encodings[:1], "predictions[0].label", what="p",
                  locate=_where).to_pylist() == ["1"]
    assert select(data[2:], encodings[2:], "1", what="p", locate=_where).to_pylist() == ["1"]


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20),
       st.integers(0, 3))
def test_csv_columns_pick_the_right_number(values, column):
    rows = [",".join(repr(v + k) for k in range(4)) for v in values]
    picked = as_numbers(select(pa.array(rows), pa.array(["CSV"] * len(rows)), str(column),
                               what="p", locate=_where), what="p", locate=_where)
    assert picked.tolist() == [v + column for v in values]


def test_errors_name_the_record():
    with pytest.raises(InputError, match="capture.jsonl, line 2: the response '1' has no "
                                         "column 1 for the probability"):
        select(pa.array(["0,1", "1"]), pa.array(["CSV", "CSV"]), "1", what="probability",
               locate=_where)
    with pytest.raises(InputError, match="line 3: the label 'n/a' is not a number"):
        as_numbers(pa.array(["1", "0", "n/a"]), what="label", locate=_where)
    with pytest.raises(InputError, match="line 1: the label 'inf' is not a number"):
        as_numbers(pa.array(["inf"]), what="label", locate=_where)
    with pytest.raises(ValidationError):
        parse_path("a..b[")


def test_offsets():
    assert parse_offset("-P1D") == timedelta(days=-1)
    assert parse_offset("-PT7H") == timedelta(hours=-7)
    assert parse_offset("P1DT2H30M") == timedelta(days=1, hours=2, minutes=30)
    for bad in ("", "P", "PT", "1D", "-P1W", "P1.5D", "PT1S"):
        with pytest.raises(ValidationError):
            parse_offset(bad)
