"""The endpoint's HTTP server: SageMaker's container contract plus the SageMaker Runtime route.

``GET /ping``, ``POST /invocations`` and ``POST /endpoints/{name}/invocations`` (what boto3's
``sagemaker-runtime`` client calls with ``endpoint_url=``). uvicorn serves them (httptools
parsing, uvloop where installed) on one event loop in a background thread, through
:class:`~core.serving.http_protocol.StrictHttpProtocol`, which refuses malformed framing and
times and bounds every phase of a connection. The application below is plain ASGI: a web
framework would add routing and request objects this endpoint does not need, and cost more
per request than the rest of the HTTP path.

Where the work runs: the event loop reads each request and answers it. A body of up to
``INLINE_BYTES`` is parsed and predicted on the loop (a hand-off to a thread costs more than
that); larger ones go to a small thread pool, so a 6 MB body never stalls ``/ping`` or the
other clients. Sampled requests are captured through :class:`CaptureWriter` before the answer;
with ``sync_capture`` the wait for the writer happens on a thread, so that the records of
concurrent requests share one ``write(2)``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
import uvicorn.lifespan.off  # noqa: F401 (uvicorn imports it by name; packagers must see it)

from core.errors import AppError
from core.formats.capture import capture_line, fast_uuid4
from core.serving.capture_writer import CaptureWriter
from core.serving.config import CaptureConfig
from core.serving.http_protocol import ServerLimits, StrictHttpProtocol
from core.serving.model import Model
from core.serving.payload import RequestError, decode_rows, encode_predictions, response_type

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = ServerLimits.max_payload_bytes  # SageMaker's InvokeEndpoint payload limit
INLINE_BYTES = 16 * 1024  # bodies up to this are predicted on the event loop
PREDICT_THREADS = 2
INFERENCE_ID_HEADER = "X-Amzn-SageMaker-Inference-Id"
CUSTOM_ATTRIBUTES_HEADER = "X-Amzn-SageMaker-Custom-Attributes"
VARIANT_HEADER = "x-Amzn-Invoked-Production-Variant"
ENDPOINT_HEADER = "X-Endpoint-Name"  # lets lifecycle check /ping reached the right server
MAX_INFERENCE_ID_CHARS = 64  # SageMaker Runtime's limits for the two headers
MAX_CUSTOM_ATTRIBUTES_CHARS = 1024
_SINGLE_HEADERS = {b"content-type": "Content-Type", b"accept": "Accept",
                   INFERENCE_ID_HEADER.lower().encode(): INFERENCE_ID_HEADER,
                   CUSTOM_ATTRIBUTES_HEADER.lower().encode(): CUSTOM_ATTRIBUTES_HEADER,
                   b"content-length": "Content-Length", b"expect": "Expect"}


class EndpointServer:
    """One endpoint: a model, its capture settings and an HTTP server on ``host:port``.

    The socket listens from construction on (so :attr:`port` is known at once); :meth:`start`
    serves it in a background thread and :meth:`stop` drains it.
    """

    def __init__(self, name: str, model: Model, capture: CaptureConfig, *,
                 variant: str = "AllTraffic", host: str = "127.0.0.1", port: int = 0,
                 sync_capture: bool = False, limits: ServerLimits | None = None) -> None:
        """``sync_capture``: answer a sampled request only once its record is written
        (see :mod:`core.serving.capture_writer` for both guarantees)."""
        self.name, self.model, self.variant = name, model, variant
        self.capture, self.sync_capture = capture, sync_capture
        self.limits = limits or ServerLimits()
        self._socket = _listen(host, port)
        self.server_address = self._socket.getsockname()[:2]
        self.writer = (CaptureWriter(Path(capture.destination), name, variant,
                                     refuse_when_failing=capture.refuse_when_failing)
                       if capture.enable and capture.sampling_percentage > 0 else None)
        self._predict_pool = ThreadPoolExecutor(PREDICT_THREADS, f"predict-{name}")
        self._capture_pool = (ThreadPoolExecutor(self.limits.max_in_flight, f"capture-{name}")
                              if sync_capture and self.writer else None)
        config = uvicorn.Config(
            _EndpointApp(self), http=functools.partial(StrictHttpProtocol, limits=self.limits),
            ws="none", lifespan="off", interface="asgi3", log_config=None, access_log=False,
            server_header=False, proxy_headers=False, timeout_keep_alive=self.limits.idle_timeout)
        config.load()
        self._uvicorn = _DrainingServer(config, self.limits.drain_timeout)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self.in_flight = 0  # touched on the event loop only
        self.stopping = False

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> EndpointServer:
        """Serve in a background thread; returns self once the server accepts connections."""
        self._thread = threading.Thread(target=self._serve, name=f"endpoint-{self.name}",
                                        daemon=True)
        self._thread.start()
        ready = threading.Event()
        for _ in range(int(timeout / 0.005)):
            if self._uvicorn.started or not self._thread.is_alive():
                break
            ready.wait(0.005)
        if not self._uvicorn.started:
            self.stop()
            raise AppError(f"Endpoint {self.name} did not start serving: "
                           f"{self._failure or 'timed out'}.")
        return self

    def _serve(self) -> None:
        loop = _new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._uvicorn.serve(sockets=[self._socket]))
        except BaseException as error:  # the owner sees it through `running` and the log
            self._failure = error
            log.exception("endpoint %s stopped serving", self.name)
        finally:
            loop.close()

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful stop: refuse new connections, let requests in flight finish (for at most
        ``limits.drain_timeout`` seconds), then write every queued capture record."""
        self.stopping = True
        if self._thread is not None:
            self._uvicorn.should_exit = True  # read by the loop every 0.1 s
            self._thread.join(self.limits.drain_timeout + 5.0)
            if self._thread.is_alive():
                log.warning("endpoint %s: the server thread did not finish", self.name)
        self._socket.close()
        if self.writer is not None:
            self.writer.close(timeout)
        self._predict_pool.shutdown(wait=False)
        if self._capture_pool is not None:
            self._capture_pool.shutdown(wait=False)

    def sampled(self) -> bool:
        return (self.writer is not None
                and random.random() * 100.0 < self.capture.sampling_percentage)


class _EndpointApp:
    """The ASGI application: routes, reads and checks a request, predicts, captures, answers."""

    def __init__(self, server: EndpointServer) -> None:
        self.server = server
        self.limits = server.limits
        self.name_header = ((ENDPOINT_HEADER.encode(), server.name.encode()),)
        self.variant_header = ((VARIANT_HEADER.encode(), server.variant.encode()),)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/ping":
            if method in ("GET", "HEAD"):
                await _answer(send, 200, b"", b"text/plain", self.name_header)
            else:
                await _error(send, 405, "UnknownOperationException",
                             f"No route for {method} /ping.", allow=b"GET, HEAD", close=True)
            return
        headers, header_problem = _request_headers(scope["headers"])
        runtime, problem = self._route(path, method)
        problem = problem or header_problem
        if problem is None and method != "POST":
            await _error(send, 405, "UnknownOperationException", f"No route for {method} "
                         f"{path}.", allow=b"POST", close=not self._discardable(headers))
            return
        if problem is not None:
            await _error(send, *problem, close=not self._discardable(headers))
            return
        server = self.server
        if server.stopping:
            await _error(send, 503, "ServiceUnavailable", "The endpoint is shutting down.",
                         close=True)
            return
        if server.in_flight >= self.limits.max_in_flight:
            await _error(send, 503, "ServiceUnavailable",
                         f"The endpoint is busy ({server.in_flight} requests in flight); "
                         f"retry later.", close=not self._discardable(headers))
            return
        server.in_flight += 1
        try:
            await self._invoke(runtime, headers, receive, send)
        finally:
            server.in_flight -= 1

    def _route(self, path: str, method: str) -> tuple[bool, tuple | None]:
        """(is the runtime route, None) or (_, (status, code, message)) for a bad path."""
        parts = path.strip("/").split("/")
        if parts == ["invocations"]:
            return False, None
        if len(parts) == 3 and parts[0] == "endpoints" and parts[2] == "invocations":
            if parts[1] != self.server.name:
                return True, (400, "ValidationError",
                              f"Endpoint {parts[1][:100]} of account local not found.")
            return True, None
        return False, (404, "UnknownOperationException", f"No route for {method} {path[:200]}.")

    def _discardable(self, headers: dict) -> bool:
        """Can an unread body be read and dropped, keeping the connection? (Else: close.)
        Not when the client waits for "100 Continue" before sending it."""
        if "Expect" in headers:
            return False
        length = headers.get("Content-Length")
        return length is not None and int(length) <= self.limits.discard_limit_bytes

    async def _invoke(self, runtime: bool, headers: dict, receive, send) -> None:
        arrived = datetime.now(UTC)
        limit = self.limits.max_payload_bytes
        length = headers.get("Content-Length")
        if length is not None and int(length) > limit:
            await _too_large(send, int(length), limit, close=not self._discardable(headers))
            return
        body = await _read_body(receive, limit)
        if body is None:  # the client left, or the protocol answered (timeout)
            return
        if isinstance(body, int):
            await _too_large(send, body, limit, close=True)
            return
        request_type = headers.get("Content-Type", "")
        work = functools.partial(_predict, self.server.model, body, request_type,
                                 headers.get("Accept"))
        try:
            if len(body) <= INLINE_BYTES:
                accept, output = work()
            else:
                loop = asyncio.get_running_loop()
                accept, output = await loop.run_in_executor(self.server._predict_pool, work)
        except RequestError as error:
            await self._model_error(send, runtime, error)
            return
        except Exception:  # a bug or a model failure: answered, logged, never a dropped socket
            log.exception("endpoint %s: the model failed on a request", self.server.name)
            await self._model_error(send, runtime, RequestError(
                500, "The model failed on this request; see the endpoint log."))
            return
        if not await self._capture(body, request_type, output, accept, arrived, headers):
            await _error(send, 503, "ServiceUnavailable", "Data capture is failing "
                         f"({self.server.writer.last_error}); this endpoint refuses requests "
                         "it cannot capture.")
            return
        await _answer(send, 200, output, accept.encode(), self.variant_header)

    async def _capture(self, body: bytes, request_type: str, output: bytes, output_type: str,
                       arrived: datetime, headers: dict) -> bool:
        """False if the request must be refused: capture fails and the endpoint refuses then."""
        server = self.server
        if server.writer is None:
            return True
        if not server.sampled():
            return server.writer.capture(None, arrived)
        cfg = server.capture
        # The writer thread builds the line: the request only queues its parts.
        line = functools.partial(
            capture_line, body if cfg.capture_input else None, request_type,
            output if cfg.capture_output else None, output_type,
            inference_time=arrived, inference_id=headers.get(INFERENCE_ID_HEADER),
            custom_attributes=headers.get(CUSTOM_ATTRIBUTES_HEADER),
            csv_content_types=cfg.csv_content_types, json_content_types=cfg.json_content_types)
        if server._capture_pool is not None:  # synchronous: wait for the write off the loop
            return await asyncio.get_running_loop().run_in_executor(
                server._capture_pool, functools.partial(server.writer.capture, line, arrived,
                                                        wait=True))
        return server.writer.capture(line, arrived)

    async def _model_error(self, send, runtime: bool, error: RequestError) -> None:
        """The container answers its own status; the runtime route wraps it as SageMaker does."""
        if not runtime:
            code = "ValidationError" if error.status < 500 else "ModelError"
            await _error(send, error.status, code, error.message)
            return
        message = (f"Received client error ({error.status}) from primary with message "
                   f'"{error.message}". See the endpoint log for more information.')
        await _error(send, 424, "ModelError", message,
                     extra={"OriginalStatusCode": error.status, "OriginalMessage": error.message})


def _predict(model: Model, body: bytes, request_type: str, accept: str | None):
    output_type = response_type(request_type, accept)
    rows = decode_rows(body, request_type, model.num_features)
    return output_type, encode_predictions(model.predict(rows), output_type)


def _request_headers(raw: list[tuple[bytes, bytes]]) -> tuple[dict, tuple | None]:
    """The request headers the endpoint reads, as text; (_, problem) if one is unacceptable."""
    found: dict[str, str] = {}
    for name, value in raw:
        key = _SINGLE_HEADERS.get(name)
        if key is None:
            continue
        if key in found:
            if key != "Accept":
                return found, (400, "ValidationError", f"The {key} header appears twice.")
            found[key] += "," + value.decode("latin-1")
        else:
            found[key] = value.decode("latin-1")
    inference_id = found.get(INFERENCE_ID_HEADER)
    if inference_id is not None and not 1 <= len(inference_id) <= MAX_INFERENCE_ID_CHARS:
        return found, (400, "ValidationError", f"InferenceId must be 1 to "
                                               f"{MAX_INFERENCE_ID_CHARS} characters long.")
    attributes = found.get(CUSTOM_ATTRIBUTES_HEADER)
    if attributes is not None and len(attributes) > MAX_CUSTOM_ATTRIBUTES_CHARS:
        return found, (400, "ValidationError", f"CustomAttributes must be at most "
                                               f"{MAX_CUSTOM_ATTRIBUTES_CHARS} characters long.")
    return found, None


async def _read_body(receive, limit: int) -> bytes | int | None:
    """The whole body; its size so far (int) once over ``limit``; None if the client left."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return size
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _too_large(send, size: int, limit: int, *, close: bool) -> None:
    await _error(send, 413, "ValidationError",
                 f"Payload of {size} bytes exceeds the limit of {limit} bytes "
                 f"({limit / 1024 / 1024:g} MB).", close=close)


async def _error(send, status: int, code: str, message: str, *, extra: dict | None = None,
                 close: bool = False, allow: bytes | None = None) -> None:
    body = json.dumps({"ErrorCode": code, "Message": message, **(extra or {})}).encode()
    headers = [(b"x-amzn-ErrorType", f"{code}:".encode())]
    if allow is not None:
        headers.append((b"Allow", allow))
    if close:
        headers.append((b"Connection", b"close"))
    await _answer(send, status, body, b"application/json", headers)


async def _answer(send, status: int, body: bytes, content_type: bytes, headers) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"Content-Type", content_type), (b"Content-Length", str(len(body)).encode()),
        (b"x-amzn-RequestId", fast_uuid4().encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


class _DrainingServer(uvicorn.Server):
    """uvicorn's server with a bounded drain: stuck clients cannot hold a stop past it."""

    def __init__(self, config: uvicorn.Config, drain_timeout: float) -> None:
        super().__init__(config)
        self.drain_timeout = drain_timeout

    async def shutdown(self, sockets=None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        state = self.server_state
        for connection in list(state.connections):
            connection.shutdown()  # idle ones close now; busy ones after their answer
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.drain_timeout
        while (state.connections or state.tasks) and loop.time() < deadline:
            await asyncio.sleep(0.02)
        if state.connections:
            log.warning("%d connections still open after the %g s drain: closed",
                        len(state.connections), self.drain_timeout)
        for connection in list(state.connections):
            connection.force_close()
        deadline = loop.time() + 0.5  # requests cut above see the disconnect and return
        while state.tasks and loop.time() < deadline:
            await asyncio.sleep(0.01)
        for task in list(state.tasks):
            task.cancel()
        if state.tasks:
            await asyncio.wait(list(state.tasks), timeout=0.5)
        await self.lifespan.shutdown()


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket (IPv4 or IPv6 by the address); OSError if it cannot bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if hasattr(socket, "SO_REUSEADDR") and sys.platform != "win32":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server did
        sock.bind((host, port))
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    return sock


def _new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # not built for every platform (Windows): asyncio's own loop
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
