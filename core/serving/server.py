"""The endpoint's HTTP server: SageMaker's container contract plus the SageMaker Runtime route.

``GET /ping``, ``POST /invocations`` and ``POST /endpoints/{name}/invocations`` (what boto3's
``sagemaker-runtime`` client calls with ``endpoint_url=``). One thread per connection, HTTP/1.1
keep-alive; sampled requests are captured through :class:`CaptureWriter` before the answer.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from core.formats.capture import capture_line
from core.serving.capture_writer import CaptureWriter
from core.serving.config import CaptureConfig
from core.serving.model import Model
from core.serving.payload import RequestError, decode_rows, encode_predictions, response_type

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # SageMaker's InvokeEndpoint payload limit
DISCARD_LIMIT_BYTES = 64 * 1024 * 1024  # larger refused bodies are not read: we hang up
INFERENCE_ID_HEADER = "X-Amzn-SageMaker-Inference-Id"
CUSTOM_ATTRIBUTES_HEADER = "X-Amzn-SageMaker-Custom-Attributes"
VARIANT_HEADER = "x-Amzn-Invoked-Production-Variant"
ENDPOINT_HEADER = "X-Endpoint-Name"  # lets lifecycle check /ping reached the right server


class EndpointServer(ThreadingHTTPServer):
    """One endpoint: a model, its capture settings and a threaded HTTP server on ``host:port``."""

    daemon_threads = True
    request_queue_size = 256  # the default 5 gives multi-second tails under 64 connections

    def __init__(self, name: str, model: Model, capture: CaptureConfig, *,
                 variant: str = "AllTraffic", host: str = "127.0.0.1", port: int = 0,
                 sync_capture: bool = False) -> None:
        """``sync_capture``: answer a sampled request only once its record is written
        (see :mod:`core.serving.capture_writer` for both guarantees)."""
        super().__init__((host, port), _Handler)
        self.name, self.model, self.variant = name, model, variant
        self.capture, self.sync_capture = capture, sync_capture
        self.writer = (CaptureWriter(Path(capture.destination), name, variant,
                                     refuse_when_failing=capture.refuse_when_failing)
                       if capture.enable and capture.sampling_percentage > 0 else None)
        self._state = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition(self._state)
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EndpointServer:
        """Serve in a background thread (for in-process use); returns self."""
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"endpoint-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful stop: refuse new requests, finish those in flight, flush the capture."""
        with self._state:
            self._stopping = True
        if self._thread is not None:  # shutdown() would wait forever for a loop never started
            self.shutdown()
        with self._state:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                log.warning("%d requests still running after %.0f s", self._in_flight, timeout)
        if self.writer is not None:
            self.writer.close(timeout)
        self.server_close()

    def enter_request(self) -> bool:
        with self._state:
            if self._stopping:
                return False
            self._in_flight += 1
            return True

    def leave_request(self) -> None:
        with self._state:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.notify_all()

    def sampled(self) -> bool:
        return self.writer is not None and random.random() * 100.0 < self.capture.sampling_percentage


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else Nagle + delayed ACK add ~40 ms per keep-alive request
    server: EndpointServer

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/ping":
            self._send(200, b"", "text/plain", {ENDPOINT_HEADER: self.server.name})
        else:
            self._send_error(404, "UnknownOperationException", f"No route for GET {self.path}.")

    def do_POST(self) -> None:
        runtime, problem = self._route()
        if problem:
            self._discard_body()
            self._send_error(*problem)
            return
        if not self.server.enter_request():
            self.close_connection = True
            self._discard_body()
            self._send_error(503, "ServiceUnavailable", "The endpoint is shutting down.")
            return
        try:
            self._invoke(runtime)
        finally:
            self.server.leave_request()

    def _route(self) -> tuple[bool, tuple | None]:
        """(is the runtime route, None) or (_, (status, code, message)) for a bad path."""
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if parts == ["invocations"]:
            return False, None
        if len(parts) == 3 and parts[0] == "endpoints" and parts[2] == "invocations":
            if parts[1] != self.server.name:
                return True, (400, "ValidationError",
                              f"Endpoint {parts[1]} of account local not found.")
            return True, None
        return False, (404, "UnknownOperationException", f"No route for POST {self.path}.")

    def _invoke(self, runtime: bool) -> None:
        arrived = datetime.now(UTC)
        length = self._content_length()
        if length is None:
            return
        body = self.rfile.read(length)
        request_type = self.headers.get("Content-Type", "")
        try:
            accept = response_type(request_type, self.headers.get("Accept"))
            rows = decode_rows(body, request_type, self.server.model.num_features)
            output = encode_predictions(self.server.model.predict(rows), accept)
        except RequestError as error:
            self._send_model_error(runtime, error)
            return
        if not self._capture(body, request_type, output, accept, arrived):
            self._send_error(503, "ServiceUnavailable", "Data capture is failing "
                             f"({self.server.writer.last_error}); this endpoint refuses "
                             "requests it cannot capture.")
            return
        self._send(200, output, accept, {VARIANT_HEADER: self.server.variant})

    def _content_length(self) -> int | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            self._send_error(411, "ValidationError", "Send the payload with a Content-Length.")
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_PAYLOAD_BYTES:
            self._discard_body()  # so the client can read the answer instead of a reset
            self._send_error(413, "ValidationError",
                             f"Payload of {length} bytes exceeds the limit of "
                             f"{MAX_PAYLOAD_BYTES} bytes (6 MB).")
            return None
        return length

    def _capture(self, body: bytes, request_type: str, output: bytes, output_type: str,
                 arrived: datetime) -> bool:
        """False if the request must be refused: capture fails and the endpoint refuses then."""
        server = self.server
        if server.writer is None:
            return True
        if not server.sampled():
            return server.writer.capture(None, arrived)
        cfg = server.capture
        # The writer thread builds the line: the request thread only queues its parts.
        line = functools.partial(
            capture_line, body if cfg.capture_input else None, request_type,
            output if cfg.capture_output else None, output_type,
            inference_time=arrived, inference_id=self.headers.get(INFERENCE_ID_HEADER),
            custom_attributes=self.headers.get(CUSTOM_ATTRIBUTES_HEADER),
            csv_content_types=cfg.csv_content_types, json_content_types=cfg.json_content_types)
        return server.writer.capture(line, arrived, wait=server.sync_capture)

    def _send_model_error(self, runtime: bool, error: RequestError) -> None:
        """The container answers its own status; the runtime route wraps it as SageMaker does."""
        if not runtime:
            self._send_error(error.status, "ValidationError", error.message)
            return
        message = (f"Received client error ({error.status}) from primary with message "
                   f'"{error.message}". See the endpoint log for more information.')
        self._send_error(424, "ModelError", message,
                         {"OriginalStatusCode": error.status, "OriginalMessage": error.message})

    def _send_error(self, status: int, code: str, message: str, extra: dict | None = None) -> None:
        body = json.dumps({"ErrorCode": code, "Message": message, **(extra or {})}).encode()
        self._send(status, body, "application/json", {"x-amzn-ErrorType": f"{code}:"})

    def _send(self, status: int, body: bytes, content_type: str, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for key, value in headers.items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _discard_body(self) -> None:
        """Read and drop the body; beyond a sane size, give up and close the connection."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= DISCARD_LIMIT_BYTES:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)
