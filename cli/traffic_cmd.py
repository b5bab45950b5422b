"""``main.py traffic``: replay a CSV or JSON Lines file against an endpoint, with live counters."""

from __future__ import annotations

from cli.arg_types import non_negative_int, non_negative_number, positive_int
from cli.common import add_workspace_argument
from core.backends.aws.invoke import aws_traffic_target, is_aws_endpoint_url
from core.config import load_settings
from core.errors import ValidationError
from core.names import validate_optional_name
from core.serving.traffic import TrafficPlan, TrafficRunner, TrafficStats
from core.workspace.store import Workspace


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "traffic", help="send a file's rows to an endpoint",
        description="Replay a CSV (one row per request) or JSON Lines file against a local "
                    "endpoint (by --url, or by --endpoint in a workspace).")
    parser.add_argument("--file", required=True, help="CSV or .jsonl traffic file")
    parser.add_argument("--url", help="endpoint URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--endpoint", help="endpoint name (its URL comes from the workspace; "
                                           "with --url, the SageMaker Runtime route is used)")
    add_workspace_argument(parser)
    parser.add_argument("--rate", type=non_negative_number, default=0.0,
                        help="rows per second (default: as fast as it answers)")
    parser.add_argument("--concurrency", type=positive_int, default=1, help="parallel clients")
    parser.add_argument("--repeat", type=non_negative_int, default=1,
                        help="passes over the file; 0 runs until Ctrl-C")
    parser.add_argument("--inference-ids", action="store_true",
                        help="send an InferenceId (the row's sequence number) with each row")
    parser.set_defaults(handler=run)


def run(args) -> int:
    validate_optional_name(args.endpoint, "endpoint", where="--endpoint")
    url = args.url
    if not url:
        if not args.endpoint:
            raise ValidationError("Give --url or --endpoint.")
        with Workspace.open(args.workspace) as workspace:
            record = workspace.get_endpoint(args.endpoint)
        if record is None or not record.url:
            raise ValidationError(f"Endpoint {args.endpoint} has no URL in {args.workspace}; "
                                  f"deploy it first.")
        url = record.url
    target, on_finish = url, None
    if is_aws_endpoint_url(url):  # a SageMaker endpoint: through the SageMaker Runtime client
        target, on_finish = aws_traffic_target(load_settings(), args.endpoint)
    runner = TrafficRunner(TrafficPlan(
        target, args.file, rows_per_second=args.rate or None, concurrency=args.concurrency,
        repeat=args.repeat or None, inference_ids=args.inference_ids,
        endpoint_name=args.endpoint, on_finish=on_finish)).start()
    try:
        while not runner.wait(1.0):
            print(_line(runner.snapshot()), flush=True)
    except KeyboardInterrupt:
        runner.stop()
    stats = runner.snapshot()
    print(_line(stats))
    if stats.last_error:
        print(f"last error: {stats.last_error}")
    if runner.finish_error:
        print(f"error: client-side capture was not written: {runner.finish_error}")
        return 1
    return 0 if stats.errors == 0 else 1


def _line(s: TrafficStats) -> str:
    return (f"sent {s.sent}  errors {s.errors}  {s.rows_per_second:.0f} rows/s  "
            f"p50 {s.p50_ms:.1f} ms  p95 {s.p95_ms:.1f} ms  p99 {s.p99_ms:.1f} ms")


