"""Managed Model Monitor for accounts that have it: schedules, executions, baselining job.

What runs against the loopback server (moto 5.2.5, over HTTP):
  - data-quality job definitions (create, describe, delete), processing jobs (create, describe),
    S3 objects: everything here that moto implements.
What could not be exercised against a server, and why:
  - CreateMonitoringSchedule, Describe/List/Start/Stop/DeleteMonitoringSchedule and
    ListMonitoringExecutions: moto does not implement them (its server answers HTTP 500). They
    are answered by ``tests/aws/monitoring_service.py`` through botocore ``before-send`` hooks;
    every request is validated against botocore's SageMaker service model and every response
    against the output shape, then parsed by botocore's real parser.
  - Running a processing job: moto marks jobs Completed at once and runs nothing, so the
    baselining job writes no files and no execution ever produces a report by itself. The
    tests write the container's outputs to S3 themselves where a report is needed, and check
    the job requests moto recorded.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from core.backends.aws import managed_monitor as mm
from core.backends.aws.errors import AwsError
from core.backends.aws.results import load_execution, open_execution
from core.backends.aws.session import client
from core.backends.storage import Storage
from tests.aws.hooks import validated_json_request
from tests.aws.monitoring_service import MonitoringService

ENDPOINT = "churn-managed"


@pytest.fixture
def service(settings, aws_hooks):
    server = boto3.client("sagemaker", endpoint_url=settings.endpoint_url, region_name="us-east-1")
    return MonitoringService(server).install(aws_hooks)


def _spec(settings, name="churn-hourly", **changes):
    return mm.ScheduleSpec(name=name, endpoint=ENDPOINT,
                           statistics_uri=settings.s3_uri("baseline", "statistics.json"),
                           constraints_uri=settings.s3_uri("baseline", "constraints.json"),
                           **changes)


def test_schedule_lifecycle(settings, service):
    arn = mm.create_schedule(settings, _spec(settings, window_start="-PT1H", window_end="-PT0H"))
    assert arn.endswith("monitoring-schedule/churn-hourly")
    described = mm.describe_schedule(settings, "churn-hourly")
    config = described["MonitoringScheduleConfig"]
    assert config["ScheduleConfig"] == {"ScheduleExpression": "cron(0 * ? * * *)",
                                        "DataAnalysisStartTime": "-PT1H",
                                        "DataAnalysisEndTime": "-PT0H"}
    definition = client(settings, "sagemaker").describe_data_quality_job_definition(
        JobDefinitionName=config["MonitoringJobDefinitionName"])  # real, on the server
    app = definition["DataQualityAppSpecification"]
    assert app["ImageUri"] == ("156813124566.dkr.ecr.us-east-1.amazonaws.com/"
                               "sagemaker-model-monitor-analyzer")
    assert app["Environment"] == {"publish_cloudwatch_metrics": "Enabled"}
    assert definition["DataQualityJobInput"]["EndpointInput"]["EndpointName"] == ENDPOINT
    assert (definition["DataQualityJobOutputConfig"]["MonitoringOutputs"][0]["S3Output"]["S3Uri"]
            == settings.s3_uri("monitoring", "churn-hourly", "results"))
    assert [s["MonitoringScheduleName"] for s in mm.list_schedules(settings, ENDPOINT)] == [
        "churn-hourly"]
    mm.stop_schedule(settings, "churn-hourly")
    assert mm.describe_schedule(settings, "churn-hourly")["MonitoringScheduleStatus"] == "Stopped"
    mm.start_schedule(settings, "churn-hourly")
    assert mm.describe_schedule(settings, "churn-hourly")["MonitoringScheduleStatus"] == (
        "Scheduled")
    mm.delete_schedule(settings, "churn-hourly")
    assert mm.list_schedules(settings) == []
    remaining = client(settings, "sagemaker").list_data_quality_job_definitions()
    assert not [d for d in remaining["JobDefinitionSummaries"]
                if d["MonitoringJobDefinitionName"] == config["MonitoringJobDefinitionName"]]


def test_refused_schedule_removes_its_job_definition(settings, service):
    mm.create_schedule(settings, _spec(settings, name="twice"))
    with pytest.raises(AwsError, match="ResourceInUse"):
        mm.create_schedule(settings, _spec(settings, name="twice"))
    names = [d["MonitoringJobDefinitionName"] for d in client(
        settings, "sagemaker").list_data_quality_job_definitions()["JobDefinitionSummaries"]]
    assert len([n for n in names if n.startswith("twice-dq-")]) == 1


def test_unknown_schedule_is_a_sentence(settings, service):
    with pytest.raises(AwsError, match="Monitoring schedule nope does not exist"):
        mm.describe_schedule(settings, "nope")


def _execution_job(settings, name: str, report_uri: str, baseline_uri: str) -> str:
    """The processing job SageMaker records for an execution (spec 6.2), on the server."""
    job = client(settings, "sagemaker").create_processing_job(
        ProcessingJobName=name, RoleArn=settings.role_arn,
        AppSpecification={"ImageUri": mm.monitor_image_uri("us-east-1")},
        ProcessingResources={"ClusterConfig": {"InstanceCount": 1,
                                               "InstanceType": "ml.m5.xlarge",
                                               "VolumeSizeInGB": 20}},
        ProcessingInputs=[
            {"InputName": "baseline", "S3Input": {
                "S3Uri": baseline_uri, "LocalPath": "/opt/ml/processing/baseline/stats",
                "S3DataType": "S3Prefix", "S3InputMode": "File"}}],
        ProcessingOutputConfig={"Outputs": [{"OutputName": "result", "S3Output": {
            "S3Uri": report_uri, "LocalPath": "/opt/ml/processing/output",
            "S3UploadMode": "Continuous"}}]})
    return job["ProcessingJobArn"]


def test_executions_listed_and_opened_by_processing_job_arn(settings, service, samples,
                                                            tmp_path):
    storage = Storage(settings)
    mm.create_schedule(settings, _spec(settings))
    baseline_prefix = settings.s3_uri("baselining", "job", "results")
    storage.upload(samples / "data-quality/churn-baseline-statistics.2021.first29features.json",
                   f"{baseline_prefix}/statistics.json")
    hour = datetime(2026, 11, 24, 10, tzinfo=UTC)
    report = settings.s3_uri("monitoring", "churn-hourly", "results", ENDPOINT, "churn-hourly",
                             f"{hour:%Y/%m/%d/%H}")
    # moto runs no job: these are the files the analyzer container would have uploaded
    storage.upload(samples / "data-quality/churn-execution-constraint_violations.2021-12-01."
                   "first10of60.json", f"{report}/constraint_violations.json")
    storage.upload(samples / "data-quality/churn-baseline-statistics.2021.first29features.json",
                   f"{report}/statistics.json")
    arn = _execution_job(settings, "model-monitoring-202611241000-0ff03899a2373a034458dc66",
                         report, baseline_prefix)
    service.add_execution("churn-hourly", scheduled=hour - timedelta(hours=1), status="Failed",
                          reason="Job inputs had no data")
    service.add_execution("churn-hourly", scheduled=hour, status="CompletedWithViolations",
                          job_arn=arn)
    executions = mm.list_executions(settings, "churn-hourly")
    assert [e.status for e in executions] == ["Failed", "CompletedWithViolations"]  # oldest first
    latest = executions[-1]
    assert latest.processing_job_arn == arn and latest.endpoint == ENDPOINT

    local = load_execution(latest.processing_job_arn, settings, cache_dir=tmp_path / "cache")
    assert local.report_uri == report
    assert sorted(p.name for p in local.folder.iterdir()) == [
        "baseline_statistics.json", "constraint_violations.json", "statistics.json"]
    result = open_execution(arn, settings)
    assert result.source == arn
    assert len(result.violations) == 10
    assert result.baseline_statistics is not None


def test_execution_without_report_says_so(settings, service):
    arn = _execution_job(settings, "model-monitoring-202611241100-aaaaaaaaaaaaaaaaaaaaaaaa",
                         settings.s3_uri("monitoring", "empty"), settings.s3_uri("b"))
    with pytest.raises(AwsError, match="There is no monitoring report at s3://"):
        load_execution(arn, settings)


def test_managed_baseline_through_the_sdk(settings, aws_hooks):
    """``DefaultModelMonitor.suggest_baseline`` creates the job on the server; moto runs
    nothing, so first the missing outputs are reported, then (files written as the container
    would) the baseline is found."""
    storage = Storage(settings)
    dataset = settings.s3_uri("datasets", "train.csv")
    storage.write_bytes(dataset, b"label,x\n1,2\n0,3\n")
    output = settings.s3_uri("baselining", "b1", "results")
    sent = []  # moto does not keep a job's Environment: read the request on its way instead

    def spy(request, **_kw):
        sent.append(validated_json_request("sagemaker", "CreateProcessingJob", request))

    aws_hooks.on("before-send.sagemaker.CreateProcessingJob", spy)
    with pytest.raises(AwsError, match="completed but wrote no statistics.json or "
                                       "constraints.json"):
        mm.suggest_baseline_managed(settings, dataset, output_uri=output, job_name="bl-one",
                                    poll_s=0.05)
    job = client(settings, "sagemaker").describe_processing_job(ProcessingJobName="bl-one")
    assert job["AppSpecification"]["ImageUri"].endswith("sagemaker-model-monitor-analyzer")
    assert json.loads(sent[0]["Environment"]["dataset_format"]) == {
        "csv": {"header": True, "output_columns_position": "START"}}
    assert [i["InputName"] for i in job["ProcessingInputs"]] == ["baseline_dataset_input"]
    assert job["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] == output
    for name in ("statistics.json", "constraints.json"):
        storage.write_bytes(f"{output}/{name}", b"{}")
    baseline = mm.suggest_baseline_managed(settings, dataset, output_uri=output,
                                           job_name="bl-two", poll_s=0.05)
    assert baseline.statistics_uri == f"{output}/statistics.json"


def test_local_folders_and_nonsense_locations(tmp_path):
    from core.errors import InputError

    local = load_execution(str(tmp_path), settings=None)
    assert local.folder == tmp_path and local.baseline_statistics is None
    with pytest.raises(InputError, match="not a results folder"):
        load_execution(str(tmp_path / "missing"), settings=None)


def test_a_schedule_prefix_opens_its_latest_report(settings, tmp_path):
    storage = Storage(settings)
    root = settings.s3_uri("reports", "ep", "sched")
    for hour, count in (("2026/11/24/09", b"[]"), ("2026/11/24/10", b"[1]")):
        storage.write_bytes(f"{root}/{hour}/statistics.json", b'{"dataset": {}, "features": []}')
        storage.write_bytes(f"{root}/{hour}/marker.txt", count)
    local = load_execution(root, settings, cache_dir=tmp_path)
    assert local.report_uri == f"{root}/2026/11/24/10"
    assert [p.name for p in local.folder.iterdir()] == ["statistics.json"]
