"""``main.py aws ...``: the AWS backend headless (settings from the settings file).

test-connection, deploy/undeploy SageMaker endpoints, baseline and monitor with the app's
engine over S3, managed schedules and executions, and open-execution (download a report).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from cli.arg_types import percentage
from core.names import validate_name, validate_optional_name
from core.progress import Progress


def register(subparsers) -> None:
    aws = subparsers.add_parser("aws", help="work with SageMaker, S3 and CloudWatch",
                                description="The AWS backend. Credentials come from the AWS "
                                            "profile chosen in the settings (never stored).")
    aws.add_argument("--settings", help="AWS settings file (default: the app's)")
    aws.add_argument("--profile", help="override the settings' AWS profile")
    aws.add_argument("--region", help="override the settings' region")
    commands = aws.add_subparsers(dest="aws_command", metavar="ACTION", required=True)
    _add(commands, "test-connection", run_test_connection, "check credentials, bucket, "
         "SageMaker and CloudWatch access")
    _add_settings_cmd(commands)
    deploy = _add(commands, "deploy", run_deploy, "deploy a model to a SageMaker endpoint")
    deploy.add_argument("--name", required=True)
    deploy.add_argument("--model", required=True, help="s3:// URI or local model.tar.gz")
    deploy.add_argument("--image", default="", help="container image (default: XGBoost)")
    deploy.add_argument("--instance-type", default="ml.m5.large")
    deploy.add_argument("--sampling", type=percentage, default=100.0)
    deploy.add_argument("--capture-dest", default="", help="s3:// capture destination")
    deploy.add_argument("--no-capture", action="store_true")
    undeploy = _add(commands, "undeploy", run_undeploy, "delete a SageMaker endpoint")
    undeploy.add_argument("name")
    baseline = _add(commands, "baseline", run_baseline, "baseline a dataset with the app's "
                    "engine (or --managed: a SageMaker baselining job)")
    baseline.add_argument("dataset", help="s3:// URI (file or prefix) or local path")
    baseline.add_argument("--output", required=True, help="s3:// folder for the two files")
    baseline.add_argument("--no-header", action="store_true")
    baseline.add_argument("--managed", action="store_true")
    monitor = _add(commands, "monitor", run_monitor, "run one monitoring execution over an "
                   "endpoint's S3 capture with the app's engine")
    for name in ("endpoint", "schedule", "statistics", "constraints", "capture", "output"):
        monitor.add_argument(f"--{name}", required=True)
    monitor.add_argument("--scheduled-time", help="ISO time (default: this hour)")
    monitor.add_argument("--no-metrics", action="store_true")
    schedules = _add(commands, "schedules", run_schedules, "list managed schedules")
    schedules.add_argument("--endpoint", default="")
    _add_schedule_cmd(commands)
    executions = _add(commands, "executions", run_executions, "list a schedule's executions")
    executions.add_argument("schedule")
    opened = _add(commands, "open-execution", run_open_execution, "download an execution's "
                  "report by processing job ARN or s3:// URI")
    opened.add_argument("location")
    opened.add_argument("--baseline", help="baseline statistics to compare with")


def _add_schedule_cmd(commands) -> None:
    """``aws schedule create|describe|start|stop|delete``: SageMaker's own monitoring
    schedules, for accounts that have Model Monitor."""
    parser = _add(commands, "schedule", None, "create, describe, start, stop or delete a "
                  "managed (SageMaker) monitoring schedule")
    actions = parser.add_subparsers(dest="schedule_action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a data-quality schedule on an endpoint")
    create.set_defaults(handler=run_schedule_create)
    create.add_argument("name")
    for option in ("endpoint", "statistics", "constraints"):
        create.add_argument(f"--{option}", required=True,
                            help=None if option == "endpoint" else f"s3:// {option}.json")
    create.add_argument("--cron", default="cron(0 * ? * * *)",
                        help="SageMaker's schedule expression (hourly by default, or NOW)")
    create.add_argument("--window-start", default="", help="e.g. -PT1H (required with NOW)")
    create.add_argument("--window-end", default="", help="e.g. -PT0H (required with NOW)")
    create.add_argument("--output", default="", help="s3:// results folder")
    create.add_argument("--instance-type", default="ml.m5.xlarge")
    create.add_argument("--max-runtime", type=int, default=3600, help="seconds")
    for action, handler, text in (("describe", run_schedule_describe, "show a schedule"),
                                  ("start", run_schedule_start, "start a stopped schedule"),
                                  ("stop", run_schedule_stop, "stop a schedule"),
                                  ("delete", run_schedule_delete,
                                   "delete a schedule and its job definition")):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("name")
        sub.set_defaults(handler=handler)


def _add(commands, name, handler, text):
    parser = commands.add_parser(name, help=text, description=text)
    parser.set_defaults(handler=handler)
    return parser


def _add_settings_cmd(commands) -> None:
    parser = _add(commands, "configure", run_configure, "write the AWS settings file")
    for name in ("role-arn", "bucket", "prefix", "endpoint-url"):
        parser.add_argument(f"--{name}")


def _settings(args):
    from core.config import load_settings

    settings = load_settings(args.settings)
    changes = {k: v for k, v in (("profile", args.profile), ("region", args.region)) if v}
    return settings.with_changes(**changes).validate()


def _progress(p: Progress) -> None:
    if p.message:
        print(f"\r{p.message[:100]:<100}", end="", file=sys.stderr, flush=True)


def run_configure(args) -> int:
    from core.config import load_settings, save_settings

    settings = load_settings(args.settings)
    changes = {field: value for field, value in (
        ("profile", args.profile), ("region", args.region), ("role_arn", args.role_arn),
        ("bucket", args.bucket), ("prefix", args.prefix), ("endpoint_url", args.endpoint_url))
        if value is not None}
    path = save_settings(settings.with_changes(**changes), args.settings)
    print(f"saved {path}")
    return 0


def run_test_connection(args) -> int:
    from core.backends.aws.connection import check_connection

    report = check_connection(_settings(args))
    print(report.text())
    return 0 if report.ok else 1


def run_deploy(args) -> int:
    from core.backends.aws.endpoints import deploy_endpoint
    from core.serving.config import CaptureConfig

    validate_name(args.name, "endpoint", where="--name")
    capture = CaptureConfig(enable=not args.no_capture, sampling_percentage=args.sampling,
                            destination=args.capture_dest)
    described = deploy_endpoint(_settings(args), args.name, args.model, capture,
                                image_uri=args.image, instance_type=args.instance_type,
                                progress=_progress)
    print(f"\n{described['EndpointName']} {described['EndpointStatus']}")
    return 0


def run_undeploy(args) -> int:
    from core.backends.aws.endpoints import delete_endpoint

    validate_name(args.name, "endpoint")
    delete_endpoint(_settings(args), args.name, progress=_progress)
    print(f"\n{args.name} deleted")
    return 0


def run_baseline(args) -> int:
    settings = _settings(args)
    if args.managed:
        from core.backends.aws.managed_monitor import suggest_baseline_managed

        result = suggest_baseline_managed(settings, args.dataset, output_uri=args.output,
                                          header=not args.no_header, progress=_progress)
    else:
        from core.backends.aws.engine_runs import suggest_baseline_s3

        result = suggest_baseline_s3(settings, args.dataset, args.output,
                                     header=not args.no_header, progress=_progress)
    print(f"\n{result.statistics_uri}\n{result.constraints_uri}")
    return 0


def run_monitor(args) -> int:
    from core.backends.aws.engine_runs import monitor_s3

    validate_name(args.endpoint, "endpoint", where="--endpoint")
    validate_name(args.schedule, "schedule", where="--schedule")
    scheduled = (datetime.fromisoformat(args.scheduled_time.replace("Z", "+00:00"))
                 if args.scheduled_time else datetime.now(UTC).replace(minute=0, second=0,
                                                                       microsecond=0))
    run = monitor_s3(_settings(args), endpoint=args.endpoint, schedule=args.schedule,
                     statistics=args.statistics, constraints=args.constraints,
                     capture=args.capture, output=args.output, scheduled_time=scheduled,
                     publish_metrics=False if args.no_metrics else None, progress=_progress)
    print(f"\n{run.result.status_message}")
    if run.report_uri:
        print(f"report: {run.report_uri} ({run.metrics_published} metrics published)")
    return 0 if run.result.status != "Failed" else 1


def run_schedules(args) -> int:
    from core.backends.aws.managed_monitor import list_schedules

    validate_optional_name(args.endpoint, "endpoint", where="--endpoint")
    for row in list_schedules(_settings(args), args.endpoint):
        print(f"{row['MonitoringScheduleName']}\t{row['MonitoringScheduleStatus']}\t"
              f"{row.get('EndpointName', '')}")
    return 0


def run_schedule_create(args) -> int:
    from core.backends.aws.managed_monitor import ScheduleSpec, create_schedule
    from core.errors import ValidationError

    if args.max_runtime <= 0:
        raise ValidationError("--max-runtime must be a positive number of seconds.")
    spec = ScheduleSpec(name=args.name, endpoint=args.endpoint,
                        statistics_uri=args.statistics, constraints_uri=args.constraints,
                        cron=args.cron, window_start=args.window_start,
                        window_end=args.window_end, output_uri=args.output,
                        instance_type=args.instance_type, max_runtime_s=args.max_runtime)
    print(create_schedule(_settings(args), spec))
    return 0


def run_schedule_describe(args) -> int:
    from core.backends.aws.managed_monitor import describe_schedule

    described = describe_schedule(_settings(args), args.name)
    config = described.get("MonitoringScheduleConfig", {})
    print(f"{described['MonitoringScheduleName']}\t{described['MonitoringScheduleStatus']}\t"
          f"{described.get('EndpointName', '')}\t"
          f"{config.get('ScheduleConfig', {}).get('ScheduleExpression', '')}\t"
          f"{config.get('MonitoringJobDefinitionName', '')}")
    return 0


def run_schedule_start(args) -> int:
    from core.backends.aws.managed_monitor import start_schedule

    start_schedule(_settings(args), args.name)
    print(f"{args.name} started")
    return 0


def run_schedule_stop(args) -> int:
    from core.backends.aws.managed_monitor import stop_schedule

    stop_schedule(_settings(args), args.name)
    print(f"{args.name} stopped")
    return 0


def run_schedule_delete(args) -> int:
    from core.backends.aws.managed_monitor import delete_schedule

    delete_schedule(_settings(args), args.name)
    print(f"{args.name} deleted")
    return 0


def run_executions(args) -> int:
    from core.backends.aws.managed_monitor import list_executions

    validate_name(args.schedule, "schedule")
    for row in list_executions(_settings(args), args.schedule):
        print(f"{row.scheduled_time:%Y-%m-%d %H:%M}\t{row.status}\t{row.processing_job_arn}"
              f"\t{row.failure_reason}")
    return 0


def run_open_execution(args) -> int:
    from core.backends.aws.results import load_execution

    local = load_execution(args.location, _settings(args), baseline=args.baseline,
                           progress=_progress)
    print(f"\n{local.folder}")
    return 0
