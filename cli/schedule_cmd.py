"""``main.py schedule create|list|describe|start|stop|delete|run-now``: monitoring schedules."""

from __future__ import annotations

from datetime import UTC, datetime

from cli.arg_types import positive_int
from cli.common import print_table, workspace_action
from cli.monitor_cmd import bad_record_share
from core.formats.cron import (
    DEFAULT_WINDOW_END,
    DEFAULT_WINDOW_START,
    CronExpressionGenerator,
    next_runs,
)
from core.errors import ValidationError
from core.names import validate_name, validate_optional_name
from core.workspace.store import Workspace
from core.workspace.schedules import SCHEDULED, STOPPED, ScheduleRecord



def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "schedule", help="create and manage monitoring schedules",
        description="Monitoring schedules: when executions run, over which window of an "
                    "endpoint's captured traffic, against which baseline. Times are UTC.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = _action(actions, "create", "add a schedule", _create)
    create.add_argument("--endpoint", required=True, help="endpoint whose capture is monitored")
    create.add_argument("--baseline", default="", help="baseline name in the workspace")
    create.add_argument("--statistics", default="", help="baseline statistics.json (no --baseline)")
    create.add_argument("--constraints", default="", help="baseline constraints.json")
    create.add_argument("--cron", default=CronExpressionGenerator.hourly(),
                        help="NOW, cron(0 * ? * * *) (hourly, the default), cron(0 H ? * * *), "
                             "cron(0 H/N ? * * *), or a 5-field cron like '*/10 * * * *'")
    create.add_argument("--window-start", default=DEFAULT_WINDOW_START,
                        help=f"analysis window start offset, written with '=' as in "
                             f"--window-start=-PT2H (default {DEFAULT_WINDOW_START})")
    create.add_argument("--window-end", default=DEFAULT_WINDOW_END,
                        help=f"analysis window end offset, e.g. --window-end=-PT1H "
                             f"(default {DEFAULT_WINDOW_END})")
    create.add_argument("--preprocessor", default="", help="record preprocessor script")
    create.add_argument("--postprocessor", default="", help="post-analytics processor script")
    create.add_argument("--max-runtime", type=positive_int, default=3600,
                        help="seconds after which an execution is Stopped (default 3600)")
    create.add_argument("--no-metrics", action="store_true", help="do not record metrics")
    create.add_argument("--max-bad-record-share", type=bad_record_share, default=0.01,
                        metavar="SHARE",
                        help="fail an execution when more than this share of its capture "
                             "records cannot be read (0 to 1 or e.g. 2%%; default 0.01)")
    create.add_argument("--stopped", action="store_true", help="create it stopped")

    update = _action(actions, "update", "change some settings of a schedule", _update)
    for flag, help_text in (("--cron", "new schedule expression"),
                            ("--baseline", "new baseline name (its two files replace the old)"),
                            ("--window-start", "new window start, e.g. --window-start=-PT2H"),
                            ("--window-end", "new window end, e.g. --window-end=-PT0H"),
                            ("--preprocessor", "record preprocessor script ('' for none)"),
                            ("--postprocessor", "post-analytics script ('' for none)")):
        update.add_argument(flag, help=help_text)
    update.add_argument("--max-runtime", type=positive_int, help="new maximum runtime in seconds")
    update.add_argument("--max-bad-record-share", type=bad_record_share, metavar="SHARE",
                        help="new tolerated share of unreadable capture records")

    _action(actions, "list", "list schedules", _list, named=False)
    _action(actions, "describe", "show one schedule, its next runs and latest executions",
            _describe)
    _action(actions, "start", "let a stopped schedule run again", _start)
    _action(actions, "stop", "stop starting new executions", _stop)
    _action(actions, "delete", "delete a schedule (its execution history stays)", _delete)
    run_now = _action(actions, "run-now", "run an execution of the schedule now", _run_now)
    run_now.add_argument("--queue", action="store_true",
                         help="only queue it for the running scheduler, do not wait")


def _action(actions, name: str, help_text: str, handler, *, named: bool = True):
    if named:  # every action on one schedule starts by checking its name
        handler = _checking_name(handler)
    parser = workspace_action(actions, name, help_text, handler,
                              description=help_text[0].upper() + help_text[1:] + ".")
    if named:
        parser.add_argument("name", help="schedule name")
    return parser


def _check_baseline_files(statistics: str, constraints: str) -> None:
    """A broken baseline file is refused now, not at the first execution an hour later."""
    from core.formats.constraints import read_constraints
    from core.formats.statistics import read_statistics

    if statistics:
        read_statistics(statistics)
    if constraints:
        read_constraints(constraints)


def _checking_name(handler):
    def checked(args) -> int:
        validate_name(args.name, "schedule")
        return handler(args)
    return checked


def _create(args) -> int:
    validate_name(args.endpoint, "endpoint", where="--endpoint")
    validate_optional_name(args.baseline, "baseline", where="--baseline")
    _check_baseline_files(args.statistics, args.constraints)
    record = ScheduleRecord(
        name=args.name, endpoint=args.endpoint, expression=args.cron,
        statistics_path=args.statistics, constraints_path=args.constraints,
        baseline=args.baseline, window_start=args.window_start, window_end=args.window_end,
        status=STOPPED if args.stopped else SCHEDULED, preprocessor_path=args.preprocessor,
        postprocessor_path=args.postprocessor, max_runtime_s=args.max_runtime,
        publish_metrics=not args.no_metrics, max_bad_record_share=args.max_bad_record_share)
    with Workspace.open(args.workspace) as ws:
        created = ws.create_schedule(record)
        known = ws.get_endpoint(created.endpoint) is not None
    print(f"Created schedule {created.name} ({created.status}, {created.expression}).")
    if not known:
        print(f"Note: this workspace has no endpoint {created.endpoint} yet; its executions "
              f"fail with 'Job inputs had no data' until its traffic is captured.")
    return 0


_UPDATE_FIELDS = {"cron": "expression", "baseline": "baseline", "window_start": "window_start",
                  "window_end": "window_end", "preprocessor": "preprocessor_path",
                  "postprocessor": "postprocessor_path", "max_runtime": "max_runtime_s",
                  "max_bad_record_share": "max_bad_record_share"}


def _update(args) -> int:
    changes = {field: getattr(args, arg) for arg, field in _UPDATE_FIELDS.items()
               if getattr(args, arg) is not None}
    validate_optional_name(args.baseline, "baseline", where="--baseline")
    if not changes:
        raise ValidationError("Nothing to change: give at least one of --cron, --baseline, "
                              "--window-start, --window-end, --preprocessor, --postprocessor, "
                              "--max-runtime, --max-bad-record-share.")
    with Workspace.open(args.workspace) as ws:
        updated = ws.update_schedule(args.name, **changes)
    print(f"Updated schedule {updated.name} ({updated.status}, {updated.expression}, window "
          f"{updated.window_start} to {updated.window_end}).")
    return 0


def _list(args) -> int:
    with Workspace.open(args.workspace) as ws:
        schedules = ws.list_schedules()
    if not schedules:
        print("No schedules.")
        return 0
    rows = [("NAME", "STATUS", "EXPRESSION", "ENDPOINT", "BASELINE", "NEXT RUN (UTC)")]
    now = datetime.now(UTC)
    for s in schedules:
        upcoming = next_runs(s.expression, now, 1) if s.status == SCHEDULED else []
        rows.append((s.name, s.status, s.expression, s.endpoint, s.baseline or "-",
                     f"{upcoming[0]:%Y-%m-%d %H:%M}" if upcoming else "-"))
    print_table(rows)
    return 0


def _describe(args) -> int:
    with Workspace.open(args.workspace) as ws:
        s = ws.require_schedule(args.name)
        latest = ws.list_executions(s.name, limit=5)
    for label, value in (("Name", s.name), ("Status", s.status), ("Expression", s.expression),
                         ("Endpoint", s.endpoint), ("Baseline", s.baseline or "-"),
                         ("Statistics", s.statistics_path), ("Constraints", s.constraints_path),
                         ("Window", f"{s.window_start} to {s.window_end}"),
                         ("Preprocessor", s.preprocessor_path or "-"),
                         ("Postprocessor", s.postprocessor_path or "-"),
                         ("Max runtime", f"{s.max_runtime_s} s"),
                         ("Metrics", "recorded" if s.publish_metrics else "off"),
                         ("Bad records", f"up to {s.max_bad_record_share:.2%} tolerated")):
        print(f"{label + ':':15}{value}")
    if s.status == SCHEDULED:
        runs = next_runs(s.expression, datetime.now(UTC), 5)
        print(f"{'Next runs:':15}" + (", ".join(f"{r:%Y-%m-%d %H:%M}" for r in runs) or "-"))
    print("Latest executions:" if latest else "No executions yet.")
    for e in latest:
        print(f"  {e.id:>5}  {e.scheduled_time:%Y-%m-%d %H:%M}  {e.status}"
              f"{'  ' + e.failure_reason if e.failure_reason else ''}")
    return 0


def _start(args) -> int:
    with Workspace.open(args.workspace) as ws:
        print(f"Schedule {ws.start_schedule(args.name).name} is Scheduled.")
    return 0


def _stop(args) -> int:
    with Workspace.open(args.workspace) as ws:
        print(f"Schedule {ws.stop_schedule(args.name).name} is Stopped.")
    return 0


def _delete(args) -> int:
    with Workspace.open(args.workspace) as ws:
        ws.require_schedule(args.name)
        ws.delete_schedule(args.name)
    print(f"Deleted schedule {args.name}; its executions stay listed.")
    return 0


def _run_now(args) -> int:
    from core.scheduling.scheduler import Scheduler, workspace_has_scheduler

    with Workspace.open(args.workspace) as ws:
        if args.queue or workspace_has_scheduler(ws.root):
            queued = ws.run_now(args.name)
            print(f"Queued execution {queued.id} of {args.name}; the scheduler driving this "
                  f"workspace will run it.")
            return 0
        with Scheduler(ws) as scheduler:
            done = scheduler.run_now(args.name)
    print(f"Execution {done.id} of {args.name}: {done.status}"
          f"{' - ' + done.failure_reason if done.failure_reason else ''}")
    if done.report_dir:
        print(f"Report: {done.report_dir}")
    return 0 if done.status in ("Completed", "CompletedWithViolations") else 1
