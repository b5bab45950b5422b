"""Turn boto3/botocore failures into sentences a user can act on.

Every AWS call in the backend runs inside :func:`aws_errors`, which names the action that
failed (``s3:PutObject on s3://bucket/key``) and says what to do about it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import AppError

log = logging.getLogger(__name__)

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded", "SlowDown", "RequestThrottled",
    "ProvisionedThroughputExceededException", "LimitExceededException"})
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired",
                           "TokenRefreshRequired"})
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                          "AuthorizationError", "Forbidden", "403"})
BAD_KEY_CODES = frozenset({"InvalidClientTokenId", "InvalidAccessKeyId",
                           "SignatureDoesNotMatch", "UnrecognizedClientException"})
MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound", "ResourceNotFound",
                           "ResourceNotFoundException"})


class AwsError(AppError):
    """An AWS call failed; ``code`` is AWS's error code when there was one."""

    def __init__(self, message: str, *, code: str = "", action: str = "") -> None:
        super().__init__(message)
        self.code, self.action = code, action


def _client_error_message(error, action: str) -> tuple[str, str]:
    info = error.response.get("Error", {})
    code = str(info.get("Code", "") or error.response.get("ResponseMetadata", {})
               .get("HTTPStatusCode", ""))
    detail = str(info.get("Message", "") or "").strip()
    where = f" ({action})" if action else ""
    if code in DENIED_CODES:
        return code, (f"AWS denied access{where}: the credentials in use are not allowed to do "
                      f"this. Ask an administrator to allow it in your IAM policy. {detail}")
    if code in EXPIRED_CODES:
        return code, (f"Your AWS session token has expired{where}. Sign in again (for example "
                      f"'aws sso login') and retry.")
    if code in BAD_KEY_CODES:
        return code, (f"AWS does not recognise the access key in use{where}. Check the profile's "
                      f"credentials, or that the clock of this computer is right.")
    if code == "NoSuchBucket":
        bucket = info.get("BucketName", "")
        return code, (f"The S3 bucket {bucket or ''} does not exist{where}. Create it, or choose "
                      f"another bucket in the AWS settings.").replace("bucket  ", "bucket ")
    if code in {"PermanentRedirect", "AuthorizationHeaderMalformed", "301",
                "IllegalLocationConstraintException"}:
        region = info.get("Region", "") or info.get("BucketRegion", "")
        return code, (f"The S3 bucket is in another region{where}"
                      f"{f' ({region})' if region else ''}. Set that region in the AWS "
                      f"settings, or choose a bucket in your region.")
    if code in THROTTLING_CODES:
        return code, (f"AWS is throttling requests{where} and still refused after retrying "
                      f"with backoff. Wait a minute and retry, or ask for a higher quota.")
    if code in MISSING_CODES:
        return code, f"Not found{where}: {detail or 'the object or resource does not exist'}."
    return code, f"AWS refused the request{where}: {code}: {detail}".rstrip(": ")


def translate(error: BaseException, action: str = "") -> AppError:
    """The :class:`AwsError` for a botocore/boto3 exception (other errors pass through)."""
    from botocore import exceptions as bx

    where = f" ({action})" if action else ""
    if isinstance(error, AppError):
        return error
    if isinstance(error, bx.NoCredentialsError):
        return AwsError(f"No AWS credentials were found{where}. Configure them with "
                        f"'aws configure' or 'aws sso login', or choose a profile that has "
                        f"them in the AWS settings.", code="NoCredentials", action=action)
    if isinstance(error, bx.ProfileNotFound):
        return AwsError(f"The AWS profile {error.kwargs.get('profile', '')!r} does not exist in "
                        f"your AWS config files. Choose another profile in the AWS settings.",
                        code="ProfileNotFound", action=action)
    if isinstance(error, (bx.TokenRetrievalError, bx.SSOTokenLoadError,
                          bx.UnauthorizedSSOTokenError)):
        return AwsError(f"Your AWS SSO session has expired{where}. Run 'aws sso login' and "
                        f"retry.", code="ExpiredToken", action=action)
    if isinstance(error, bx.NoRegionError):
        return AwsError("No AWS region is set. Choose one in the AWS settings.",
                        code="NoRegion", action=action)
    if isinstance(error, (bx.EndpointConnectionError, bx.ConnectTimeoutError,
                          bx.ReadTimeoutError, bx.ConnectionClosedError)):
        return AwsError(f"Cannot reach AWS{where}: {error}. Check the network connection, "
                        f"proxy and region.", code="Connection", action=action)
    if isinstance(error, bx.ParamValidationError):
        return AwsError(f"The request was not valid{where}: {error}", code="ParamValidation",
                        action=action)
    if isinstance(error, bx.ClientError):
        code, message = _client_error_message(error, action)
        return AwsError(message, code=code, action=action)
    if isinstance(error, bx.BotoCoreError):
        return AwsError(f"AWS call failed{where}: {error}", code=type(error).__name__,
                        action=action)
    return AwsError(f"AWS call failed{where}: {error}", action=action)


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Re-raise botocore failures inside the block as :class:`AwsError` naming ``action``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        log.info("AWS call failed: %s: %r", action, error)
        raise translate(error, action) from None
