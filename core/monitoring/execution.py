"""One monitoring execution: a window of captured traffic, profiled and checked against a baseline.

The pipeline of SageMaker's analyzer (spec sections 4, 6, 7, 8): read the window, optionally
preprocess each record, profile, evaluate the constraints, write the report folder of the
scheduled hour atomically (a later execution of the same hour gets its own folder beside it,
see ``core.monitoring.report_folders``), run the post-analytics script, and return the metric
points.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core import atomic
from core.checks.drift_report import ExtraChecks, dumps_report, report_document
from core.checks.evaluate import evaluate_constraints
from core.baseline.suggest import suggest_constraints
from core.datasets.reader import DatasetSpec
from core.errors import AppError, Cancelled
from core.names import contained, validate_name
from core.formats.constraints import monitoring_config, read_constraints, write_constraints
from core.formats.statistics import read_statistics, write_statistics
from core.formats.violations import write_violations
from core.monitoring import report_folders, window_profile
from core.monitoring.capture_errors import (
    DEFAULT_MAX_BAD_RECORD_SHARE,
    CaptureTally,
    validate_share,
)
from core.monitoring.metrics import MetricPoint, data_quality_points
from core.monitoring.preprocess import (
    DEFAULT_MEMORY_LIMIT_MB,
    DEFAULT_TIMEOUT_S,
    ScriptLimits,
    default_log_dir,
    script_limits,
)
from core.monitoring.report_guard import run_postprocessor_on_copy
from core.progress import CancelToken, Progress, ProgressFn, no_progress, scaled

log = logging.getLogger(__name__)

COMPLETED, WITH_VIOLATIONS, FAILED = "Completed", "CompletedWithViolations", "Failed"
NO_DATA = "Job inputs had no data"
DRIFT_REPORT = "drift_report.json"
MESSAGE_FILE = "message"  # the container's /opt/ml/output/message, kept with the report


@dataclass(frozen=True)
class MonitoringRequest:
    """What one execution analyzes and where its report goes (see ``run_monitoring``)."""

    statistics_path: str | Path
    constraints_path: str | Path
    output_root: str | Path
    endpoint_name: str | None
    schedule_name: str
    scheduled_time: datetime
    window_start: datetime | None = None
    window_end: datetime | None = None
    capture_root: str | Path | None = None
    dataset: DatasetSpec | None = None
    preprocessor_path: str | Path | None = None
    postprocessor_path: str | Path | None = None
    script_timeout_s: float = DEFAULT_TIMEOUT_S
    publish_metrics: bool = True
    extra_checks: ExtraChecks | None = None
    # user scripts: the execution's total time limit (None: none here; the scheduler's worker
    # enforces the schedule's max runtime), the address-space cap per script process (None
    # or 0: none), and where their logs are kept (None: ``default_log_dir``)
    max_runtime_s: float | None = None
    script_memory_mb: int | None = DEFAULT_MEMORY_LIMIT_MB
    script_log_dir: str | Path | None = None
    # capture records that cannot be read fail the window past this share of its records
    max_bad_record_share: float = DEFAULT_MAX_BAD_RECORD_SHARE


@dataclass(frozen=True)
class ExecutionResult:
    """How an execution ended. ``status_message`` is the container's exact status line."""

    status: str
    status_message: str
    failure_reason: str | None
    report_dir: Path | None
    violations: list[dict] = field(default_factory=list)
    violation_count: int = 0
    metrics: list[MetricPoint] = field(default_factory=list)
    drift: dict[str, dict] = field(default_factory=dict)
    item_count: int = 0
    seconds: float = 0.0
    capture_errors: int = 0  # capture records skipped as unreadable (torn last lines too)


def report_folder(output_root: str | Path, endpoint: str | None, schedule: str,
                  scheduled_time: datetime) -> Path:
    """``{root}/{endpoint}/{schedule}/yyyy/mm/dd/HH`` of the scheduled (UTC) hour.

    Raises:
        ValidationError: the endpoint or schedule is not a valid name.
    """
    t = _utc(scheduled_time)
    parts = [validate_name(endpoint, "endpoint")] if endpoint else []
    parts.append(validate_name(schedule, "schedule"))
    return contained(output_root, *parts, f"{t:%Y}", f"{t:%m}", f"{t:%d}", f"{t:%H}")


def window_of(request: MonitoringRequest) -> tuple[datetime, datetime]:
    """The analysis window; SageMaker's hourly default is ``[T-1h, T)``."""
    end = _utc(request.window_end or request.scheduled_time)
    start = _utc(request.window_start) if request.window_start else end - timedelta(hours=1)
    return start, end


def run_monitoring(request: MonitoringRequest, *, progress: ProgressFn = no_progress,
                   cancel: CancelToken | None = None) -> ExecutionResult:
    """Run one execution. Bad input or a failing script gives status Failed, never an exception.

    Raises:
        Cancelled: ``cancel`` was set; nothing is published.
        ValidationError: the endpoint or schedule is not a valid name (nothing is written).
    """
    started = time.perf_counter()
    final = report_folder(request.output_root, request.endpoint_name, request.schedule_name,
                          request.scheduled_time)
    staging, published = None, False
    created = _missing_folders(final.parent)
    tally = CaptureTally()
    try:
        max_share = validate_share(request.max_bad_record_share)
        with (tempfile.TemporaryDirectory(prefix="monitoring-") as work,
              script_limits(_script_limits(request))):
            staging = atomic.staging_dir(final)
            result = _analyze(request, staging, Path(work), progress, cancel, tally, max_share)
            final = report_folders.publish_report(staging, final, request.scheduled_time)
            published = True
    except Cancelled:
        raise
    except (AppError, OSError) as error:
        reason = str(error) if isinstance(error, AppError) else (
            f"{error.filename or final}: {error.strerror or error}")
        log.info("execution failed: %s", reason)
        return ExecutionResult(FAILED, f"{FAILED}: {reason}", reason, None,
                               seconds=time.perf_counter() - started,
                               capture_errors=tally.errors)
    finally:
        if not published:
            _discard(staging, created)
    return ExecutionResult(**{**result, "report_dir": final, "capture_errors": tally.errors,
                              "seconds": time.perf_counter() - started})


def _analyze(request: MonitoringRequest, staging: Path, work: Path, progress: ProgressFn,
             cancel: CancelToken | None, tally: CaptureTally, max_share: float) -> dict:
    baseline = read_statistics(request.statistics_path)
    constraints = read_constraints(request.constraints_path)
    start, end = window_of(request)
    profile = window_profile.profile_window(request, baseline, constraints, start, end, work,
                                            progress=scaled(progress, 0.0, 0.85), cancel=cancel,
                                            tally=tally)
    tally.check(max_share)
    if profile is None or not profile.item_count:
        raise AppError(f"{NO_DATA} ({tally.note()})" if tally.errors else NO_DATA)
    if cancel:
        cancel.raise_if_cancelled()
    progress(Progress(870, 1000, "Checking constraints"))
    evaluation = evaluate_constraints(baseline, constraints, profile.statistics,
                                      profile.type_counts, domain_counts=profile.domain_counts,
                                      extra=request.extra_checks)
    count = len(evaluation.violations)
    status = WITH_VIOLATIONS if count else COMPLETED
    message = (f"{WITH_VIOLATIONS}: Job completed successfully with {count} violations."
               if count else f"{COMPLETED}: Job completed successfully with no violations.")
    if tally.errors:  # the container's status line, then what was skipped
        message += f" {tally.note()}"
    _write_outputs(staging, profile, evaluation, message, start, end)
    if request.postprocessor_path:
        progress(Progress(930, 1000, "Running the post-analytics script"))
        run_postprocessor_on_copy(request.postprocessor_path, staging, work_dir=work,
                                  env=_container_env(request, staging, start, end),
                                  timeout_s=request.script_timeout_s, cancel=cancel)
    metrics = _metrics(request, constraints, profile.statistics, evaluation.drift, start)
    progress(Progress(1000, 1000, message))
    return {"status": status, "status_message": message, "failure_reason": None,
            "violations": evaluation.violations, "violation_count": count, "metrics": metrics,
            "drift": evaluation.drift, "item_count": profile.item_count}


def _write_outputs(staging: Path, profile, evaluation, message: str, start, end) -> None:
    write_statistics(staging / "statistics.json", profile.statistics)
    write_constraints(staging / "constraints.json", suggest_constraints(profile))
    write_violations(staging / "constraint_violations.json", evaluation.violations)
    document = report_document(evaluation.drift, window_start=_iso(start), window_end=_iso(end))
    atomic.write_text(staging / DRIFT_REPORT, dumps_report(document))
    atomic.write_text(staging / MESSAGE_FILE, message)


def _metrics(request: MonitoringRequest, constraints: dict, statistics: dict,
             drift: dict[str, dict], start: datetime) -> list[MetricPoint]:
    if not request.publish_metrics:
        return []
    if str(monitoring_config(constraints).get("emit_metrics", "Enabled")) == "Disabled":
        return []
    distances = {name: entry["distance"] for name, entry in drift.items()
                 if entry.get("compared") and entry.get("distance") is not None}
    return data_quality_points(statistics, distances, endpoint=request.endpoint_name,
                               schedule=request.schedule_name, timestamp=start)


def _container_env(request: MonitoringRequest, output: Path, start, end) -> dict[str, str]:
    """The analyzer's environment variables a post-analytics script may read (spec 6.1)."""
    env = {"output_path": str(output), "start_time": _iso(start), "end_time": _iso(end),
           "metric_time": _iso(start), "baseline_statistics": str(request.statistics_path),
           "baseline_constraints": str(request.constraints_path),
           "sagemaker_monitoring_schedule_name": request.schedule_name}
    if request.endpoint_name:
        env["sagemaker_endpoint_name"] = request.endpoint_name
    return env


def _script_limits(request: MonitoringRequest) -> ScriptLimits:
    """What bounds this execution's user scripts, its total time counted from now."""
    log_dir = request.script_log_dir
    if not log_dir and (request.preprocessor_path or request.postprocessor_path):
        log_dir = default_log_dir(request.endpoint_name, request.schedule_name,
                                  _utc(request.scheduled_time))
    return ScriptLimits.starting_now(total_s=request.max_runtime_s,
                                     memory_limit_mb=request.script_memory_mb,
                                     log_dir=Path(log_dir) if log_dir else None)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


def _discard(staging: Path | None, created: list[Path]) -> None:
    """Remove the unpublished report and the folders made only to hold it, so a failed
    execution leaves neither a ``.partial`` folder nor an empty ``yyyy/mm/dd`` tree."""
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
        if staging.exists():
            log.warning("could not remove the unpublished report folder %s", staging)
    for folder in created:
        try:
            folder.rmdir()
        except OSError:  # gone already, or another execution has put a report there since
            break


def _iso(when: datetime) -> str:
    return _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
