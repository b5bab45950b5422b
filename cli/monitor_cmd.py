"""``main.py monitor``: one monitoring execution over captured traffic (or a dataset), headless.

Prints the container's status line; exit code 0 for Completed and CompletedWithViolations,
2 for Failed (then the status line goes to stderr, like every other error).
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli.arg_types import fraction, non_negative_number, positive_seconds
from core.errors import ValidationError
from core.monitoring.capture_errors import DEFAULT_MAX_BAD_RECORD_SHARE, validate_share
from core.names import validate_name, validate_optional_name

_EVERYTHING = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "monitor", help="check a window of captured traffic against a baseline",
        description="Run one data-quality monitoring execution, as SageMaker's analyzer does: "
                    "profile the window, check it against the baseline, and write "
                    "statistics.json, constraints.json and constraint_violations.json under "
                    "OUTPUT/ENDPOINT/SCHEDULE/yyyy/mm/dd/HH (the scheduled hour = --end; a "
                    "later report for the same hour goes beside it, HH-MM-SS, never over it).")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--capture", help="capture folder ({endpoint}/{variant}/yyyy/mm/dd/hh)")
    source.add_argument("--dataset", help="a CSV or JSON Lines dataset instead of capture")
    parser.add_argument("--no-header", action="store_true", help="the CSV dataset has no header")
    parser.add_argument("--statistics", required=True, help="baseline statistics.json")
    parser.add_argument("--constraints", required=True, help="baseline constraints.json")
    parser.add_argument("--output", required=True, help="reports root folder")
    parser.add_argument("--start", help="window start, ISO-8601 UTC (default: --end minus 1 h)")
    parser.add_argument("--end", help="window end, ISO-8601 UTC (default: with no --start, "
                                      "every record is read and the report goes under the "
                                      "current hour)")
    parser.add_argument("--endpoint",
                        help="endpoint name (also narrows the capture folder)")
    parser.add_argument("--schedule", default="local-monitoring",
                        help="schedule name")
    parser.add_argument("--preprocessor", help="record preprocessor script")
    parser.add_argument("--postprocessor", help="post-analytics processor script")
    parser.add_argument("--timeout", type=positive_seconds, default=60.0,
                        help="seconds a script may spend on one record (default 60)")
    parser.add_argument("--max-runtime", type=float, default=3600.0,
                        help="seconds the scripts of this execution may take in total; at the "
                             "limit they and every process they started are stopped and the "
                             "execution fails (default 3600, a schedule's default)")
    parser.add_argument("--script-memory", type=int, metavar="MB",
                        help="address space each script process may use, in MB (default 2048; "
                             "0: no limit)")
    parser.add_argument("--script-logs", metavar="DIR",
                        help="keep the scripts' logs here (default: a folder of its own per "
                             "execution in the app's log folder)")
    parser.add_argument("--workspace", help="store the execution's metrics in this workspace")
    parser.add_argument("--max-bad-record-share", type=bad_record_share,
                        default=DEFAULT_MAX_BAD_RECORD_SHARE, metavar="SHARE",
                        help="capture records that cannot be read are skipped and counted; "
                             "the execution fails when they are more than this share of the "
                             "window (0 to 1, or a percentage like 2%%; default 0.01)")
    extra = parser.add_argument_group(
        "checks beyond SageMaker (always in drift_report.json; violations only when set)")
    extra.add_argument("--psi-threshold", type=non_negative_number,
                       help="psi_drift_check above this PSI")
    extra.add_argument("--js-threshold", type=fraction,
                       help="js_drift_check above this Jensen-Shannon distance")
    extra.add_argument("--null-rate-threshold", type=fraction,
                       help="null_rate_check when the share of missing values rises by more")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from core.checks.drift_report import ExtraChecks
    from core.datasets.reader import DatasetSpec
    from core.monitoring.execution import FAILED, MonitoringRequest, run_monitoring

    if Path(args.output).exists() and not Path(args.output).is_dir():
        raise ValidationError(f"--output {args.output} is a file; expected the reports folder.")
    if args.workspace and Path(args.workspace).exists() and not Path(args.workspace).is_dir():
        raise ValidationError(f"--workspace {args.workspace} is a file; expected a workspace "
                              "folder.")
    validate_optional_name(args.endpoint, "endpoint", where="--endpoint")
    validate_name(args.schedule, "schedule", where="--schedule")
    start, end = _parse_time(args.start, "--start"), _parse_time(args.end, "--end")
    _check_script_limits(args)
    now_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    if start is None and end is None:
        scheduled, start, end = now_hour, *_EVERYTHING
    else:
        scheduled = end or now_hour
        if start is not None and start >= (end or start + timedelta(hours=1)):
            raise ValidationError(f"--start {args.start} is not before --end {args.end}; the "
                                  "window would hold no records.")
    thresholds = (args.psi_threshold, args.js_threshold, args.null_rate_threshold)
    extra = ExtraChecks(*thresholds) if any(t is not None for t in thresholds) else None
    dataset = DatasetSpec(args.dataset, header=not args.no_header) if args.dataset else None
    request = MonitoringRequest(
        statistics_path=args.statistics, constraints_path=args.constraints,
        output_root=args.output, endpoint_name=args.endpoint, schedule_name=args.schedule,
        scheduled_time=scheduled, window_start=start, window_end=end,
        capture_root=args.capture, dataset=dataset, preprocessor_path=args.preprocessor,
        postprocessor_path=args.postprocessor, script_timeout_s=args.timeout, extra_checks=extra,
        max_runtime_s=args.max_runtime, script_log_dir=args.script_logs,
        max_bad_record_share=args.max_bad_record_share,
        **({} if args.script_memory is None else {"script_memory_mb": args.script_memory}))
    result = run_monitoring(request)
    if result.status == FAILED:
        print(result.status_message, file=sys.stderr)
        return 2
    print(result.status_message)
    skipped = f", {result.capture_errors} skipped" if result.capture_errors else ""
    print(f"report: {result.report_dir}  ({result.item_count} records{skipped}, "
          f"{result.seconds:.2f} s)")
    if args.workspace and result.metrics:
        from core.workspace.store import Workspace

        with Workspace.open(args.workspace) as workspace:
            workspace.add_metric_points(result.metrics)
    return 0


def _parse_time(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValidationError(f"{option} {text!r} is not an ISO-8601 time "
                              "(e.g. 2024-03-05T10:00:00Z).") from error
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _check_script_limits(args) -> None:
    if not (args.max_runtime > 0 and math.isfinite(args.max_runtime)):
        raise ValidationError(f"--max-runtime {args.max_runtime:g} is not a positive number of "
                              "seconds.")
    if args.script_memory is not None and args.script_memory < 0:
        raise ValidationError(f"--script-memory {args.script_memory} is negative; give MB, or 0 "
                              "for no limit.")


def bad_record_share(text: str) -> float:
    """``--max-bad-record-share``: a share from 0 to 1, or a percentage such as ``2%``."""
    value = text.strip()
    try:
        share = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        share = value
    try:
        return validate_share(share, "--max-bad-record-share")
    except ValidationError as error:
        raise argparse.ArgumentTypeError(str(error).replace(repr(share), repr(text))) from error
