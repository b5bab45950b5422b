"""The AWS settings file: defaults, round trip, validation, and no secrets ever."""

from __future__ import annotations

import json

import pytest

from core.config import AwsSettings, default_settings_path, load_settings, save_settings
from core.errors import InputError, ValidationError


def test_missing_file_gives_defaults(tmp_path):
    assert load_settings(tmp_path / "absent.json") == AwsSettings()


def test_round_trip_and_no_secret_keys_written(tmp_path):
    settings = AwsSettings(profile="analyst", region="eu-west-1",
                           role_arn="arn:aws:iam::123456789012:role/SageMakerRole",
                           bucket="my-bucket", prefix="mm/", publish_metrics=False)
    path = save_settings(settings, tmp_path / "cfg" / "aws.json")
    assert load_settings(path) == settings
    text = path.read_text().lower()
    assert "secret" not in text and "access_key" not in text and "token" not in text
    assert settings.s3_uri("data-capture") == "s3://my-bucket/mm/data-capture"


def test_default_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_settings_path() == tmp_path / "model-monitor-desktop" / "aws-settings.json"


def test_credentials_in_the_file_are_refused(tmp_path):
    path = tmp_path / "aws.json"
    path.write_text(json.dumps({"bucket": "b-b-b", "aws_secret_access_key": "x"}))
    with pytest.raises(InputError, match="credentials"):
        load_settings(path)


@pytest.mark.parametrize("content, match", [("{not json", "cannot read"),
                                            ('{"region": 5}', "region"),
                                            ("[1]", "JSON object")])
def test_bad_files_name_the_problem(tmp_path, content, match):
    path = tmp_path / "aws.json"
    path.write_text(content)
    with pytest.raises(InputError, match=match):
        load_settings(path)


@pytest.mark.parametrize("changes, match", [({"region": "Europe"}, "region"),
                                            ({"role_arn": "MyRole"}, "IAM role ARN"),
                                            ({"bucket": "My_Bucket"}, "Bucket name"),
                                            ({"endpoint_url": "localhost:9000"}, "http")])
def test_validation_sentences(changes, match):
    with pytest.raises(ValidationError, match=match):
        AwsSettings(**changes).validate()


def test_no_bucket_means_no_s3_root():
    with pytest.raises(ValidationError, match="No S3 bucket"):
        AwsSettings().s3_root()
