"""Managed SageMaker Model Monitor, for accounts that still have it.

Baselines run as the SDK's ``DefaultModelMonitor.suggest_baseline`` processing job (the
``sagemaker.core`` SDK is imported only here, inside functions). Schedules are a data-quality
job definition plus a monitoring schedule; executions are listed oldest first like the SDK's
``list_executions()``, and each opens by its processing job ARN (``results.load_execution``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from core.backends.aws.errors import AwsError, aws_errors
from core.backends.aws.session import client, region_of, session
from core.config import AwsSettings
from core.errors import ValidationError
from core.progress import CancelToken, Progress, ProgressFn, no_progress
from core.backends.storage import Storage, join

log = logging.getLogger(__name__)

DEFAULT_INSTANCE_TYPE = "ml.m5.xlarge"
JOB_DONE = ("Completed", "Failed", "Stopped")


@dataclass(frozen=True)
class ManagedBaseline:
    job_name: str
    status: str
    statistics_uri: str
    constraints_uri: str


@dataclass(frozen=True)
class ScheduleSpec:
    """A data-quality schedule on an endpoint (SageMaker's defaults where empty)."""

    name: str
    endpoint: str
    statistics_uri: str
    constraints_uri: str
    cron: str = "cron(0 * ? * * *)"
    output_uri: str = ""  # default: s3://{bucket}/{prefix}/monitoring/{name}/results
    instance_type: str = DEFAULT_INSTANCE_TYPE
    window_start: str = ""  # e.g. "-PT1H"; required with NOW
    window_end: str = ""
    preprocessor_uri: str = ""
    postprocessor_uri: str = ""
    publish_metrics: bool = True
    max_runtime_s: int = 3600


@dataclass(frozen=True)
class ExecutionSummary:
    """One row of ListMonitoringExecutions."""

    schedule: str
    scheduled_time: datetime
    status: str
    processing_job_arn: str = ""
    failure_reason: str = ""
    endpoint: str = ""


def monitor_image_uri(region: str) -> str:
    """The ``sagemaker-model-monitor-analyzer`` image of ``region`` (resolved offline)."""
    from core.backends.aws.images import MODEL_MONITOR, image_uri

    return image_uri(MODEL_MONITOR, region)


def suggest_baseline_managed(settings: AwsSettings, dataset_uri: str, *, output_uri: str = "",
                             header: bool = True, instance_type: str = DEFAULT_INSTANCE_TYPE,
                             job_name: str = "", poll_s: float = 15.0,
                             timeout_s: float = 3600.0, progress: ProgressFn = no_progress,
                             cancel: CancelToken | None = None) -> ManagedBaseline:
    """Run SageMaker's baselining job on an S3 dataset and wait for its two files.

    Raises:
        AwsError: the job failed, or completed without writing statistics/constraints.
    """
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.core.model_monitor import DatasetFormat, DefaultModelMonitor

    if not settings.role_arn:
        raise ValidationError("Managed baselining needs an execution role ARN: set it in the "
                              "AWS settings.")
    job_name = job_name or f"baseline-suggestion-job-{datetime.now(UTC):%Y-%m-%d-%H-%M-%S}"
    output_uri = output_uri or settings.s3_uri("baselining", job_name, "results")
    sagemaker = client(settings, "sagemaker")
    sdk_session = Session(boto_session=session(settings), sagemaker_client=sagemaker,
                          default_bucket=settings.bucket)
    monitor = DefaultModelMonitor(role=settings.role_arn, instance_type=instance_type,
                                  sagemaker_session=sdk_session)
    progress(Progress(0, 1000, f"Starting {job_name}"))
    with aws_errors(f"sagemaker:CreateProcessingJob {job_name}"):
        monitor.suggest_baseline(baseline_dataset=dataset_uri,
                                 dataset_format=DatasetFormat.csv(header=header),
                                 output_s3_uri=output_uri, wait=False, logs=False,
                                 job_name=job_name)
    job = wait_for_job(sagemaker, job_name, poll_s=poll_s, timeout_s=timeout_s,
                       progress=progress, cancel=cancel)
    if job["ProcessingJobStatus"] != "Completed":
        raise AwsError(f"Baselining job {job_name} ended {job['ProcessingJobStatus']}: "
                       f"{job.get('FailureReason') or job.get('ExitMessage') or 'no reason'}.",
                       code="JobFailed")
    files = {name: join(output_uri, name) for name in ("statistics.json", "constraints.json")}
    storage = Storage(settings)
    missing = [name for name, uri in files.items() if not storage.exists(uri)]
    if missing:
        raise AwsError(f"Baselining job {job_name} completed but wrote no {' or '.join(missing)}"
                       f" under {output_uri}.", code="NoReport")
    return ManagedBaseline(job_name, "Completed", files["statistics.json"],
                           files["constraints.json"])


def wait_for_job(sagemaker, job_name: str, *, poll_s: float = 15.0, timeout_s: float = 3600.0,
                 progress: ProgressFn = no_progress,
                 cancel: CancelToken | None = None) -> dict:
    """Poll DescribeProcessingJob until it ends (Completed, Failed or Stopped)."""
    started = time.monotonic()
    while True:
        with aws_errors(f"sagemaker:DescribeProcessingJob {job_name}"):
            job = sagemaker.describe_processing_job(ProcessingJobName=job_name)
        status, elapsed = job["ProcessingJobStatus"], time.monotonic() - started
        progress(Progress(int(min(elapsed / timeout_s, 0.99) * 1000), 1000,
                          f"{job_name}: {status} ({int(elapsed)} s)"))
        if status in JOB_DONE:
            return job
        if elapsed > timeout_s:
            raise AwsError(f"Processing job {job_name} is still {status} after "
                           f"{int(timeout_s)} s.", code="Timeout")
        deadline = time.monotonic() + poll_s
        while time.monotonic() < deadline:
            if cancel is not None:
                cancel.raise_if_cancelled()
            time.sleep(min(0.2, poll_s))


def create_schedule(settings: AwsSettings, spec: ScheduleSpec) -> str:
    """Create the job definition and the monitoring schedule; returns the schedule ARN.

    If the schedule cannot be created, the job definition made for it is deleted again.
    """
    if not settings.role_arn:
        raise ValidationError("Monitoring schedules need an execution role ARN: set it in the "
                              "AWS settings.")
    check_schedule_spec(spec)
    sagemaker = client(settings, "sagemaker")
    definition = job_definition_name(spec.name)
    with aws_errors(f"sagemaker:CreateDataQualityJobDefinition {definition}"):
        sagemaker.create_data_quality_job_definition(**job_definition_request(settings, spec,
                                                                              definition))
    schedule_config = {"ScheduleExpression": spec.cron}
    if spec.window_start:
        schedule_config["DataAnalysisStartTime"] = spec.window_start
    if spec.window_end:
        schedule_config["DataAnalysisEndTime"] = spec.window_end
    try:
        with aws_errors(f"sagemaker:CreateMonitoringSchedule {spec.name}"):
            return sagemaker.create_monitoring_schedule(
                MonitoringScheduleName=spec.name,
                MonitoringScheduleConfig={"ScheduleConfig": schedule_config,
                                          "MonitoringJobDefinitionName": definition,
                                          "MonitoringType": "DataQuality"},
            )["MonitoringScheduleArn"]
    except AwsError:
        with aws_errors(f"sagemaker:DeleteDataQualityJobDefinition {definition}"):
            sagemaker.delete_data_quality_job_definition(JobDefinitionName=definition)
        raise


# AWS's pattern for MonitoringScheduleName and JobDefinitionName (at most 63 characters).
AWS_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
NAME_STAMP_CHARS = len("-dq-YYYYmmddHHMMSS-abcdef")


def job_definition_name(schedule: str) -> str:
    """A unique job definition name for ``schedule`` that fits AWS's 63 characters."""
    stem = schedule[:63 - NAME_STAMP_CHARS].rstrip("-")
    return f"{stem}-dq-{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"


def check_schedule_spec(spec: ScheduleSpec) -> None:
    """Refuse locally, in one sentence, what CreateMonitoringSchedule would refuse.

    Raises:
        ValidationError: a name outside AWS's pattern, or a NOW schedule without window offsets.
    """
    if not AWS_NAME.fullmatch(spec.name):
        raise ValidationError(f"Schedule name {spec.name!r} does not fit AWS: 1-63 letters, "
                              f"digits and hyphens, starting and ending with a letter or digit.")
    if not AWS_NAME.fullmatch(spec.endpoint):
        raise ValidationError(f"Endpoint name {spec.endpoint!r} does not fit AWS: 1-63 "
                              f"letters, digits and hyphens.")
    if spec.cron.strip().upper() == "NOW" and not (spec.window_start and spec.window_end):
        raise ValidationError("A NOW (one-time) schedule needs both window offsets, e.g. "
                              "--window-start=-PT1H --window-end=-PT0H: SageMaker requires "
                              "DataAnalysisStartTime and DataAnalysisEndTime with NOW.")


def job_definition_request(settings: AwsSettings, spec: ScheduleSpec, name: str) -> dict:
    """The CreateDataQualityJobDefinition request the SDK would send for ``spec``."""
    app = {"ImageUri": monitor_image_uri(region_of(settings)),
           "Environment": {"publish_cloudwatch_metrics":
                           "Enabled" if spec.publish_metrics else "Disabled"}}
    if spec.preprocessor_uri:
        app["RecordPreprocessorSourceUri"] = spec.preprocessor_uri
    if spec.postprocessor_uri:
        app["PostAnalyticsProcessorSourceUri"] = spec.postprocessor_uri
    output = spec.output_uri or settings.s3_uri("monitoring", spec.name, "results")
    return {
        "JobDefinitionName": name,
        "DataQualityBaselineConfig": {
            "ConstraintsResource": {"S3Uri": spec.constraints_uri},
            "StatisticsResource": {"S3Uri": spec.statistics_uri}},
        "DataQualityAppSpecification": app,
        "DataQualityJobInput": {"EndpointInput": {
            "EndpointName": spec.endpoint, "LocalPath": "/opt/ml/processing/input/endpoint",
            "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated"}},
        "DataQualityJobOutputConfig": {"MonitoringOutputs": [{"S3Output": {
            "S3Uri": output, "LocalPath": "/opt/ml/processing/output",
            "S3UploadMode": "Continuous"}}]},
        "JobResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": spec.instance_type,
                                           "VolumeSizeInGB": 20}},
        "RoleArn": settings.role_arn,
        "StoppingCondition": {"MaxRuntimeInSeconds": spec.max_runtime_s},
    }


def describe_schedule(settings: AwsSettings, name: str) -> dict:
    with aws_errors(f"sagemaker:DescribeMonitoringSchedule {name}"):
        return client(settings, "sagemaker").describe_monitoring_schedule(
            MonitoringScheduleName=name)


def list_schedules(settings: AwsSettings, endpoint: str = "") -> list[dict]:
    """Monitoring schedule summaries (of one endpoint when given), newest first."""
    kwargs = {"EndpointName": endpoint} if endpoint else {}
    found = []
    with aws_errors("sagemaker:ListMonitoringSchedules"):
        for page in client(settings, "sagemaker").get_paginator(
                "list_monitoring_schedules").paginate(**kwargs):
            found.extend(page["MonitoringScheduleSummaries"])
    return found


def start_schedule(settings: AwsSettings, name: str) -> None:
    with aws_errors(f"sagemaker:StartMonitoringSchedule {name}"):
        client(settings, "sagemaker").start_monitoring_schedule(MonitoringScheduleName=name)


def stop_schedule(settings: AwsSettings, name: str) -> None:
    with aws_errors(f"sagemaker:StopMonitoringSchedule {name}"):
        client(settings, "sagemaker").stop_monitoring_schedule(MonitoringScheduleName=name)


def delete_schedule(settings: AwsSettings, name: str) -> None:
    """Delete the schedule and then its data-quality job definition."""
    described = describe_schedule(settings, name)
    definition = described["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName")
    sagemaker = client(settings, "sagemaker")
    with aws_errors(f"sagemaker:DeleteMonitoringSchedule {name}"):
        sagemaker.delete_monitoring_schedule(MonitoringScheduleName=name)
    if definition:
        with aws_errors(f"sagemaker:DeleteDataQualityJobDefinition {definition}"):
            sagemaker.delete_data_quality_job_definition(JobDefinitionName=definition)


def list_executions(settings: AwsSettings, schedule: str,
                    limit: int = 100) -> list[ExecutionSummary]:
    """The schedule's most recent executions, oldest first (so ``[-1]`` is the latest)."""
    rows = []
    with aws_errors(f"sagemaker:ListMonitoringExecutions {schedule}"):
        for page in client(settings, "sagemaker").get_paginator(
                "list_monitoring_executions").paginate(
                MonitoringScheduleName=schedule, SortBy="ScheduledTime", SortOrder="Descending",
                PaginationConfig={"MaxItems": limit}):
            rows.extend(page["MonitoringExecutionSummaries"])
    return [ExecutionSummary(r["MonitoringScheduleName"], r["ScheduledTime"],
                             r["MonitoringExecutionStatus"], r.get("ProcessingJobArn", ""),
                             r.get("FailureReason", ""), r.get("EndpointName", ""))
            for r in reversed(rows)]
