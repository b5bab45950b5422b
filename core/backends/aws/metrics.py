"""Publish an execution's metric points to CloudWatch and read them back.

The points come from the engine (``core.monitoring.metrics``) with SageMaker's namespaces,
names and dimensions (spec section 7.1); they are sent unchanged with PutMetricData.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

from core.backends.aws.errors import aws_errors
from core.backends.aws.session import client
from core.config import AwsSettings
from core.progress import CancelToken, Progress, ProgressFn, no_progress

log = logging.getLogger(__name__)

BATCH = 500  # datums per PutMetricData request (AWS allows 1,000 and 1 MB)


def _datum(point) -> dict:
    datum = {"MetricName": point.name,
             "Dimensions": [{"Name": k, "Value": v} for k, v in point.dimensions],
             "Timestamp": point.timestamp.astimezone(UTC)}
    if point.statistic_values is not None:
        datum["StatisticValues"] = {k: float(v) for k, v in point.statistic_values.items()}
    else:
        datum["Value"] = float(point.value)
    return datum


def publish_metrics(settings: AwsSettings, points, *, progress: ProgressFn = no_progress,
                    cancel: CancelToken | None = None) -> int:
    """Send ``points`` (``MetricPoint``s) with PutMetricData, grouped by namespace.

    Returns:
        How many datums were sent.
    """
    by_namespace: dict[str, list[dict]] = defaultdict(list)
    for point in points:
        if point.value is None and point.statistic_values is None:
            continue
        by_namespace[point.namespace].append(_datum(point))
    total = sum(len(d) for d in by_namespace.values())
    if not total:
        return 0
    cloudwatch, sent = client(settings, "cloudwatch"), 0
    for namespace, data in by_namespace.items():
        for start in range(0, len(data), BATCH):
            if cancel is not None:
                cancel.raise_if_cancelled()
            with aws_errors(f"cloudwatch:PutMetricData in {namespace}"):
                cloudwatch.put_metric_data(Namespace=namespace,
                                           MetricData=data[start:start + BATCH])
            sent += len(data[start:start + BATCH])
            progress(Progress(sent, total, "Publishing metrics to CloudWatch"))
    log.info("published %d metric datums", sent)
    return sent


def metric_values(settings: AwsSettings, namespace: str, name: str,
                  dimensions: tuple[tuple[str, str], ...], start: datetime, end: datetime, *,
                  stat: str = "Average", period_s: int = 60) -> list[tuple[datetime, float]]:
    """One metric's datapoints between ``start`` and ``end`` (GetMetricData), oldest first."""
    query = {"Id": "m0", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": name,
                   "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions]},
        "Period": period_s, "Stat": stat}}
    cloudwatch, points = client(settings, "cloudwatch"), []
    with aws_errors(f"cloudwatch:GetMetricData {namespace}/{name}"):
        for page in cloudwatch.get_paginator("get_metric_data").paginate(
                MetricDataQueries=[query], StartTime=start, EndTime=end):
            for result in page["MetricDataResults"]:
                points.extend(zip(result["Timestamps"], result["Values"], strict=True))
    return sorted(points)
