"""AWS backend settings: profile, region, execution role, S3 bucket and prefix, in a JSON file.

No secret ever lives here: credentials come only from boto3's standard chain (environment,
shared files, SSO, instance roles), selected by the profile name.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from core import atomic
from core.errors import InputError, ValidationError

log = logging.getLogger(__name__)

APP_FOLDER = "model-monitor-desktop"
SETTINGS_FILE = "aws-settings.json"
# Keys that would hold secrets: refused on load and never written.
SECRET_KEYS = frozenset({"aws_access_key_id", "aws_secret_access_key", "aws_session_token",
                         "access_key", "secret_key", "session_token", "password"})
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


@dataclass(frozen=True)
class AwsSettings:
    """Where the AWS backend works. Empty strings mean "boto3's default" (profile, region).

    ``endpoint_url`` is for S3-compatible storage or a local AWS emulator; empty for AWS.
    ``publish_metrics`` sends execution metrics to CloudWatch; ``client_side_capture`` makes
    the traffic runner write capture records itself for endpoints that cannot capture.
    """

    profile: str = ""
    region: str = ""
    role_arn: str = ""
    bucket: str = ""
    prefix: str = "model-monitor"
    endpoint_url: str = ""
    publish_metrics: bool = True
    client_side_capture: bool = False

    def s3_root(self) -> str:
        """``s3://bucket/prefix`` (no trailing slash), the base of every default location."""
        if not self.bucket:
            raise ValidationError("No S3 bucket is set: choose one in the AWS settings.")
        prefix = self.prefix.strip("/")
        return f"s3://{self.bucket}/{prefix}" if prefix else f"s3://{self.bucket}"

    def s3_uri(self, *parts: str) -> str:
        """A location under :meth:`s3_root`, e.g. ``s3_uri("data-capture")``."""
        return "/".join([self.s3_root(), *(p.strip("/") for p in parts if p)])

    def validate(self) -> AwsSettings:
        """Check the shapes AWS requires; returns self so calls chain."""
        if self.region and not _REGION.match(self.region):
            raise ValidationError(f"Region {self.region!r} is not an AWS region name "
                                  f"such as us-east-1 or eu-west-1.")
        if self.role_arn and not _ROLE_ARN.match(self.role_arn):
            raise ValidationError(f"Role ARN {self.role_arn!r} is not an IAM role ARN such as "
                                  f"arn:aws:iam::123456789012:role/SageMakerRole.")
        if self.bucket and not _BUCKET.match(self.bucket):
            raise ValidationError(f"Bucket name {self.bucket!r} is not valid: use 3 to 63 "
                                  f"lowercase letters, digits, dots and hyphens.")
        if self.endpoint_url and not self.endpoint_url.startswith(("http://", "https://")):
            raise ValidationError(f"Endpoint URL {self.endpoint_url!r} must start with "
                                  f"http:// or https://.")
        return self

    def with_changes(self, **changes) -> AwsSettings:
        return replace(self, **changes)


def default_settings_path() -> Path:
    """``$XDG_CONFIG_HOME/model-monitor-desktop/aws-settings.json`` (``~/.config`` by default)."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / APP_FOLDER / SETTINGS_FILE


def load_settings(path: str | os.PathLike | None = None) -> AwsSettings:
    """The settings in ``path`` (default: :func:`default_settings_path`); defaults if absent.

    Raises:
        InputError: the file is not JSON, holds a secret, or has a value of the wrong type.
    """
    path = Path(path) if path is not None else default_settings_path()
    if not path.is_file():
        return AwsSettings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"cannot read the AWS settings: {error}", path=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("the AWS settings must be a JSON object", path=str(path))
    secrets = sorted(k for k in data if k.lower() in SECRET_KEYS)
    if secrets:
        raise InputError(f"holds credentials ({', '.join(secrets)}); remove them and use an AWS "
                         f"profile or environment credentials instead", path=str(path))
    values = {}
    for spec in fields(AwsSettings):
        if spec.name not in data:
            continue
        value = data[spec.name]
        wanted = bool if spec.type == "bool" else str
        if not isinstance(value, wanted):
            raise InputError(f"{spec.name} must be a {'true/false' if wanted is bool else 'text'}"
                             f" value", path=str(path), field=spec.name)
        values[spec.name] = value.strip() if isinstance(value, str) else value
    unknown = sorted(set(data) - set(values))
    if unknown:
        log.info("ignoring unknown AWS settings %s in %s", unknown, path)
    return AwsSettings(**values)


def save_settings(settings: AwsSettings, path: str | os.PathLike | None = None) -> Path:
    """Validate and write ``settings`` atomically; returns the path written."""
    settings.validate()
    path = Path(path) if path is not None else default_settings_path()
    return atomic.write_text(path, json.dumps(asdict(settings), indent=2) + "\n")
