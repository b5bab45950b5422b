"""``main.py serve``: run one endpoint server in this process (what ``deploy`` starts)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading

from cli.arg_types import percentage, port
from core.errors import AppError, ValidationError
from core.names import validate_name
from core.serving.config import CaptureConfig
from core.serving.process import run_endpoint


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve a model over HTTP with data capture (runs until stopped)",
        description="Serve an XGBoost model on 127.0.0.1 with SageMaker's /ping, /invocations "
                    "and /endpoints/NAME/invocations routes. SIGTERM or Ctrl-C stops it "
                    "gracefully (every captured record is written first).")
    parser.add_argument("--name", required=True, help="endpoint name")
    parser.add_argument("--model", required=True, help="model.tar.gz or an XGBoost model file")
    parser.add_argument("--port", type=port, default=0, help="port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="AllTraffic", help="production variant name")
    parser.add_argument("--capture-dest", help="capture folder; turns data capture on")
    parser.add_argument("--sampling", type=percentage, default=100.0,
                        help="percentage of requests to capture (default 100)")
    parser.add_argument("--capture", default="input,output",
                        help="what to capture: input, output or input,output")
    parser.add_argument("--capture-config", help="a CaptureConfig as JSON (overrides the above)")
    parser.add_argument("--sync-capture", action="store_true",
                        help="answer a captured request only after its record is written")
    parser.add_argument("--refuse-when-capture-fails", action="store_true",
                        help="answer 503 while capture records cannot be written")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--health-file", help="keep capture counts and state in this file")
    parser.add_argument("--log-level", default="INFO")
    parser.set_defaults(handler=run)


def capture_from_args(args) -> CaptureConfig:
    if args.capture_config:
        try:
            data = json.loads(args.capture_config)
        except ValueError as error:
            raise ValidationError(f"--capture-config is not JSON: {error}.") from None
        if not isinstance(data, dict):
            raise ValidationError("--capture-config must be a JSON object.")
        return CaptureConfig.from_dict(data)
    modes = {m.strip().lower() for m in args.capture.split(",")}
    return CaptureConfig(enable=bool(args.capture_dest), sampling_percentage=args.sampling,
                         capture_input="input" in modes, capture_output="output" in modes,
                         destination=args.capture_dest or "",
                         synchronous=args.sync_capture,
                         refuse_when_failing=args.refuse_when_capture_fails)


def run(args) -> int:
    validate_name(args.name, "endpoint", where="--name")
    validate_name(args.variant, "variant", where="--variant")
    # This process is the server: it owns its logging (to the deployer's log file).
    logging.basicConfig(level=args.log_level.upper(), force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_endpoint(args.name, args.model, capture_from_args(args), stop=stop, port=args.port,
                 host=args.host, variant=args.variant, port_file=args.port_file,
                 sync_capture=args.sync_capture, health_file=args.health_file)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m cli.serve_cmd ...`` = ``python main.py serve ...`` without loading the other
    subcommands, so an endpoint process starts faster and holds less memory."""
    parser = argparse.ArgumentParser(prog="main.py")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run(args)
    except AppError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    code = main()
    # Capture is closed and fsync'd by now: skip tearing down the ~1,500 modules XGBoost pulls
    # in (seconds on a busy machine), so that undeploy ends within its 5 s.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
