"""The app's own engine over S3 data: baselines and monitoring executions for SageMaker
endpoints, for accounts that cannot use managed Model Monitor.

Inputs are staged into a local cache folder with streaming downloads, the path-based engine
runs there, and outputs are uploaded only once complete (a failure leaves no partial report in
S3); metrics then go to CloudWatch.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.backends.aws.errors import AwsError
from core.config import AwsSettings
from core.errors import InputError
from core.progress import CancelToken, Progress, ProgressFn, no_progress, scaled
from core.backends.storage import Storage, is_s3, join, local_target, name_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class S3Baseline:
    statistics_uri: str
    constraints_uri: str
    item_count: int
    feature_count: int
    seconds: float


@dataclass(frozen=True)
class S3Execution:
    """An engine execution over S3 data: the engine's result, where its report went, metrics."""

    result: object  # core.monitoring.execution.ExecutionResult
    report_uri: str | None
    metrics_published: int = 0


def suggest_baseline_s3(settings: AwsSettings, dataset: str, output: str, *,
                        fmt: str | None = None, header: bool = True,
                        progress: ProgressFn = no_progress,
                        cancel: CancelToken | None = None) -> S3Baseline:
    """Profile a dataset (file or prefix, local or S3) and write the baseline to ``output``.

    ``output`` receives ``statistics.json`` and ``constraints.json`` together, or neither.
    """
    from core.baseline.run import suggest_baseline
    from core.datasets.reader import DatasetSpec

    storage = Storage(settings)
    with tempfile.TemporaryDirectory(prefix="mm-baseline-") as work:
        local = _stage_dataset(storage, dataset, Path(work) / "dataset",
                               scaled(progress, 0.0, 0.3), cancel)
        outputs = Path(work) / "out"
        result = suggest_baseline(DatasetSpec(str(local), fmt, header), outputs,
                                  progress=scaled(progress, 0.3, 0.9), cancel=cancel)
        published = storage.publish_dir(outputs, output, progress=scaled(progress, 0.9, 1.0),
                                        cancel=cancel)
    by_name = {name_of(p): p for p in published}
    return S3Baseline(by_name["statistics.json"], by_name["constraints.json"],
                      result.item_count, result.feature_count, result.seconds)


def monitor_s3(settings: AwsSettings, *, endpoint: str, schedule: str, statistics: str,
               constraints: str, capture: str, output: str, scheduled_time: datetime,
               window_start: datetime | None = None, window_end: datetime | None = None,
               variant: str | None = None, preprocessor: str | None = None,
               postprocessor: str | None = None, publish_metrics: bool | None = None,
               workspace=None, progress: ProgressFn = no_progress,
               cancel: CancelToken | None = None) -> S3Execution:
    """One monitoring execution of an endpoint's captured traffic in S3.

    Args:
        capture: the capture destination (holding ``{endpoint}/{variant}/yyyy/mm/dd/HH``).
        output: reports root; the report goes to ``{output}/{endpoint}/{schedule}/yyyy/mm/dd/HH``
            of the scheduled hour, as SageMaker lays it out.
        publish_metrics: send metrics to CloudWatch (default: the settings' choice).
        workspace: when given, the metric points are also kept there for the history charts.

    Returns:
        The result; a Failed execution (no data, bad input) uploads nothing.
    """
    from core.monitoring.execution import MonitoringRequest

    publish = settings.publish_metrics if publish_metrics is None else publish_metrics
    request = MonitoringRequest(
        statistics_path=statistics, constraints_path=constraints, output_root=output,
        endpoint_name=endpoint, schedule_name=schedule, scheduled_time=scheduled_time,
        window_start=window_start, window_end=window_end, capture_root=capture,
        preprocessor_path=preprocessor, postprocessor_path=postprocessor,
        publish_metrics=publish)
    return run_monitoring_s3(settings, request, variant=variant, workspace=workspace,
                             progress=progress, cancel=cancel)


def run_monitoring_s3(settings: AwsSettings, request, *, variant: str | None = None,
                      workspace=None, progress: ProgressFn = no_progress,
                      cancel: CancelToken | None = None) -> S3Execution:
    """``run_monitoring`` for a request whose files may be ``s3://`` URIs.

    Baseline files, scripts, the dataset and the capture window are staged into a temporary
    folder; an S3 ``output_root`` receives the report only once it is complete. Metrics go to
    CloudWatch when ``request.publish_metrics`` is set and the output is on S3.
    """
    from core.monitoring.execution import FAILED, run_monitoring

    storage = Storage(settings)
    with tempfile.TemporaryDirectory(prefix="mm-monitor-") as work_dir:
        work = Path(work_dir)
        staged = _staged_request(storage, request, work, variant,
                                 scaled(progress, 0.0, 0.4), cancel)
        result = run_monitoring(staged, progress=scaled(progress, 0.4, 0.85), cancel=cancel)
        capture = str(request.capture_root or "")
        if result.status == FAILED or result.report_dir is None:
            return S3Execution(_with_s3_paths(result, work, capture), None)
        if not is_s3(request.output_root):
            return S3Execution(result, str(result.report_dir))
        relative = Path(result.report_dir).relative_to(work / "reports").as_posix()
        report_uri = join(str(request.output_root), relative)
        storage.publish_dir(result.report_dir, report_uri,
                            progress=scaled(progress, 0.85, 0.95), cancel=cancel)
    sent = _publish(settings, result, report_uri, request.publish_metrics, workspace, progress,
                    cancel)
    progress(Progress(1000, 1000, result.status_message))
    return S3Execution(result, report_uri, sent)


def _staged_request(storage: Storage, request, work: Path, variant: str | None,
                    progress: ProgressFn, cancel: CancelToken | None):
    """The request with every S3 location replaced by a local copy (or local output)."""
    from core.datasets.reader import DatasetSpec
    from core.monitoring.execution import window_of

    def local(location, folder: str, name: str | None = None):
        if not location or not is_s3(str(location)):
            return location
        target = local_target(work / folder, name or name_of(location), str(location))
        return storage.download(str(location), target, cancel=cancel)

    changes = {"statistics_path": local(request.statistics_path, "baseline", "statistics.json"),
               "constraints_path": local(request.constraints_path, "baseline",
                                         "constraints.json"),
               "preprocessor_path": local(request.preprocessor_path, "scripts"),
               "postprocessor_path": local(request.postprocessor_path, "scripts")}
    if is_s3(request.output_root):
        changes["output_root"] = work / "reports"
    if request.capture_root and is_s3(str(request.capture_root)):
        start, end = window_of(request)
        stage_capture(storage, str(request.capture_root), request.endpoint_name or "", start,
                      end, work / "capture", variant=variant, progress=progress, cancel=cancel)
        changes["capture_root"] = work / "capture"
    if request.dataset is not None and is_s3(request.dataset.path):
        folder = _stage_dataset(storage, request.dataset.path, work / "dataset", progress,
                                cancel)
        changes["dataset"] = DatasetSpec(str(folder), request.dataset.fmt,
                                         request.dataset.header)
    return dataclasses.replace(request, **changes)


def stage_capture(storage: Storage, capture: str, endpoint: str, start: datetime,
                  end: datetime, local_root: Path, *, variant: str | None = None,
                  progress: ProgressFn = no_progress,
                  cancel: CancelToken | None = None) -> list[Path]:
    """Download the capture files of the hours meeting ``[start, end)`` into ``local_root``.

    Only the hour folders of the window are listed, so a long capture history costs nothing.
    """
    local_root.mkdir(parents=True, exist_ok=True)
    endpoint_root = join(capture, endpoint)
    variants = ([join(endpoint_root, variant)] if variant
                else storage.list_folders(endpoint_root))
    files = []
    for variant_root in variants:
        for hour in _hours(start, end):
            files.extend(storage.list_files(join(variant_root, f"{hour:%Y/%m/%d/%H}") + "/"))
    log.info("staging %d capture files of %s for %s .. %s", len(files), endpoint, start, end)
    return storage.download_files(files, capture, local_root, progress=progress, cancel=cancel)


def _with_s3_paths(result, work: Path, capture: str):
    """Failure sentences name the S3 objects, not the temporary folder they were staged in."""
    local = str(work / "capture")

    def fix(text):
        return text.replace(local, capture.rstrip("/")) if text else text

    return dataclasses.replace(result, status_message=fix(result.status_message),
                               failure_reason=fix(result.failure_reason))


def _hours(start: datetime, end: datetime) -> list[datetime]:
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour < end:
        hours.append(hour)
        hour += timedelta(hours=1)
    return hours


def _stage_dataset(storage: Storage, dataset: str, folder: Path, progress: ProgressFn,
                   cancel: CancelToken | None) -> Path:
    if not is_s3(dataset):
        return Path(dataset)
    files = [f for f in storage.list_files(dataset) if not name_of(f.location).startswith(".")]
    exact = [f for f in files if f.location == dataset]
    if exact:
        return storage.download(dataset, local_target(folder, name_of(dataset), dataset),
                                progress=progress, cancel=cancel)
    if not files:
        raise InputError("no dataset files at this S3 location", path=dataset)
    storage.download_files(files, dataset, folder, progress=progress, cancel=cancel)
    return folder


def _publish(settings, result, report_uri, publish, workspace, progress, cancel) -> int:
    if workspace is not None and result.metrics:
        workspace.add_metric_points(result.metrics)
    if not (publish and result.metrics):
        return 0
    from core.backends.aws.metrics import publish_metrics

    try:
        return publish_metrics(settings, result.metrics, progress=scaled(progress, 0.95, 1.0),
                               cancel=cancel)
    except AwsError as error:
        raise AwsError(f"The report is complete at {report_uri}, but its metrics could not be "
                       f"sent to CloudWatch: {error}", code=error.code,
                       action=error.action) from None
