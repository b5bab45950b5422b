"""Every malformed or ambiguous request is refused on its own connection, which then closes:
nothing after a framing error is ever read as a request (no smuggling), and the server keeps
serving. Each request below carries a complete, valid request (the "smuggled" one) where a
lenient parser would find it; none of them may be answered or captured."""

from __future__ import annotations

import pytest

from tests.faults.http_helpers import (
    captured_ids,
    exchange,
    good_row,
    invocation,
    parse_responses,
    serving,
)

HOST = b"Host: localhost"
CSV = b"Content-Type: text/csv"


def _request(*lines: bytes, body: bytes = b"", start: bytes = b"POST /invocations HTTP/1.1",
             eol: bytes = b"\r\n") -> bytes:
    return start + eol + b"".join(line + eol for line in lines) + eol + body


def _length(inner: bytes) -> bytes:
    return b"Content-Length: %d" % len(inner)


def _chunked(inner: bytes) -> bytes:
    """A whole chunked body of one chunk holding ``inner``."""
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(inner), inner)


# (label, expected status, builder of the raw bytes from the smuggled request)
CASES = [
    # Header-line syntax: anything but `token ":" OWS value OWS CRLF` ends the connection.
    ("space before colon", 400, lambda s: _request(HOST, CSV, b"Foo : bar", _length(s), body=s)),
    ("tab before colon", 400, lambda s: _request(HOST, CSV, b"Foo\t: bar", _length(s), body=s)),
    ("header without colon", 400, lambda s: _request(HOST, b"Foo bar", _length(s), body=s)),
    ("empty header name", 400, lambda s: _request(HOST, b": bar", _length(s), body=s)),
    ("obs-fold continuation", 400,
     lambda s: _request(HOST, b"X-Foo: a", b" folded", _length(s), body=s)),
    ("whitespace before first header", 400, lambda s: _request(b" " + HOST, _length(s), body=s)),
    ("NUL in a value", 400, lambda s: _request(HOST, b"X-Foo: a\x00b", _length(s), body=s)),
    ("bare CR in a value", 400, lambda s: _request(HOST, b"X-Foo: a\rb", _length(s), body=s)),
    ("control byte in a name", 400, lambda s: _request(HOST, b"X-F\x01oo: a", _length(s), body=s)),
    ("bare LF line ends", 400, lambda s: _request(HOST, CSV, _length(s), body=s, eol=b"\n")),
    # Content-Length: one, digits only.
    ("Content-Length twice, same", 400,
     lambda s: _request(HOST, CSV, _length(s), _length(s), body=s)),
    ("Content-Length twice, different", 400,
     lambda s: _request(HOST, CSV, b"Content-Length: 0", _length(s), body=s)),
    ("Content-Length list", 400,
     lambda s: _request(HOST, CSV, b"Content-Length: %d, %d" % (len(s), len(s)), body=s)),
    ("Content-Length with +", 400, lambda s: _request(HOST, b"Content-Length: +%d" % len(s),
                                                      body=s)),
    ("Content-Length negative", 400, lambda s: _request(HOST, b"Content-Length: -1", body=s)),
    ("Content-Length hex", 400, lambda s: _request(HOST, b"Content-Length: 0x%x" % len(s),
                                                   body=s)),
    ("Content-Length empty", 400, lambda s: _request(HOST, b"Content-Length: ", body=s)),
    ("Content-Length inner space", 400, lambda s: _request(HOST, b"Content-Length: 1 2",
                                                           body=s)),
    ("Content-Length overflow", 400,
     lambda s: _request(HOST, b"Content-Length: 99999999999999999999999", body=s)),
    # Transfer-Encoding: exactly `chunked`, never beside Content-Length, never on HTTP/1.0.
    ("Content-Length then chunked", 400,
     lambda s: _request(HOST, _length(s), b"Transfer-Encoding: chunked", body=b"0\r\n\r\n" + s)),
    ("chunked then Content-Length", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: chunked", b"Content-Length: 5",
                        body=b"0\r\n\r\n" + s)),
    ("Transfer-Encoding gzip, chunked", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: gzip, chunked", body=_chunked(s))),
    ("Transfer-Encoding chunked, identity", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: chunked, identity", body=_chunked(s))),
    ("Transfer-Encoding identity", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: identity", body=s)),
    ("Transfer-Encoding xchunked", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: xchunked", _length(s), body=s)),
    ("Transfer-Encoding twice", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked",
                        body=b"0\r\n\r\n" + s)),
    ("Transfer-Encoding space before colon", 400,
     lambda s: _request(HOST, b"Transfer-Encoding : chunked", _length(s), body=s)),
    ("Transfer-Encoding vertical tab", 400,
     lambda s: _request(HOST, b"Transfer-Encoding:\x0bchunked", _length(s), body=s)),
    ("chunked on HTTP/1.0", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: chunked", body=b"0\r\n\r\n" + s,
                        start=b"POST /invocations HTTP/1.0")),
    # Chunk framing.
    ("chunk size not hex", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: chunked", body=b"zz\r\n" + s)),
    ("chunk size overflow", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: chunked",
                        body=b"fffffffffffffffffff\r\n" + s)),
    ("chunk longer than its size", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: chunked", body=b"1\r\nab\r\n0\r\n\r\n" + s)),
    ("chunk lines with bare LF", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: chunked", body=b"1\na\n0\n\n" + s)),
    ("trailer field", 400,
     lambda s: _request(HOST, b"Transfer-Encoding: chunked",
                        body=b"0\r\nX-Trailer: 1\r\n\r\n" + s)),
    # Request line, version, Host, upgrades.
    ("no Host on HTTP/1.1", 400, lambda s: _request(CSV, _length(s), body=s)),
    ("two Host headers", 400, lambda s: _request(HOST, HOST, _length(s), body=s)),
    ("HTTP/2.0 request line", 505,
     lambda s: _request(HOST, _length(s), body=s, start=b"POST /invocations HTTP/2.0")),
    ("HTTP/1.2", 400,
     lambda s: _request(HOST, _length(s), body=s, start=b"POST /invocations HTTP/1.2")),
    ("method with @", 400, lambda s: _request(HOST, _length(s), body=s,
                                              start=b"P@ST /invocations HTTP/1.1")),
    ("lower-case method", 400, lambda s: _request(HOST, _length(s), body=s,
                                                  start=b"post /invocations HTTP/1.1")),
    ("space in the target", 400, lambda s: _request(HOST, _length(s), body=s,
                                                    start=b"POST /invo cations HTTP/1.1")),
    ("non-ASCII target", 400, lambda s: _request(HOST, _length(s), body=s,
                                                 start=b"POST /\xffinvocations HTTP/1.1")),
    ("upgrade to h2c", 400,
     lambda s: _request(HOST, b"Connection: Upgrade", b"Upgrade: h2c", _length(s), body=s)),
    # Sizes.
    ("head over 16 KB", 431,
     lambda s: _request(HOST, b"X-Big: " + b"a" * 17000, _length(s), body=s)),
    ("over 100 header lines", 431,
     lambda s: _request(HOST, *[b"X-H%d: 1" % i for i in range(101)], _length(s), body=s)),
]

# Well-framed but ambiguous for the endpoint: refused, the body is read and dropped.
APP_CASES = [
    ("Content-Type twice", lambda s: _request(HOST, CSV, CSV, _length(s), body=s)),
    ("InferenceId twice", lambda s: _request(
        HOST, CSV, b"X-Amzn-SageMaker-Inference-Id: a", b"X-Amzn-SageMaker-Inference-Id: b",
        _length(s), body=s)),
    ("InferenceId over 64 characters", lambda s: _request(
        HOST, CSV, b"X-Amzn-SageMaker-Inference-Id: " + b"i" * 65, _length(s), body=s)),
]


@pytest.fixture(scope="module")
def server(model, tmp_path_factory):
    root = tmp_path_factory.mktemp("capture")
    with serving(model, root) as srv:
        srv.capture_root = root
        yield srv


def _smuggled(model, label: str) -> tuple[bytes, str]:
    inference_id = "smuggled-" + "".join(c if c.isalnum() else "-" for c in label)[:50]
    return invocation(good_row(model), inference_id), inference_id


def test_the_table_covers_at_least_twenty_malformed_requests():
    assert len(CASES) >= 20 and len({label for label, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize("label,status,build", CASES, ids=[c[0] for c in CASES])
def test_malformed_request_is_refused_and_its_connection_closed(server, model, label,
                                                                status, build):
    smuggled, inference_id = _smuggled(model, label)
    responses = parse_responses(exchange(server.port, build(smuggled)))
    assert [r.status for r in responses] == [status], label  # one answer, then closed
    error = responses[0].json()
    assert error["Message"] and error["ErrorCode"] != "ValidationError"
    assert responses[0].headers["connection"] == "close"
    assert inference_id not in captured_ids(server.capture_root)
    _still_serves(server, model, label)


@pytest.mark.parametrize("label,build", APP_CASES, ids=[c[0] for c in APP_CASES])
def test_ambiguous_endpoint_headers_are_refused(server, model, label, build):
    smuggled, inference_id = _smuggled(model, label)
    responses = parse_responses(exchange(server.port, build(smuggled)))
    assert [r.status for r in responses] == [400], label
    assert responses[0].json()["ErrorCode"] == "ValidationError"
    assert inference_id not in captured_ids(server.capture_root)


def test_a_valid_pipelined_request_is_answered_in_order(server, model):
    """The control: the same bytes framed correctly are two requests, both answered."""
    first, second = invocation(good_row(model), "pipe-1"), invocation(good_row(model), "pipe-2")
    responses = parse_responses(exchange(server.port, first + second))
    assert [r.status for r in responses] == [200, 200]
    assert {"pipe-1", "pipe-2"} <= set(captured_ids(server.capture_root))


def _still_serves(server, model, label: str) -> None:
    inference_id = "after-" + "".join(c if c.isalnum() else "-" for c in label)[:50]
    responses = parse_responses(exchange(server.port, invocation(good_row(model),
                                                                 inference_id)))
    assert [r.status for r in responses] == [200]
    assert inference_id in captured_ids(server.capture_root)
