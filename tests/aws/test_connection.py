"""'Test connection' and the error sentences: no credentials, expired token, AccessDenied,
missing bucket, bucket in another region, throttling retried with backoff."""

from __future__ import annotations

import pytest

from core.backends.aws.connection import check_connection
from core.backends.aws.errors import AwsError
from core.backends.aws.session import client
from tests.aws.hooks import FailTimes, json_error, query_error, xml_error


def test_all_checks_pass_on_the_server(settings):
    report = check_connection(settings)
    assert report.ok, report.text()
    assert [c.name for c in report.checks] == ["Settings", "Identity", "S3 bucket", "SageMaker",
                                               "CloudWatch"]
    assert "arn:aws:sts::123456789012" in report.checks[1].message
    assert f"s3://{settings.bucket} in us-east-1" in report.checks[2].message
    # the write probe cleaned up after itself
    assert "Contents" not in client(settings, "s3").list_objects_v2(Bucket=settings.bucket)


def test_no_credentials(settings, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    report = check_connection(settings)
    assert not report.ok
    failed = report.checks[-1]
    assert (failed.name, failed.code) == ("Identity", "NoCredentials")
    assert "No AWS credentials were found" in failed.message and "aws configure" in failed.message
    assert len(report.checks) == 2  # nothing else is tried without credentials


def test_unknown_profile(settings):
    report = check_connection(settings.with_changes(profile="nobody"))
    assert "profile 'nobody' does not exist" in report.checks[-1].message


def test_expired_token(settings, aws_hooks):
    aws_hooks.on("before-send.sts.GetCallerIdentity",
                 lambda request, **_: query_error(request, 403, "ExpiredToken",
                                                  "The security token included in the request "
                                                  "is expired"))
    report = check_connection(settings)
    assert report.checks[-1].code == "ExpiredToken"
    assert "session token has expired" in report.checks[-1].message


def test_missing_bucket(settings):
    report = check_connection(settings.with_changes(bucket="no-such-bucket-here"))
    bucket_check = report.checks[2]
    assert not bucket_check.ok and bucket_check.code == "NoSuchBucket"
    assert "no-such-bucket-here does not exist" in bucket_check.message
    assert report.checks[3].ok  # SageMaker is still checked


def test_bucket_in_another_region(settings):
    client(settings, "s3").create_bucket(
        Bucket=f"{settings.bucket}-eu", CreateBucketConfiguration={"LocationConstraint":
                                                                   "eu-west-1"})
    report = check_connection(settings.with_changes(bucket=f"{settings.bucket}-eu"))
    assert report.checks[2].code == "BucketRegion"
    assert "is in eu-west-1, not in us-east-1" in report.checks[2].message


def test_access_denied_names_the_action(settings, aws_hooks):
    aws_hooks.on("before-send.sagemaker.ListEndpoints",
                 lambda request, **_: json_error(request, 400, "AccessDeniedException",
                                                 "User is not authorized"))
    report = check_connection(settings)
    sagemaker_check = report.checks[3]
    assert not sagemaker_check.ok
    assert "AWS denied access (sagemaker:ListEndpoints)" in sagemaker_check.message
    assert "IAM policy" in sagemaker_check.message


def test_bucket_access_denied(settings, aws_hooks):
    aws_hooks.on("before-send.s3.HeadBucket",
                 lambda request, **_: xml_error(request, 403, "403", ""))
    report = check_connection(settings)
    assert report.checks[2].code == "AccessDenied"
    assert "denied access to the S3 bucket" in report.checks[2].message


def test_throttling_is_retried_with_backoff_then_succeeds(settings, aws_hooks):
    throttle = FailTimes(2, lambda r: json_error(r, 400, "ThrottlingException", "Rate exceeded"))
    aws_hooks.on("before-send.sagemaker.ListEndpoints", throttle)
    response = client(settings, "sagemaker").list_endpoints()
    assert throttle.attempts == 3
    assert response["ResponseMetadata"]["RetryAttempts"] == 2


def test_throttling_that_never_ends_gives_a_sentence(settings, aws_hooks):
    throttle = FailTimes(99, lambda r: json_error(r, 400, "ThrottlingException",
                                                  "Rate exceeded"))
    aws_hooks.on("before-send.sagemaker.ListEndpoints", throttle)
    from core.backends.aws.errors import aws_errors

    with pytest.raises(AwsError,
                       match="throttling requests .* after retrying with backoff") as caught:
        with aws_errors("sagemaker:ListEndpoints"):
            client(settings, "sagemaker", max_attempts=3).list_endpoints()
    assert throttle.attempts == 3 and caught.value.code == "ThrottlingException"
