"""``main.py monitor``: one monitoring execution over captured traffic (or a dataset), headless.

Prints the container's status line; exit code 0 for Completed and CompletedWithViolations,
2 for Failed.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from core.errors import ValidationError
from core.monitoring.capture_errors import DEFAULT_MAX_BAD_RECORD_SHARE, validate_share

_EVERYTHING = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "monitor", help="check a window of captured traffic against a baseline",
        description="Run one data-quality monitoring execution, as SageMaker's analyzer does: "
                    "profile the window, check it against the baseline, and write "
                    "statistics.json, constraints.json and constraint_violations.json under "
                    "OUTPUT/ENDPOINT/SCHEDULE/yyyy/mm/dd/HH (the scheduled hour = --end).")
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
    parser.add_argument("--endpoint", help="endpoint name (also narrows the capture folder)")
    parser.add_argument("--schedule", default="local-monitoring", help="schedule name")
    parser.add_argument("--preprocessor", help="record preprocessor script")
    parser.add_argument("--postprocessor", help="post-analytics processor script")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds a script may spend on one record (default 60)")
    parser.add_argument("--workspace", help="store the execution's metrics in this workspace")
    parser.add_argument("--max-bad-record-share", type=bad_record_share,
                        default=DEFAULT_MAX_BAD_RECORD_SHARE, metavar="SHARE",
                        help="capture records that cannot be read are skipped and counted; "
                             "the execution fails when they are more than this share of the "
                             "window (0 to 1, or a percentage like 2%%; default 0.01)")
    extra = parser.add_argument_group(
        "checks beyond SageMaker (always in drift_report.json; violations only when set)")
    extra.add_argument("--psi-threshold", type=float, help="psi_drift_check above this PSI")
    extra.add_argument("--js-threshold", type=float,
                       help="js_drift_check above this Jensen-Shannon distance")
    extra.add_argument("--null-rate-threshold", type=float,
                       help="null_rate_check when the share of missing values rises by more")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from core.checks.drift_report import ExtraChecks
    from core.datasets.reader import DatasetSpec
    from core.monitoring.execution import FAILED, MonitoringRequest, run_monitoring

    start, end = _parse_time(args.start, "--start"), _parse_time(args.end, "--end")
    now_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    if start is None and end is None:
        scheduled, start, end = now_hour, *_EVERYTHING
    else:
        scheduled = end or now_hour
    thresholds = (args.psi_threshold, args.js_threshold, args.null_rate_threshold)
    extra = ExtraChecks(*thresholds) if any(t is not None for t in thresholds) else None
    dataset = DatasetSpec(args.dataset, header=not args.no_header) if args.dataset else None
    request = MonitoringRequest(
        statistics_path=args.statistics, constraints_path=args.constraints,
        output_root=args.output, endpoint_name=args.endpoint, schedule_name=args.schedule,
        scheduled_time=scheduled, window_start=start, window_end=end,
        capture_root=args.capture, dataset=dataset, preprocessor_path=args.preprocessor,
        postprocessor_path=args.postprocessor, script_timeout_s=args.timeout, extra_checks=extra,
        max_bad_record_share=args.max_bad_record_share)
    result = run_monitoring(request)
    print(result.status_message)
    if result.status == FAILED:
        return 2
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
