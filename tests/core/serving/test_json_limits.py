"""Deep or huge JSON bodies get a 400, never a crash: the nesting is measured before parsing,
integers never meet Python's digit limit, and the server keeps serving."""

from __future__ import annotations

import http.client
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.serving.config import CaptureConfig
from core.serving.payload import MAX_JSON_DEPTH, RequestError, decode_rows, json_depth
from core.serving.server import EndpointServer

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                     st.text(alphabet='[]{}"\\ab,:\n', max_size=8))
documents = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4),
                                                 inner, max_size=4)), max_leaves=40)


def _depth(doc) -> int:
    if isinstance(doc, list):
        return 1 + max((_depth(v) for v in doc), default=0)
    if isinstance(doc, dict):
        return 1 + max((_depth(v) for v in doc.values()), default=0)
    return 0


@given(documents)
@settings(max_examples=300, deadline=None)
def test_json_depth_is_the_nesting_of_the_document(doc):
    """Brackets inside strings (escaped quotes too) never count."""
    assert json_depth(json.dumps(doc).encode()) == _depth(doc)


@given(st.integers(min_value=MAX_JSON_DEPTH + 1, max_value=20_000), st.sampled_from(["[", '{"a":']))
@settings(max_examples=40, deadline=None)
def test_nesting_past_the_limit_is_400(depth, opener):
    closer = "]" if opener == "[" else "}"
    body = (opener * depth + "1" + closer * depth).encode()
    with pytest.raises(RequestError) as caught:
        decode_rows(body, "application/json", 1)
    assert caught.value.status == 400 and "levels deep" in caught.value.message


@given(st.binary(max_size=300) | documents.map(lambda d: json.dumps(d).encode()))
@settings(max_examples=300, deadline=None)
def test_any_body_is_rows_or_a_request_error(body):
    for content_type in ("application/json", "text/csv"):
        try:
            rows = decode_rows(body, content_type, 2)
        except RequestError as error:
            assert 400 <= error.status < 500
        else:
            assert rows.shape[1] == 2


@pytest.mark.parametrize("body", [
    b"[" * 200_000,  # unterminated: would exhaust the parser's recursion
    b"[" * 5000 + b"]" * 5000,
    b"[" + b"9" * 50_000 + b"]",  # past Python's 4,300-digit limit for int()
    b"[1" + b"0" * 400 + b", 2]",  # an integer too large for a float: infinity
    b'{"instances": [' + b"[1, 2]," * 100_000 + b"[1, 2]]}",
])
def test_deep_and_huge_bodies_never_escape_as_other_errors(body):
    try:
        decode_rows(body, "application/json", 2)
    except RequestError as error:
        assert error.status == 400


@pytest.fixture
def server(model, tmp_path):
    srv = EndpointServer("json-limits", model, CaptureConfig(enable=True,
                                                             destination=str(tmp_path))).start()
    yield srv
    srv.stop()


@pytest.mark.parametrize("body", [b"[" * 200_000, b'{"instances":' * 50_000,
                                  b"[" + b"7" * 1_000_000 + b"]"])
def test_server_answers_400_to_deep_or_huge_json_and_keeps_serving(server, body):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", "/invocations", body=body,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read())
        assert response.status == 400 and answer["ErrorCode"] == "ValidationError"
        row = json.dumps([[1.0] * server.model.num_features]).encode()
        conn.request("POST", "/invocations", body=row,
                     headers={"Content-Type": "application/json"})
        assert conn.getresponse().status == 200
    finally:
        conn.close()
