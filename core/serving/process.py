"""Run one endpoint server in the current process until asked to stop (the ``serve`` command).

The process reports readiness by writing its port to ``port_file`` (atomically) once the
socket listens; a deployer waits for that file and then for ``GET /ping``. With ``health_file``
it also keeps its capture counts and state there (see :mod:`core.serving.health`).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from core import atomic
from core.errors import AppError
from core.names import validate_name
from core.serving.config import CaptureConfig
from core.serving.health import HEALTH_INTERVAL_SECONDS, write_health
from core.serving.model import load_model
from core.serving.server import EndpointServer

log = logging.getLogger(__name__)


def run_endpoint(name: str, model_path: str | Path, capture: CaptureConfig, *,
                 stop: threading.Event, port: int = 0, host: str = "127.0.0.1",
                 variant: str = "AllTraffic", port_file: str | Path | None = None,
                 sync_capture: bool = False,
                 health_file: str | Path | None = None) -> int:
    """Load the model, serve until ``stop`` is set, then stop gracefully.

    Args:
        name: the endpoint name (the runtime route and the capture folder use it).
        model_path: ``model.tar.gz`` or a plain XGBoost model file.
        capture: what to capture; validated here.
        stop: set it (from a signal handler, say) to stop; in-flight requests finish (within
            the server's drain timeout, 2.5 s) and every captured record is written before this
            returns.
        port: 0 picks a free port.
        host: the address to bind; loopback by default.
        variant: the production variant name in capture paths and response headers.
        port_file: where to write the bound port once listening.
        sync_capture: answer a sampled request only after its record is written (also
            on when ``capture.synchronous`` is).
        health_file: where to keep the capture counts and state, every second and at stop.

    Returns:
        The number of capture records written.
    """
    validate_name(name, "endpoint")
    validate_name(variant, "variant")
    capture.validate()
    model = load_model(model_path)
    try:
        server = EndpointServer(name, model, capture, variant=variant, host=host, port=port,
                                sync_capture=sync_capture or capture.synchronous)
    except OSError as error:
        raise AppError(f"Endpoint {name} cannot listen on {host}:{port}: "
                       f"{error.strerror or error}.") from None
    log.info("endpoint %s serving %s on %s (capture %s)", name, model_path, server.url,
             f"{capture.sampling_percentage:g}% to {capture.destination}"
             if capture.enable else "off")
    try:
        server.start()
        if health_file:  # before the port file: a deployer that sees the port finds the health
            _report_health(server, health_file, running=True)
        if port_file:
            atomic.write_text(port_file, str(server.port))
        while not stop.wait(HEALTH_INTERVAL_SECONDS if health_file else 0.5):
            if not server.running:  # the exception is in the log; the deployer sees the exit
                raise AppError(f"Endpoint {name} stopped serving unexpectedly.")
            if health_file:
                _report_health(server, health_file, running=True)
        log.info("endpoint %s stopping", name)
    finally:
        server.stop()  # drains within limits.drain_timeout, then writes every queued record
        if health_file:
            _report_health(server, health_file, running=False)
    if server.writer is None:
        log.info("endpoint %s stopped (capture off)", name)
        return 0
    stats = server.writer.stats()
    log.log(logging.ERROR if stats.failed else logging.INFO,
            "endpoint %s stopped; %d requests answered, %d capture records written, %d lost",
            name, stats.answered, stats.captured, stats.failed)
    return stats.captured


def _report_health(server: EndpointServer, path: str | Path, *, running: bool) -> None:
    stats = server.writer.stats().to_dict() if server.writer is not None else None
    try:
        write_health(path, stats, running=running)
    except OSError as error:  # the endpoint keeps serving; its status shows the gap
        log.warning("could not write %s: %s", path, error)
