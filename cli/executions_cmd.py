"""``main.py executions list|describe|stop``: monitoring executions and their outcomes."""

from __future__ import annotations

import json

from cli.arg_types import positive_int
from cli.common import print_table, workspace_action
from core.errors import ValidationError
from core.names import validate_optional_name
from core.workspace.store import Workspace


def register(subparsers) -> None:
    parser = subparsers.add_parser("executions", help="list monitoring executions",
                                   description="Monitoring executions, newest first.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = workspace_action(actions, "list", "list executions", _list)
    listing.add_argument("--schedule", help="only this schedule's executions")
    listing.add_argument("--status", help="only executions with this status")
    listing.add_argument("--limit", type=positive_int, default=50,
                         help="at most this many (default 50)")
    listing.add_argument("--json", action="store_true",
                         help="print SageMaker's ListMonitoringExecutions response shape")
    describe = workspace_action(actions, "describe", "show one execution", _describe)
    describe.add_argument("id", type=int, help="execution id")
    stop = workspace_action(actions, "stop", "stop a pending or running execution", _stop)
    stop.add_argument("id", type=int, help="execution id")


def _list(args) -> int:
    validate_optional_name(args.schedule, "schedule", where="--schedule")
    with Workspace.open(args.workspace) as ws:
        executions = ws.list_executions(args.schedule, status=args.status, limit=args.limit)
        if args.schedule and not executions and ws.get_schedule(args.schedule) is None:
            ws.require_schedule(args.schedule)  # names the schedules that do exist
    if args.json:
        summaries = [execution_summary(e) for e in executions]
        print(json.dumps({"MonitoringExecutionSummaries": summaries}, indent=2))
        return 0
    if not executions:
        print("No executions.")
        return 0
    rows = [("ID", "SCHEDULE", "SCHEDULED (UTC)", "WINDOW (UTC)", "STATUS", "VIOLATIONS",
             "FAILURE REASON")]
    for e in executions:
        rows.append((e.id, e.schedule, f"{e.scheduled_time:%Y-%m-%d %H:%M}",
                     f"{e.window_start:%m-%d %H:%M} to {e.window_end:%m-%d %H:%M}", e.status,
                     e.violation_count, e.failure_reason.splitlines()[0] if e.failure_reason
                     else ""))
    print_table(rows)
    return 0


def execution_summary(e) -> dict:
    """An execution as SageMaker's ``MonitoringExecutionSummary`` (plus the local report)."""
    summary = {"MonitoringScheduleName": e.schedule, "ScheduledTime": _iso(e.scheduled_time),
               "CreationTime": _iso(e.created_at), "LastModifiedTime": _iso(
                   e.ended_at or e.started_at or e.created_at),
               "MonitoringExecutionStatus": e.status, "EndpointName": e.endpoint,
               "MonitoringType": "DataQuality"}
    if e.failure_reason:
        summary["FailureReason"] = e.failure_reason
    if e.report_dir:
        summary["ReportPath"] = e.report_dir
    summary["CaptureErrors"] = e.capture_errors  # capture records skipped as unreadable
    return summary


def _iso(when) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _describe(args) -> int:
    with Workspace.open(args.workspace) as ws:
        e = ws.get_execution(args.id)
    if e is None:
        raise ValidationError(f"No execution with id {args.id}.")
    for label, value in (("Id", e.id), ("Schedule", e.schedule), ("Endpoint", e.endpoint),
                         ("Trigger", e.trigger), ("Scheduled", e.scheduled_time),
                         ("Window", f"{e.window_start} to {e.window_end}"), ("Status", e.status),
                         ("Message", e.status_message or "-"),
                         ("Failure reason", e.failure_reason or "-"),
                         ("Records", e.item_count), ("Capture errors", e.capture_errors),
                         ("Violations", e.violation_count),
                         ("By check", ", ".join(f"{k}: {v}" for k, v in
                                                e.violation_counts.items()) or "-"),
                         ("Report", e.report_dir or "-"), ("Started", e.started_at or "-"),
                         ("Ended", e.ended_at or "-")):
        print(f"{label + ':':16}{value}")
    return 0


def _stop(args) -> int:
    with Workspace.open(args.workspace) as ws:
        e = ws.stop_execution(args.id)
    print(f"Execution {e.id} is {e.status}.")
    return 0
