"""Open a monitoring execution made on AWS like a local one.

Given a processing job ARN (a managed Model Monitor execution) or the S3 URI of a report
folder, the report files and the baseline statistics (the job's input named ``baseline``, as
AWS's visualization helper does) are downloaded into a local cache folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from core import atomic
from core.backends.aws.errors import AwsError, aws_errors
from core.config import APP_FOLDER, AwsSettings
from core.errors import InputError
from core.progress import CancelToken, Progress, ProgressFn, no_progress, scaled
from core.backends.storage import Storage, is_s3, join, local_target, name_of

log = logging.getLogger(__name__)

REPORT_FILES = ("statistics.json", "constraint_violations.json", "constraints.json")
BASELINE_FILE = "baseline_statistics.json"


@dataclass(frozen=True)
class LocalResultFolder:
    """A downloaded report: open ``folder`` (and ``baseline_statistics``) like a local one."""

    folder: Path
    source: str
    report_uri: str
    baseline_statistics: Path | None = None
    status: str = ""
    failure_reason: str = ""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / APP_FOLDER / "executions"


def is_processing_job_arn(text: str) -> bool:
    return text.startswith("arn:") and ":processing-job/" in text


def load_execution(arn_or_uri: str, settings: AwsSettings, *, baseline: str | None = None,
                   cache_dir: str | os.PathLike | None = None,
                   progress: ProgressFn = no_progress,
                   cancel: CancelToken | None = None) -> LocalResultFolder:
    """Download an execution's report (and baseline statistics) into a local folder.

    Args:
        arn_or_uri: a processing job ARN, or an ``s3://`` report folder (or a file in it).
        baseline: baseline statistics to compare with, overriding the job's ``baseline`` input.
        cache_dir: where downloads go (default ``~/.cache/model-monitor-desktop/executions``).

    Raises:
        AwsError: the job or folder does not exist, or holds no report files (a failed
            execution's reason is in the message).
    """
    arn_or_uri = arn_or_uri.strip()
    status = reason = ""
    if is_processing_job_arn(arn_or_uri):
        job = describe_job(settings, arn_or_uri)
        report_uri, job_baseline = job_locations(job)
        baseline = baseline or job_baseline
        status, reason = job.get("ProcessingJobStatus", ""), job.get("FailureReason", "")
    elif is_s3(arn_or_uri):
        report_uri = arn_or_uri[: -len(name_of(arn_or_uri)) - 1] if arn_or_uri.endswith(
            ".json") else arn_or_uri.rstrip("/")
    elif Path(arn_or_uri).is_dir():  # a local folder opens as it is
        local_baseline = Path(baseline) if baseline and not is_s3(baseline) else None
        return LocalResultFolder(Path(arn_or_uri), arn_or_uri, arn_or_uri, local_baseline)
    else:
        raise InputError("not a results folder, an s3:// URI or a processing job ARN",
                         path=arn_or_uri)
    storage = Storage(settings)
    report_uri, found = _report_files(storage, report_uri)
    if "statistics.json" not in found and "constraint_violations.json" not in found:
        why = f" The job ended {status}: {reason}" if reason else ""
        raise AwsError(f"There is no monitoring report at {report_uri} (no statistics.json or "
                       f"constraint_violations.json).{why}", code="NoReport")
    target = Path(cache_dir or default_cache_dir()) / _folder_name(arn_or_uri)
    staging = atomic.staging_dir(target)
    try:
        locations = list(found.values())
        baseline_uri = _baseline_file(storage, baseline) if baseline else None
        if baseline_uri:
            locations.append(baseline_uri)
        for index, location in enumerate(locations):
            name = BASELINE_FILE if location == baseline_uri else name_of(location)
            storage.download(location, local_target(staging, name, location), cancel=cancel,
                             progress=scaled(progress, index / len(locations),
                                             (index + 1) / len(locations)))
        atomic.publish_dir(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    progress(Progress(1, 1, f"Opened {report_uri}"))
    return LocalResultFolder(target, arn_or_uri, report_uri,
                             target / BASELINE_FILE if baseline_uri else None, status, reason)


def open_execution(arn_or_uri: str, settings: AwsSettings, *, baseline: str | None = None,
                   progress: ProgressFn = no_progress, cancel: CancelToken | None = None):
    """:func:`load_execution`, then the documents as a ``core.report.results.ResultSet``."""
    from core.report.results import load_results

    local = load_execution(arn_or_uri, settings, baseline=baseline, progress=progress,
                           cancel=cancel)
    base = str(local.baseline_statistics) if local.baseline_statistics else None
    result = load_results(str(local.folder), baseline_statistics=base)
    result.source = local.source
    return result


def describe_job(settings: AwsSettings, arn: str) -> dict:
    from core.backends.aws.session import client

    job_name = arn.rsplit("/", 1)[-1]
    with aws_errors(f"sagemaker:DescribeProcessingJob {job_name}"):
        return client(settings, "sagemaker").describe_processing_job(ProcessingJobName=job_name)


def job_locations(job: dict) -> tuple[str, str | None]:
    """(report folder URI, baseline statistics URI or None) of a monitoring processing job."""
    outputs = job.get("ProcessingOutputConfig", {}).get("Outputs", [])
    if not outputs:
        raise AwsError(f"Processing job {job.get('ProcessingJobName')} has no outputs, so it is "
                       f"not a monitoring execution.", code="NoReport")
    report_uri = outputs[0]["S3Output"]["S3Uri"].rstrip("/")
    baseline = next((i["S3Input"]["S3Uri"] for i in job.get("ProcessingInputs", [])
                     if i.get("InputName") == "baseline" and "S3Input" in i), None)
    return report_uri, baseline


def _report_files(storage: Storage, prefix: str) -> tuple[str, dict[str, str]]:
    """The report files in ``prefix``; or, when it holds none itself, in its latest report
    folder below (``yyyy/mm/dd/HH`` folders sort in time order)."""
    by_folder: dict[str, dict[str, str]] = {}
    for info in storage.list_files(prefix + "/"):
        folder, _, name = info.location.rpartition("/")
        if name in REPORT_FILES:
            by_folder.setdefault(folder, {})[name] = info.location
    if prefix in by_folder or not by_folder:
        return prefix, by_folder.get(prefix, {})
    latest = max(by_folder)
    return latest, by_folder[latest]


def _baseline_file(storage: Storage, location: str) -> str:
    """The statistics file a ``baseline`` input names: the file itself or one in its folder."""
    if location.endswith(".json"):
        return location
    candidates = [f.location for f in storage.list_files(location.rstrip("/") + "/")
                  if name_of(f.location) == "statistics.json"]
    if not candidates:
        raise AwsError(f"The baseline location {location} holds no statistics.json.",
                       code="NoBaseline")
    return candidates[0]


def _folder_name(source: str) -> str:
    readable = "".join(c if c.isalnum() or c in "-_" else "_" for c in name_of(source))[-60:]
    return f"{readable}-{hashlib.sha256(source.encode()).hexdigest()[:12]}"
