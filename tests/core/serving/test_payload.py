"""Request bodies to rows and scores to response bodies, as SageMaker's XGBoost container."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core.serving.payload import (
    CSV_RESPONSE_TYPE,
    JSON_TYPE,
    RequestError,
    decode_rows,
    encode_predictions,
    response_type,
)


def test_csv_one_and_many_rows_with_missing_values():
    rows = decode_rows(b"1,2,3\n4,,6\n\n", "text/csv; charset=utf-8", 3)
    assert rows.shape == (2, 3) and rows.dtype == np.float32
    assert math.isnan(rows[1, 1])


@pytest.mark.parametrize("doc", [[1, 2, 3], [[1, 2, 3]], {"instances": [[1, 2, 3]]},
                                 {"instances": [{"features": [1, 2, 3]}]},
                                 {"features": [1, 2, 3]}])
def test_json_shapes(doc):
    assert decode_rows(json.dumps(doc).encode(), "application/json", 3).tolist() == [[1, 2, 3]]


def test_errors_name_line_and_column():
    with pytest.raises(RequestError) as caught:
        decode_rows(b"1,2,3\n4,five,6", "text/csv", 3)
    assert caught.value.status == 400 and "Line 2, column 2" in caught.value.message
    with pytest.raises(RequestError, match="Row 1 has 2 features"):
        decode_rows(b"1,2", "text/csv", 3)
    with pytest.raises(RequestError) as caught:
        decode_rows(b"1", "application/octet-stream", 1)
    assert caught.value.status == 415
    with pytest.raises(RequestError, match="not UTF-8"):
        decode_rows(b"\xff\xfe", "text/csv", 1)
    with pytest.raises(RequestError, match="not a list of numbers"):
        decode_rows(b"[[true, 1]]", "application/json", 2)


def test_scores_are_written_like_the_real_container():
    # The real capture sample's output "0.036397725343704224" is a float32 score.
    body = encode_predictions(np.array([0.036397725343704224], dtype=np.float32),
                              CSV_RESPONSE_TYPE)
    assert body == b"0.036397725343704224"
    assert encode_predictions(np.array([0.5, 0.25]), CSV_RESPONSE_TYPE) == b"0.5\n0.25"
    assert json.loads(encode_predictions(np.array([0.5]), JSON_TYPE)) == {
        "predictions": [{"score": 0.5}]}


def test_response_type_follows_accept_then_request():
    assert response_type("text/csv", None) == CSV_RESPONSE_TYPE
    assert response_type("application/json", "*/*") == JSON_TYPE
    assert response_type("text/csv", "application/json") == JSON_TYPE
    with pytest.raises(RequestError) as caught:
        response_type("text/csv", "image/png")
    assert caught.value.status == 406
