"""The connection test: who am I, can I use the bucket, can I call SageMaker and CloudWatch.

Each check ends in one sentence the user can act on; a failing check does not stop the others
unless nothing can work without it (no credentials at all).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from core.backends.aws.errors import AwsError, aws_errors
from core.backends.aws.session import client, region_of, session
from core.config import AwsSettings
from core.errors import AppError
from core.progress import CancelToken, Progress, ProgressFn, no_progress

log = logging.getLogger(__name__)

TEST_ATTEMPTS = 2  # a connection test should answer quickly, not retry for a minute


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it passed, and the sentence to show."""

    name: str
    ok: bool
    message: str
    code: str = ""


@dataclass(frozen=True)
class ConnectionReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def text(self) -> str:
        return "\n".join(f"{'OK' if c.ok else 'FAILED'} {c.name}: {c.message}"
                         for c in self.checks)


def check_connection(settings: AwsSettings, *, progress: ProgressFn = no_progress,
                    cancel: CancelToken | None = None) -> ConnectionReport:
    """Check identity, bucket access, SageMaker and CloudWatch access for ``settings``.

    Never raises for AWS problems: each becomes a failed :class:`Check` with its sentence.
    """
    steps = [("Settings", _check_settings), ("Identity", _check_identity),
             ("S3 bucket", _check_bucket), ("SageMaker", _check_sagemaker),
             ("CloudWatch", _check_cloudwatch)]
    checks: list[Check] = []
    for index, (name, step) in enumerate(steps):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(Progress(index, len(steps), f"Checking {name}"))
        try:
            checks.append(Check(name, True, step(settings)))
        except AppError as error:
            checks.append(Check(name, False, str(error), getattr(error, "code", "")))
            if name in ("Settings", "Identity"):
                break  # every other check would fail the same way
    progress(Progress(len(steps), len(steps), "Done"))
    return ConnectionReport(checks)


def _check_settings(settings: AwsSettings) -> str:
    settings.validate()
    region = region_of(settings)
    if not settings.bucket:
        raise AwsError("No S3 bucket is set: choose the bucket that holds datasets, capture "
                       "and reports.", code="")
    note = "; no execution role ARN (needed to deploy endpoints)" if not settings.role_arn else ""
    return f"region {region}, bucket {settings.bucket}{note}."


def _check_identity(settings: AwsSettings) -> str:
    with aws_errors("sts:GetCallerIdentity"):
        identity = client(settings, "sts", max_attempts=TEST_ATTEMPTS).get_caller_identity()
    profile = settings.profile or session(settings).profile_name or "default"
    return f"signed in as {identity['Arn']} (account {identity['Account']}, profile {profile})."


def _check_bucket(settings: AwsSettings) -> str:
    s3 = client(settings, "s3", max_attempts=TEST_ATTEMPTS)
    bucket, region = settings.bucket, region_of(settings)
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise AwsError(f"The S3 bucket {bucket} does not exist. Create it in {region}, or "
                           f"choose another bucket.", code="NoSuchBucket") from None
        if code in ("403", "AccessDenied"):
            raise AwsError(f"AWS denied access to the S3 bucket {bucket} (s3:ListBucket). It "
                           f"belongs to another account or your policy does not allow it.",
                           code="AccessDenied") from None
        with aws_errors(f"s3:HeadBucket on {bucket}"):
            raise
    with aws_errors(f"s3:GetBucketLocation on {bucket}"):
        location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
    if location != region:
        raise AwsError(f"The S3 bucket {bucket} is in {location}, not in {region}. SageMaker "
                       f"needs them in the same region: set the region to {location}, or "
                       f"choose a bucket in {region}.", code="BucketRegion")
    probe = f"{settings.prefix.strip('/')}/.connection-test-{uuid.uuid4().hex}".lstrip("/")
    with aws_errors(f"s3:PutObject on s3://{bucket}/{probe}"):
        s3.put_object(Bucket=bucket, Key=probe, Body=b"ok")
    with aws_errors(f"s3:DeleteObject on s3://{bucket}/{probe}"):
        s3.delete_object(Bucket=bucket, Key=probe)
    return f"s3://{bucket} in {location} can be listed, written and cleaned up."


def _check_sagemaker(settings: AwsSettings) -> str:
    with aws_errors("sagemaker:ListEndpoints"):
        sagemaker = client(settings, "sagemaker", max_attempts=TEST_ATTEMPTS)
        count = len(sagemaker.list_endpoints(MaxResults=100)["Endpoints"])
    return f"SageMaker answers; {count} endpoint{'s' if count != 1 else ''} in this region."


def _check_cloudwatch(settings: AwsSettings) -> str:
    with aws_errors("cloudwatch:ListMetrics"):
        client(settings, "cloudwatch", max_attempts=TEST_ATTEMPTS).list_metrics(
            Namespace="aws/sagemaker/Endpoints/data-metrics")
    return "CloudWatch metrics can be read."
