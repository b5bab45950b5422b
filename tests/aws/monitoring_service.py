"""SageMaker's monitoring-schedule and monitoring-execution operations, which the loopback
server (moto 5.2) does not implement, answered by botocore ``before-send`` hooks.

Every request body is validated against botocore's SageMaker service model and every response
against the output shape before botocore's real JSON parser reads it. State is what SageMaker
keeps: schedules (Pending -> Scheduled, Stopped on stop) and the executions a test adds.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.aws.hooks import json_error, json_reply, validated_json_request

OPERATIONS = ("CreateMonitoringSchedule", "DescribeMonitoringSchedule",
              "ListMonitoringSchedules", "StartMonitoringSchedule", "StopMonitoringSchedule",
              "DeleteMonitoringSchedule", "ListMonitoringExecutions")
ACCOUNT, REGION = "123456789012", "us-east-1"


class MonitoringService:
    def __init__(self, server_sagemaker) -> None:
        """``server_sagemaker``: a plain client of the loopback server, where the job
        definitions a schedule names really live."""
        self.server = server_sagemaker
        self.schedules: dict[str, dict] = {}
        self.executions: dict[str, list[dict]] = {}
        self.requests: list[tuple[str, dict]] = []

    def install(self, hooks) -> MonitoringService:
        for operation in OPERATIONS:
            hooks.on(f"before-send.sagemaker.{operation}", self._handler(operation))
        return self

    def add_execution(self, schedule: str, *, scheduled: datetime, status: str,
                      job_arn: str = "", reason: str = "") -> None:
        row = {"MonitoringScheduleName": schedule, "ScheduledTime": scheduled,
               "CreationTime": scheduled, "LastModifiedTime": scheduled,
               "MonitoringExecutionStatus": status, "MonitoringType": "DataQuality",
               "EndpointName": self.schedules[schedule]["EndpointName"]}
        if job_arn:
            row["ProcessingJobArn"] = job_arn
        if reason:
            row["FailureReason"] = reason
        self.executions.setdefault(schedule, []).append(row)

    def _handler(self, operation: str):
        def handle(request, **_kwargs):
            params = validated_json_request("sagemaker", operation, request)
            self.requests.append((operation, params))
            return getattr(self, f"_{operation}")(request, params)

        return handle

    def _missing(self, request, name):
        return json_error(request, 400, "ResourceNotFound",
                          f"Monitoring schedule {name} does not exist")

    def _CreateMonitoringSchedule(self, request, params):  # noqa: N802 - AWS operation names
        name = params["MonitoringScheduleName"]
        if name in self.schedules:
            return json_error(request, 400, "ResourceInUse", f"{name} already exists")
        definition = params["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName", "")
        try:
            job = self.server.describe_data_quality_job_definition(JobDefinitionName=definition)
        except self.server.exceptions.ClientError:
            return json_error(request, 400, "ResourceNotFound",
                              f"Job definition {definition} does not exist")
        arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:monitoring-schedule/{name.lower()}"
        now = datetime.now(UTC)
        self.schedules[name] = {
            "MonitoringScheduleArn": arn, "MonitoringScheduleName": name,
            "MonitoringScheduleStatus": "Scheduled", "MonitoringType": "DataQuality",
            "CreationTime": now, "LastModifiedTime": now,
            "MonitoringScheduleConfig": params["MonitoringScheduleConfig"],
            "EndpointName": job["DataQualityJobInput"]["EndpointInput"]["EndpointName"]}
        return json_reply("sagemaker", "CreateMonitoringSchedule", request,
                          {"MonitoringScheduleArn": arn})

    def _DescribeMonitoringSchedule(self, request, params):  # noqa: N802
        schedule = self.schedules.get(params["MonitoringScheduleName"])
        if schedule is None:
            return self._missing(request, params["MonitoringScheduleName"])
        return json_reply("sagemaker", "DescribeMonitoringSchedule", request, schedule)

    def _ListMonitoringSchedules(self, request, params):  # noqa: N802
        rows = [{k: s[k] for k in ("MonitoringScheduleName", "MonitoringScheduleArn",
                                   "CreationTime", "LastModifiedTime",
                                   "MonitoringScheduleStatus", "EndpointName")}
                for s in self.schedules.values()
                if params.get("EndpointName") in (None, s["EndpointName"])]
        return json_reply("sagemaker", "ListMonitoringSchedules", request,
                          {"MonitoringScheduleSummaries": rows})

    def _set_status(self, request, params, operation, status):
        schedule = self.schedules.get(params["MonitoringScheduleName"])
        if schedule is None:
            return self._missing(request, params["MonitoringScheduleName"])
        schedule["MonitoringScheduleStatus"] = status
        return json_reply("sagemaker", operation, request, {})

    def _StartMonitoringSchedule(self, request, params):  # noqa: N802
        return self._set_status(request, params, "StartMonitoringSchedule", "Scheduled")

    def _StopMonitoringSchedule(self, request, params):  # noqa: N802
        return self._set_status(request, params, "StopMonitoringSchedule", "Stopped")

    def _DeleteMonitoringSchedule(self, request, params):  # noqa: N802
        if self.schedules.pop(params["MonitoringScheduleName"], None) is None:
            return self._missing(request, params["MonitoringScheduleName"])
        return json_reply("sagemaker", "DeleteMonitoringSchedule", request, {})

    def _ListMonitoringExecutions(self, request, params):  # noqa: N802
        rows = sorted(self.executions.get(params.get("MonitoringScheduleName"), []),
                      key=lambda r: r["ScheduledTime"],
                      reverse=params.get("SortOrder") == "Descending")
        return json_reply("sagemaker", "ListMonitoringExecutions", request,
                          {"MonitoringExecutionSummaries": rows[:params.get("MaxResults", 100)]})

