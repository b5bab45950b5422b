"""``main.py deploy``, ``undeploy`` and ``endpoints``: local endpoints, headless."""

from __future__ import annotations

from cli.arg_types import percentage, port, positive_seconds
from cli.common import add_workspace_argument
from core.progress import Progress
from core.serving.config import CaptureConfig
from core.serving.lifecycle import deploy_local, refresh_endpoints, undeploy
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
    deploy.add_argument("--timeout", type=positive_seconds, default=60.0,
                        help="seconds to wait for the server to answer /ping")
    deploy.set_defaults(handler=run_deploy)

    stop = subparsers.add_parser("undeploy", help="stop a local endpoint (capture is flushed)")
    add_workspace_argument(stop)
    stop.add_argument("name", help="endpoint name")
    stop.set_defaults(handler=run_undeploy)

    listing = subparsers.add_parser("endpoints", help="list endpoints and their status")
    add_workspace_argument(listing)
    listing.set_defaults(handler=run_endpoints)


def run_deploy(args) -> int:
    modes = {m.strip().lower() for m in args.capture.split(",")}
    capture = CaptureConfig(enable=not args.no_capture, sampling_percentage=args.sampling,
                            capture_input="input" in modes, capture_output="output" in modes,
                            destination=args.capture_dest)
    with Workspace.open(args.workspace) as workspace:
        record = deploy_local(workspace, args.name, args.model, capture, args.port,
                              timeout=args.timeout, progress=_print_progress)
    print(f"{record.name} {record.status} {record.url} (pid {record.pid})")
    return 0


def run_undeploy(args) -> int:
    with Workspace.open(args.workspace) as workspace:
        record = undeploy(workspace, args.name)
    print(f"{record.name} {record.status}")
    return 0


def run_endpoints(args) -> int:
    with Workspace.open(args.workspace) as workspace:
        records = refresh_endpoints(workspace)
    if not records:
        print("no endpoints")
    for r in records:
        capture = r.capture_config or {}
        sampling = (f"capture {capture.get('sampling_percentage', 0):g}%"
                    if capture.get("enable") else "capture off")
        line = f"{r.name:30} {r.status:12} {r.url or '-':28} {sampling}"
        print(line + (f"  ({r.failure_reason})" if r.failure_reason else ""))
    return 0


def _print_progress(p: Progress) -> None:
    if p.message:
        print(p.message, flush=True)
