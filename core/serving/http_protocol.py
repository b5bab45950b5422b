"""HTTP/1.1 for endpoints: uvicorn's httptools protocol, made strict, bounded and timed.

llhttp (through httptools) already refuses most bad framing: a space before a header's colon,
duplicate or non-digit Content-Length, Content-Length beside Transfer-Encoding, bare LF,
obs-fold, control characters. This protocol refuses what it still lets through:

* a Transfer-Encoding other than exactly ``chunked`` (``gzip, chunked``), or any on HTTP/1.0;
* trailer fields, protocol upgrades, versions other than HTTP/1.0 and 1.1;
* an HTTP/1.1 request without exactly one Host;
* a request head over ``max_head_bytes`` or ``max_header_lines`` (431);

and it times every phase of a connection: ``idle_timeout`` with no request (from accept or
from the last answer), ``head_timeout`` from a request's first byte to the end of its headers,
``body_timeout`` from the end of the headers to the end of the body (408), ``write_timeout``
while a client reads none of its answer. Beyond ``max_connections`` a new connection is closed
at accept, so the open ones keep their service.

A refused request gets one JSON error (the shape of the endpoint's other errors) and its
connection is closed: no byte after a framing error is ever read as a request. Response
headers keep the case the application gives them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from dataclasses import dataclass
from typing import NoReturn

import httptools
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

log = logging.getLogger(__name__)

_IDLE, _HEAD, _BODY = "idle", "head", "body"
_WARN_EVERY_SECONDS = 10.0  # a flood of refused connections logs one line per interval


@dataclass(frozen=True)
class ServerLimits:
    """Every bound of an endpoint server; seconds for times, bytes for sizes."""

    max_payload_bytes: int = 6 * 1024 * 1024  # SageMaker's InvokeEndpoint payload limit
    discard_limit_bytes: int = 64 * 1024 * 1024  # refused bodies up to this are read and dropped
    max_head_bytes: int = 16 * 1024
    max_header_lines: int = 100
    idle_timeout: float = 10.0
    head_timeout: float = 10.0
    body_timeout: float = 30.0
    write_timeout: float = 30.0
    max_connections: int = 4096
    max_in_flight: int = 128  # invocations admitted and not yet answered; beyond: 503
    drain_timeout: float = 2.5  # on stop, in-flight requests get this long, then are cut


class _Refused(Exception):
    """Raised inside a parser callback: httptools turns it into a parser error."""


def error_body(code: str, message: str) -> bytes:
    """The JSON error body every endpoint error uses: ``{"ErrorCode": .., "Message": ..}``."""
    return json.dumps({"ErrorCode": code, "Message": message}).encode()


_ERROR_CODES = {400: "BadRequest", 408: "RequestTimeout", 431: "RequestHeaderFieldsTooLarge",
                503: "ServiceUnavailable", 505: "HTTPVersionNotSupported"}


class StrictHttpProtocol(HttpToolsProtocol):
    """One connection. Built by uvicorn with ``functools.partial(StrictHttpProtocol,
    limits=...)`` as ``Config(http=...)``."""

    def __init__(self, *args, limits: ServerLimits, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self._phase = _IDLE
        self._deadline: asyncio.TimerHandle | None = None
        self._write_stall: asyncio.TimerHandle | None = None
        self._refusal: tuple[int, str] | None = None
        self._capped = False
        self._head_raw = self._head_fields = self._header_lines = self._hosts = 0
        self._transfer_encoding: bytes | None = None

    # -- connection -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections:
            self._capped = True
            self.transport = transport
            _warn_rarely(f"{len(self.connections)} connections open (the limit): a new one "
                         f"was closed at accept")
            transport.abort()
            return
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(self.limits.idle_timeout,
                                                            self.timeout_keep_alive_handler)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        self._cancel_write_stall()
        if self._capped:
            return
        super().connection_lost(exc)

    def eof_received(self) -> bool | None:
        """A client that half-closes after whole requests still gets their answers."""
        if self._phase is _IDLE and self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False  # the last request closes the connection
            return True
        return None  # nothing owed, or a request that can no longer complete: close

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self.transport.is_closing():
            return
        head_chunk = self._phase is _HEAD  # this whole chunk is head bytes until headers end
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(400, "Protocol upgrades are not supported.")
            return
        except httptools.HttpParserError as error:
            self._refuse(*(self._refusal or (400, f"Malformed HTTP request: {_reason(error)}.")))
            return
        if self._phase is _HEAD:
            if head_chunk:
                self._head_raw += len(data)
            if max(self._head_raw, self._head_fields) > self.limits.max_head_bytes:
                self._refuse(431, f"The request head exceeds {self.limits.max_head_bytes} bytes.")

    # -- parser callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase = _HEAD
        self._head_raw = self._head_fields = self._header_lines = self._hosts = 0
        self._transfer_encoding = None
        self._arm_deadline(self.limits.head_timeout, _HEAD)

    def on_url(self, url: bytes) -> None:
        self._head_fields += len(url)
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._phase is not _HEAD:
            self._refuse_in_parser(400, "Trailer fields are not accepted.")
        self._header_lines += 1
        self._head_fields += len(name) + len(value) + 4
        if self._head_fields > self.limits.max_head_bytes:
            self._refuse_in_parser(431, f"The request head exceeds "
                                        f"{self.limits.max_head_bytes} bytes.")
        if self._header_lines > self.limits.max_header_lines:
            self._refuse_in_parser(431, f"The request has more than "
                                        f"{self.limits.max_header_lines} header lines.")
        name = name.lower()
        value = value.rstrip(b" \t")  # llhttp keeps trailing whitespace; RFC 9110 drops it
        if name == b"transfer-encoding":
            if self._transfer_encoding is not None:
                self._refuse_in_parser(400, "Transfer-Encoding appears more than once.")
            self._transfer_encoding = value
        elif name == b"host":
            self._hosts += 1
        elif name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        self._check_framing()
        parser = self.parser
        version = parser.get_http_version()
        self.scope["method"] = parser.get_method().decode("ascii")
        if version != "1.1":
            self.scope["http_version"] = version
        try:
            parsed = httptools.parse_url(self.url)
        except httptools.HttpParserInvalidURLError:
            self._refuse_in_parser(400, "The request target is not a valid path.")
        raw_path = parsed.path
        path = raw_path.decode("ascii")
        self.scope["path"] = urllib.parse.unquote(path) if "%" in path else path
        self.scope["raw_path"] = raw_path
        self.scope["query_string"] = parsed.query or b""
        self._phase = _BODY
        self._arm_deadline(self.limits.body_timeout, _BODY)

        existing = self.cycle
        self.cycle = _Cycle(
            scope=self.scope, transport=self.transport, flow=self.flow, logger=self.logger,
            access_logger=self.access_logger, access_log=False,
            default_headers=self.server_state.default_headers, message_event=asyncio.Event(),
            expect_100_continue=self.expect_100_continue,
            keep_alive=version != "1.0" and parser.should_keep_alive(),
            on_response=self.on_response_complete)
        if existing is None or existing.response_complete:
            self._start_asgi_task(self.cycle, self.app)
        else:  # pipelined: answered in order, after the one running
            self.flow.pause_reading()
            self.pipeline.appendleft((self.cycle, self.app))

    def on_message_complete(self) -> None:
        self._cancel_deadline()
        self._phase = _IDLE
        super().on_message_complete()

    def _check_framing(self) -> None:
        """What llhttp accepts but a strict server must not (RFC 9112 sections 3.2 and 6)."""
        version = self.parser.get_http_version()
        if version not in ("1.1", "1.0"):
            self._refuse_in_parser(505, f"HTTP/{version} is not supported; use HTTP/1.1.")
        if self.parser.should_upgrade():
            self._refuse_in_parser(400, "Protocol upgrades are not supported.")
        if self._transfer_encoding is not None:
            if version == "1.0":
                self._refuse_in_parser(400, "Transfer-Encoding is not allowed in HTTP/1.0.")
            if self._transfer_encoding.strip().lower() != b"chunked":
                self._refuse_in_parser(400, "Transfer-Encoding must be exactly 'chunked'.")
        if version == "1.1" and self._hosts != 1:
            self._refuse_in_parser(400, "An HTTP/1.1 request needs exactly one Host header "
                                        f"(this one has {self._hosts}).")

    # -- timers -----------------------------------------------------------------------------

    def _arm_deadline(self, seconds: float, phase: str) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(seconds, self._expired, phase, seconds)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self, phase: str, seconds: float) -> None:
        self._deadline = None
        what = "headers" if phase is _HEAD else "body"
        self._refuse(408, f"The request {what} did not arrive within {seconds:g} s.")

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_stall is None:
            self._write_stall = self.loop.call_later(self.limits.write_timeout,
                                                     self._write_stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._cancel_write_stall()

    def _cancel_write_stall(self) -> None:
        if self._write_stall is not None:
            self._write_stall.cancel()
            self._write_stall = None

    def _write_stalled(self) -> None:
        self._write_stall = None
        log.info("%s read none of its answer for %g s: connection closed", _peer(self),
                 self.limits.write_timeout)
        self.transport.abort()

    # -- refusing ---------------------------------------------------------------------------

    def _refuse_in_parser(self, status: int, message: str) -> NoReturn:
        self._refusal = (status, message)
        raise _Refused(message)

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` if no other answer is owed on this connection, then close it."""
        if self.transport.is_closing():
            return
        self._cancel_deadline()
        cycle = self.cycle
        if self._phase is _BODY:
            answerable = cycle is not None and not cycle.response_started
        else:
            answerable = cycle is None or cycle.response_complete
        answerable = answerable and not self.pipeline
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the application stops waiting for the body
            cycle.message_event.set()
        log.info("%s refused (%d): %s", _peer(self), status, message)
        if answerable:
            self.transport.write(_raw_error(status, message, self.server_state.default_headers))
        self.transport.close()

    def shutdown(self) -> None:
        """Stop: an idle connection closes now, one with a request in flight after its answer."""
        if self._phase is _HEAD:
            self.transport.close()
        else:
            super().shutdown()

    def force_close(self) -> None:
        """End of the drain: a request still waiting for its body is told so, then cut."""
        if self._phase is _BODY and self.cycle is not None and not self.cycle.response_started:
            self._refuse(503, "The endpoint stopped before the request body arrived.")
        self.transport.abort()


class _Cycle(RequestResponseCycle):
    """uvicorn's request/response cycle, sending the head with the body in one write and
    header names in the case the application gives (as SageMaker's own responses do)."""

    _head: bytes | None = None

    async def send(self, message) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        if not self.response_started:
            if message["type"] != "http.response.start":
                raise RuntimeError(f"Expected 'http.response.start', not {message['type']!r}.")
            self.response_started = True
            self.waiting_for_100_continue = False
            self._head = self._encode_head(message["status"], message.get("headers", ()))
            return
        if self.response_complete or message["type"] != "http.response.body":
            raise RuntimeError(f"Unexpected ASGI message {message['type']!r}.")
        body = message.get("body", b"")
        more_body = message.get("more_body", False)
        if self.scope["method"] == "HEAD":
            body, self.expected_content_length = b"", 0
        elif len(body) > self.expected_content_length:
            raise RuntimeError("Response content longer than Content-Length.")
        self.expected_content_length -= len(body)
        if self._head is not None:
            body, self._head = self._head + body, None
        if body:
            self.transport.write(body)
        if not more_body:
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length.")
            self.response_complete = True
            self.message_event.set()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()

    def _encode_head(self, status: int, headers) -> bytes:
        parts = [STATUS_LINE[status]]
        for name, value in self.default_headers:
            parts += (name, b": ", value, b"\r\n")
        length, closing = None, False
        for name, value in headers:
            if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
                raise RuntimeError(f"Invalid HTTP header {name!r}.")
            lower = name.lower()
            if lower == b"content-length":
                length = int(value)
            elif lower == b"transfer-encoding":
                raise RuntimeError("Endpoint answers carry a Content-Length.")
            elif lower == b"connection" and b"close" in value.lower():
                self.keep_alive, closing = False, True
            parts += (name, b": ", value, b"\r\n")
        if length is None:
            raise RuntimeError("Endpoint answers carry a Content-Length.")
        self.expected_content_length, self.chunked_encoding = length, False
        if not self.keep_alive and not closing:
            parts.append(b"Connection: close\r\n")
        parts.append(b"\r\n")
        return b"".join(parts)


def _raw_error(status: int, message: str, default_headers) -> bytes:
    body = error_body(_ERROR_CODES.get(status, "BadRequest"), message)
    head = [STATUS_LINE[status]]
    for name, value in default_headers:
        head += (name, b": ", value, b"\r\n")
    head.append(b"Content-Type: application/json\r\nContent-Length: %d\r\n"
                b"x-amzn-ErrorType: %s:\r\nConnection: close\r\n\r\n"
                % (len(body), _ERROR_CODES.get(status, "BadRequest").encode()))
    return b"".join(head) + body


def _reason(error: Exception) -> str:
    text = str(error).strip().rstrip(".") or type(error).__name__
    return text[:200]


def _peer(protocol: HttpToolsProtocol) -> str:
    return "%s:%d" % protocol.client if protocol.client else "a client"


_last_warning = [0.0]


def _warn_rarely(message: str) -> None:
    now = time.monotonic()
    if now - _last_warning[0] >= _WARN_EVERY_SECONDS:
        _last_warning[0] = now
        log.warning(message)
