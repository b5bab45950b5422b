"""boto3 sessions and clients for the AWS settings, with standard retries and backoff.

Credentials come only from boto3's chain for the chosen profile; nothing here stores them.
"""

from __future__ import annotations

import logging
import threading

from core.backends.aws.errors import aws_errors
from core.config import AwsSettings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # botocore "standard" mode: exponential backoff with jitter between attempts
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60

_loader_lock = threading.Lock()
_shared_loader = None


def _loader():
    """One botocore data loader for every session: service models are parsed once."""
    global _shared_loader
    with _loader_lock:
        if _shared_loader is None:
            import botocore.loaders

            _shared_loader = botocore.loaders.create_loader()
        return _shared_loader


def session(settings: AwsSettings):
    """A fresh ``boto3.Session`` for the settings' profile and region.

    Not cached: credentials are resolved anew, so a renewed SSO login or changed settings
    take effect on the next operation (only the parsed service models are shared).

    Raises:
        AwsError: the profile does not exist.
    """
    import boto3
    import botocore.session

    loader = _loader()
    with aws_errors("opening the AWS profile"):
        core_session = botocore.session.Session(profile=settings.profile or None)
        core_session.register_component("data_loader", loader)
        result = boto3.Session(botocore_session=core_session,
                               region_name=settings.region or None)
    with _loader_lock:  # boto3 appends its data folder to the shared loader on every session
        paths = loader.search_paths
        paths[:] = list(dict.fromkeys(paths))
    return result


def client_config(max_attempts: int | None = None, **extra):
    """botocore ``Config`` with standard retries (throttling is retried with backoff)."""
    from botocore.config import Config

    return Config(retries={"mode": "standard",
                           "total_max_attempts": max_attempts or MAX_ATTEMPTS},
                  connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S, **extra)


def client(settings: AwsSettings, service: str, *, max_attempts: int | None = None):
    """A boto3 client for ``service`` ("s3", "sagemaker", "cloudwatch", ...).

    S3 uses path-style addressing when ``endpoint_url`` points at S3-compatible storage.
    """
    extra = {}
    if service == "s3" and settings.endpoint_url:
        extra["s3"] = {"addressing_style": "path"}
    config = client_config(max_attempts, **extra)
    with aws_errors(f"creating the {service} client"):
        return session(settings).client(service, endpoint_url=settings.endpoint_url or None,
                                        config=config)


def region_of(settings: AwsSettings) -> str:
    """The region in effect: the settings', else the profile's or environment's."""
    from core.backends.aws.errors import AwsError

    region = settings.region or session(settings).region_name
    if not region:
        raise AwsError("No AWS region is set. Choose one in the AWS settings.", code="NoRegion")
    return region
