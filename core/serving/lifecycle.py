"""Deploy, watch and stop local endpoints; the workspace remembers them across app restarts.

An endpoint is a ``main.py serve`` process in its own session, so it outlives a busy or closed
GUI. Status follows SageMaker's words: Creating, InService, Failed, Deleted, plus Degraded:
serving, but its capture records cannot be written (the reason and the counts say why; see
:mod:`core.serving.health`).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.errors import AppError, ValidationError
from core.names import contained, validate_name
from core.progress import CancelToken, Progress, ProgressFn, no_progress
from core.serving.config import CaptureConfig
from core.serving.health import HEALTH_FILE, read_health, remove_health
from core.serving.server import ENDPOINT_HEADER
from core.workspace.store import EndpointRecord, Workspace

log = logging.getLogger(__name__)

__all__ = ["CaptureConfig", "DeploymentError", "deploy_local", "undeploy", "refresh_endpoints",
           "validate_endpoint_name", "endpoint_folder", "ping", "capture_health"]

CREATING, IN_SERVICE, FAILED, DELETED = "Creating", "InService", "Failed", "Deleted"
DEGRADED = "Degraded"  # serving, but capture records cannot be written
RUNNING = (CREATING, IN_SERVICE, DEGRADED)
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_children: dict[int, subprocess.Popen] = {}  # servers this process started, reaped on exit


class DeploymentError(AppError):
    """An endpoint could not be started or stopped."""


def validate_endpoint_name(name: str) -> str:
    """SageMaker's rule: 1-63 letters, digits and hyphens, not starting or ending in one."""
    return validate_name(name, "endpoint")


def endpoint_folder(workspace: Workspace, name: str) -> Path:
    """Where an endpoint's server log, port file and health file live."""
    return contained(Path(workspace.root) / "endpoints", validate_name(name, "endpoint"))


def capture_health(workspace: Workspace, name: str) -> dict | None:
    """The endpoint's latest capture counts and state (``core.serving.health``), if any.

    Keys: answered, captured, failed, retrying, refused, state, reason; plus ``running`` (False
    once the server stopped: the counts are final) and ``updated`` (seconds since the epoch).
    None when capture is off or the endpoint never started.
    """
    document = read_health(endpoint_folder(workspace, name) / HEALTH_FILE)
    if document is None or document.get("capture") is None:
        return None
    return {**document["capture"], "running": bool(document.get("running")),
            "updated": document.get("updated")}


def deploy_local(workspace: Workspace, name: str, model_path: str | Path,
                 capture: CaptureConfig, port: int | None = None, *,
                 variant: str = "AllTraffic", timeout: float = 60.0,
                 sync_capture: bool = False, progress: ProgressFn = no_progress,
                 cancel: CancelToken | None = None) -> EndpointRecord:
    """Start a local endpoint process and wait until ``/ping`` answers.

    Args:
        workspace: where the endpoint is remembered; capture defaults to its ``capture/``.
        name: endpoint name (SageMaker's rules).
        model_path: ``model.tar.gz`` holding ``xgboost-model``, or a plain model file.
        capture: data capture settings; an empty destination means the workspace's.
        port: the port to listen on; None picks a free one.
        variant: production variant name.
        timeout: seconds to wait for the server to answer ``/ping``.
        sync_capture: answer a captured request only once its record is written (see
            :mod:`core.serving.capture_writer`); by default records are queued and written
            within milliseconds, and a graceful stop writes them all. The same as
            ``capture.synchronous``.

    Returns:
        The InService record (Degraded if its capture destination is not writable).

    Raises:
        DeploymentError: the server did not come up (its log is in the message);
            the record is left Failed with the reason.
    """
    validate_name(name, "endpoint")
    validate_name(variant, "variant")
    model_path = Path(model_path).resolve()
    if not model_path.is_file():
        raise ValidationError(f"Model artifact {model_path} does not exist.")
    capture = _with_destination(capture, workspace).validate()
    if sync_capture and not capture.synchronous:
        capture = CaptureConfig.from_dict({**capture.to_dict(), "synchronous": True})
    existing = workspace.get_endpoint(name)
    if existing and existing.status in RUNNING and _alive(existing.pid):
        raise ValidationError(f"Endpoint {name} is already running at {existing.url}.")
    folder = endpoint_folder(workspace, name)
    folder.mkdir(parents=True, exist_ok=True)
    port_file = folder / "server.port"
    port_file.unlink(missing_ok=True)
    remove_health(folder / HEALTH_FILE)  # the counts of an earlier run are not this one's
    workspace.upsert_endpoint(EndpointRecord(
        name=name, backend="local", status=CREATING, model_path=str(model_path), variant=variant,
        capture_config=capture.to_dict(), port=port, created_at=getattr(existing, "created_at",
                                                                        None)))
    progress(Progress(0, 3, f"Starting {name}"))
    proc = _spawn(name, model_path, capture, port or 0, variant, folder)
    workspace.update_endpoint(name, pid=proc.pid)
    try:
        bound = _wait_ready(proc, name, port_file, timeout, progress, cancel)
    except BaseException as error:
        _terminate(proc.pid, grace=5.0)
        reason = str(error) if isinstance(error, AppError) else repr(error)
        workspace.update_endpoint(name, status=FAILED, failure_reason=reason, pid=None)
        if isinstance(error, DeploymentError):
            raise DeploymentError(f"{reason}\n{_log_tail(folder / 'server.log')}") from None
        raise
    url = f"http://127.0.0.1:{bound}"
    status, reason = _capture_status(workspace, name)
    workspace.update_endpoint(name, status=status, port=bound, url=url, failure_reason=reason)
    progress(Progress(3, 3, f"{name} is {status} at {url}" + (f": {reason}" if reason else "")))
    log.info("endpoint %s %s at %s (pid %d)", name, status, url, proc.pid)
    return workspace.get_endpoint(name)


def _capture_status(workspace: Workspace, name: str) -> tuple[str, str]:
    """(InService or Degraded, reason) from the running server's capture health."""
    health = capture_health(workspace, name)
    if health is not None and health.get("state") == DEGRADED:
        return DEGRADED, str(health.get("reason") or "Data capture is failing.")
    return IN_SERVICE, ""


def _with_destination(capture: CaptureConfig, workspace: Workspace) -> CaptureConfig:
    """An empty capture destination means the workspace's ``capture/`` folder."""
    if capture.destination:
        return capture
    return CaptureConfig.from_dict({**capture.to_dict(),
                                    "destination": str(workspace.capture_dir)})


def _spawn(name: str, model_path: Path, capture: CaptureConfig, port: int, variant: str,
           folder: Path) -> subprocess.Popen:
    if getattr(sys, "frozen", False):  # a packaged app runs its own executable
        command = [sys.executable, "serve"]
    else:  # the same as ``main.py serve`` without importing the other subcommands
        command = [sys.executable, "-m", "cli.serve_cmd"]
    command += ["--name", name, "--model", str(model_path), "--port", str(port),
                "--variant", variant, "--capture-config", json.dumps(capture.to_dict()),
                "--port-file", str(folder / "server.port"),
                "--health-file", str(folder / HEALTH_FILE)]
    with open(folder / "server.log", "ab") as log_file:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=str(_PROJECT_ROOT))
    _children[proc.pid] = proc
    return proc


def _wait_ready(proc: subprocess.Popen, name: str, port_file: Path, timeout: float,
                progress: ProgressFn, cancel: CancelToken | None) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cancel is not None:
            cancel.raise_if_cancelled()
        if proc.poll() is not None:
            raise DeploymentError(f"The server for {name} exited with code {proc.returncode} "
                                  f"before it was ready.")
        if port_file.exists():
            port = int(port_file.read_text())
            progress(Progress(2, 3, f"Waiting for {name} to answer /ping"))
            if ping(f"http://127.0.0.1:{port}", name):
                return port
        time.sleep(0.05)
    raise DeploymentError(f"The server for {name} did not answer /ping within {timeout:g} s.")


def ping(url: str, name: str | None = None, timeout: float = 2.0) -> bool:
    """True if ``GET {url}/ping`` answers 200 (from the endpoint called ``name``, if given)."""
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=timeout) as response:
            return response.status == 200 and (name is None or
                                               response.headers.get(ENDPOINT_HEADER) == name)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def undeploy(workspace: Workspace, name: str, *, timeout: float = 30.0) -> EndpointRecord:
    """Stop an endpoint gracefully (its capture is flushed) and mark it Deleted."""
    record = workspace.get_endpoint(validate_name(name, "endpoint"))
    if record is None:
        raise ValidationError(f"There is no endpoint called {name}.")
    if record.backend == "local" and _is_our_server(record.pid, name):
        _terminate(record.pid, grace=timeout)
    workspace.update_endpoint(name, status=DELETED, pid=None)
    return workspace.get_endpoint(name)


def refresh_endpoints(workspace: Workspace) -> list[EndpointRecord]:
    """Check every live local endpoint: a dead or silent server is marked Failed, one whose
    capture fails Degraded (and InService again once it recovers)."""
    for record in workspace.list_endpoints():
        if record.backend != "local" or record.status not in RUNNING:
            continue
        running = _is_our_server(record.pid, record.name)
        if record.status == CREATING and running:
            continue  # still starting, perhaps in another process
        if not running:
            status, reason = FAILED, f"The server process ({record.pid}) is no longer running."
        elif not ping(record.url, record.name):
            status, reason = FAILED, f"The server at {record.url} does not answer /ping."
        else:
            status, reason = _capture_status(workspace, record.name)
        if (status, reason) != (record.status, record.failure_reason):
            workspace.update_endpoint(record.name, status=status, failure_reason=reason)
    return workspace.list_endpoints()


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_server(pid: int | None, name: str) -> bool:
    """Alive and really this endpoint's server (a pid can be reused after a reboot)."""
    if not _alive(pid):
        return False
    if pid in _children:
        return True
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc here: trust the pid; /ping decides the status
    serving = any(arg in (b"serve", b"cli.serve_cmd") for arg in argv)
    return serving and name.encode() in argv


def _terminate(pid: int, grace: float) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it has not exited in ``grace`` s."""
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, signum)
        except (ProcessLookupError, PermissionError):
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        if not _alive(pid):
            break
    child = _children.pop(pid, None)
    if child is not None:
        child.wait(timeout=5)


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return "(no server log)"
    return f"Server log ({path}):\n" + "\n".join(text)
