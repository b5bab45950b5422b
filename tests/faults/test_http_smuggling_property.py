"""Smuggling as a class: requests whose header lines are mutated byte by byte (whitespace,
control bytes, separators, digits, duplicated, dropped or added framing headers) never make the
endpoint run a request that a strict RFC 9112 reading of the same bytes does not contain.

Each generated request carries a complete inner request in its body. A strict reference
parser (below) says which messages the bytes hold; the endpoint, capturing every answered
request synchronously, may only have captured inner requests the reference also sees."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.faults.http_helpers import captured_ids, exchange, good_row, serving

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_FIELD = re.compile(rb"(" + _TOKEN + rb"):[ \t]*((?:[\x21-\x7e\x80-\xff](?:[ \t\x21-\x7e\x80-\xff]*"
                    rb"[\x21-\x7e\x80-\xff])?)?)[ \t]*")
_REQUEST_LINE = re.compile(rb"(GET|POST) (/[\x21-\x7e]*) HTTP/1\.1")
_ID = b"x-amzn-sagemaker-inference-id"


def reference_ids(data: bytes) -> list[str]:
    """Inference ids of the complete requests a strict reading finds, up to the first error."""
    ids = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.split(b"\r\n")
        if not _REQUEST_LINE.fullmatch(lines[0]):
            break
        fields = [_FIELD.fullmatch(line) for line in lines[1:]]
        if not all(fields):
            break
        headers: dict[bytes, list[bytes]] = {}
        for field in fields:
            headers.setdefault(field.group(1).lower(), []).append(field.group(2))
        lengths = headers.get(b"content-length", [])
        codings = headers.get(b"transfer-encoding", [])
        if (len(headers.get(b"host", [])) != 1 or len(lengths) > 1 or len(codings) > 1
                or (lengths and codings) or len(headers.get(_ID, [])) > 1):
            break
        if codings:
            if codings[0].lower() != b"chunked":
                break
            body, rest = _chunked(rest)
            if body is None:
                break
        else:
            if lengths and not lengths[0].isdigit():
                break
            length = int(lengths[0]) if lengths else 0
            if len(rest) < length:
                break
            rest = rest[length:]
        ids.extend(value.decode("latin-1") for value in headers.get(_ID, []))
        data = rest
    return ids


def _chunked(data: bytes) -> tuple[bytes | None, bytes]:
    body = b""
    while True:
        size, sep, data = data.partition(b"\r\n")
        if not sep or not re.fullmatch(rb"[0-9A-Fa-f]{1,15}", size):
            return None, b""
        size = int(size, 16)
        if size == 0:
            return (body, data[2:]) if data[:2] == b"\r\n" else (None, b"")
        if len(data) < size + 2 or data[size:size + 2] != b"\r\n":
            return None, b""
        body, data = body + data[:size], data[size + 2:]


_DANGEROUS = [b" ", b"\t", b"\x0b", b"\x0c", b"\x00", b"\r", b"\n", b"\r\n", b"\r\n ", b",",
              b"+", b"-", b"0", b"7", b"a", b":", b";", b"\x80", b"\"", b"=",]
_EXTRA = [b"Transfer-Encoding: chunked", b"Content-Length: 0", b"Content-Length: 5",
          b"Transfer-Encoding: identity", b"Host: other", b"Transfer-Encoding: gzip, chunked",
          b"Connection: close", b"Expect: 100-continue"]
_counter = itertools.count()


@st.composite
def mutated_requests(draw, row: bytes):
    number = next(_counter)
    inner_id = f"inner-{number:08d}"  # fixed width: the same draws for every number
    inner = (b"POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\n"
             b"X-Amzn-SageMaker-Inference-Id: " + inner_id.encode() +
             b"\r\nContent-Length: %d\r\n\r\n" % len(row) + row)
    chunked = draw(st.booleans())
    lines = [b"Host: localhost", b"Content-Type: text/csv",
             b"X-Amzn-SageMaker-Inference-Id: outer-%08d" % number]
    if chunked:
        lines.append(b"Transfer-Encoding: chunked")
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(inner), inner)
    else:
        lines.append(b"Content-Length: %d" % len(inner))
        body = inner
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["insert", "duplicate", "drop", "add", "case", "length"]))
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        if kind == "insert":
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.sampled_from(_DANGEROUS)) + line[at:]
        elif kind == "duplicate":
            lines.insert(draw(st.integers(0, len(lines))), line)
        elif kind == "drop" and len(lines) > 1:
            del lines[index]
        elif kind == "add":
            lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(_EXTRA)))
        elif kind == "case":
            lines[index] = line.swapcase()
        elif kind == "length":
            lines[index] = b"Content-Length: " + draw(st.from_regex(rb"\A[0-9]{1,4}\Z"))
    request = b"POST /invocations HTTP/1.1\r\n" + b"".join(l + b"\r\n" for l in lines) + b"\r\n"
    return request + body, inner_id


@pytest.fixture(scope="module")
def server(model, tmp_path_factory):
    root = tmp_path_factory.mktemp("capture")
    with serving(model, root, body_timeout=2.0) as srv:
        srv.capture_root = root
        yield srv


def test_no_mutated_request_runs_a_request_the_strict_reading_does_not_hold(
        server, model):
    @given(mutated_requests(good_row(model)))
    @settings(max_examples=250, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    def check(case):
        data, inner_id = case
        expected = reference_ids(data)
        exchange(server.port, data, timeout=10)
        ran = inner_id in captured_ids(server.capture_root)
        event(f"inner request: reference {'runs' if inner_id in expected else 'holds no'}, "
              f"endpoint {'ran' if ran else 'did not run'} it")
        assert not ran or inner_id in expected, data

    check()


@pytest.mark.parametrize("data,ids", [
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", []),
    (b"POST / HTTP/1.1\r\nHost: a\r\nX-Amzn-SageMaker-Inference-Id: i\r\n\r\n", ["i"]),
    (b"POST / HTTP/1.1\r\nHost: a\r\nFoo : bar\r\nX-Amzn-SageMaker-Inference-Id: i\r\n\r\n", []),
    (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"
     b"GET / HTTP/1.1\r\nHost: a\r\nX-Amzn-SageMaker-Inference-Id: j\r\n\r\n", ["j"]),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na", []),
])
def test_the_reference_reading_itself(data, ids):
    assert reference_ids(data) == ids
