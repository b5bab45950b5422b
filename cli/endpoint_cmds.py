"""``main.py deploy``, ``undeploy`` and ``endpoints``: local endpoints, headless."""

from __future__ import annotations

import json

from cli.arg_types import percentage, port, positive_seconds
from cli.common import add_workspace_argument, print_table
from core.names import validate_name
from core.progress import Progress
from core.serving.config import CaptureConfig
from core.serving.lifecycle import capture_health, deploy_local, refresh_endpoints, undeploy
from core.workspace.store import Workspace


def register(subparsers) -> None:
    if "deploy" in subparsers.choices:  # COMMANDS lists this module under three names
        return
    deploy = subparsers.add_parser(
        "deploy", help="start a local endpoint with data capture",
        description="Start a local endpoint process serving MODEL; it keeps running after "
                    "this command returns (stop it with 'undeploy').")
    add_workspace_argument(deploy)
    deploy.add_argument("--name", required=True, help="endpoint name")
    deploy.add_argument("--model", required=True, help="model.tar.gz or an XGBoost model file")
    deploy.add_argument("--port", type=port, help="port (default: a free one)")
    deploy.add_argument("--no-capture", action="store_true", help="turn data capture off")
    deploy.add_argument("--sampling", type=percentage, default=100.0,
                        help="percentage of requests to capture (default 100)")
    deploy.add_argument("--capture", default="input,output",
                        help="what to capture: input, output or input,output")
    deploy.add_argument("--capture-dest", default="",
                        help="capture folder (default: the workspace's capture/)")
    deploy.add_argument("--sync-capture", action="store_true",
                        help="answer a captured request only once its record is written "
                             "(no answered request is lost even if the server is killed)")
    deploy.add_argument("--refuse-when-capture-fails", action="store_true",
                        help="answer 503 while capture records cannot be written, instead of "
                             "answering requests whose records wait in memory for a retry")
    deploy.add_argument("--timeout", type=positive_seconds, default=60.0,
                        help="seconds to wait for the server to answer /ping")
    deploy.set_defaults(handler=run_deploy)

    stop = subparsers.add_parser("undeploy", help="stop a local endpoint (capture is flushed)")
    add_workspace_argument(stop)
    stop.add_argument("name", help="endpoint name")
    stop.set_defaults(handler=run_undeploy)

    listing = subparsers.add_parser(
        "endpoints", help="list endpoints, their status and capture counts",
        description="Endpoints with their status (Degraded: serving, but capture records "
                    "cannot be written) and, for local ones, requests answered and capture "
                    "records captured, failed (lost) and waiting for a retry.")
    add_workspace_argument(listing)
    listing.add_argument("--json", action="store_true", help="print the list as JSON")
    listing.set_defaults(handler=run_endpoints)


def run_deploy(args) -> int:
    validate_name(args.name, "endpoint", where="--name")
    modes = {m.strip().lower() for m in args.capture.split(",")}
    capture = CaptureConfig(enable=not args.no_capture, sampling_percentage=args.sampling,
                            capture_input="input" in modes, capture_output="output" in modes,
                            destination=args.capture_dest, synchronous=args.sync_capture,
                            refuse_when_failing=args.refuse_when_capture_fails)
    with Workspace.open(args.workspace) as workspace:
        record = deploy_local(workspace, args.name, args.model, capture, args.port,
                              timeout=args.timeout, progress=_print_progress)
    print(f"{record.name} {record.status} {record.url} (pid {record.pid})")
    return 0


def run_undeploy(args) -> int:
    validate_name(args.name, "endpoint")
    with Workspace.open(args.workspace) as workspace:
        record = undeploy(workspace, args.name)
    print(f"{record.name} {record.status}")
    return 0


def run_endpoints(args) -> int:
    with Workspace.open(args.workspace) as workspace:
        records = refresh_endpoints(workspace)
        health = {r.name: capture_health(workspace, r.name) for r in records
                  if r.backend == "local"}
    if args.json:
        print(json.dumps([_endpoint_json(r, health.get(r.name)) for r in records], indent=2))
        return 0
    if not records:
        print("no endpoints")
        return 0
    rows = [("NAME", "STATUS", "URL", "CAPTURE", "ANSWERED", "CAPTURED", "FAILED", "RETRYING")]
    for r in records:
        capture, counts = r.capture_config or {}, health.get(r.name)
        mode = (f"{capture.get('sampling_percentage', 0):g}%"
                f"{' sync' if capture.get('synchronous') else ''}"
                f"{' refuse' if capture.get('refuse_when_failing') else ''}"
                if capture.get("enable") else "off")
        numbers = [counts[k] if counts else "-" for k in
                   ("answered", "captured", "failed", "retrying")]
        rows.append((r.name, r.status, r.url or "-", mode, *numbers))
    print_table(rows)
    for r in records:
        if r.failure_reason:
            print(f"{r.name}: {r.failure_reason}")
    return 0


def _endpoint_json(record, counts: dict | None) -> dict:
    return {"EndpointName": record.name, "EndpointStatus": record.status,
            "Backend": record.backend, "Url": record.url or None,
            "FailureReason": record.failure_reason or None,
            "CaptureConfig": record.capture_config or {},
            "CaptureCounts": None if counts is None else
            {k: counts.get(k) for k in ("answered", "captured", "failed", "retrying", "refused",
                                        "state", "reason", "running")}}


def _print_progress(p: Progress) -> None:
    if p.message:
        print(p.message, flush=True)
