"""A real AWS-speaking server on loopback (moto in server mode) and fake credentials.

The server is started once per test process; every test gets fake credentials and empty AWS
config files through the environment, so a developer's real AWS setup is never used.
"""

from __future__ import annotations

import uuid

import pytest

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/MonitorRole"


@pytest.fixture(scope="session")
def moto_url():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, tmp_path, moto_url):
    """Fake credentials and empty AWS config files, only for this test."""
    empty = tmp_path / "aws-empty-config"
    empty.write_text("")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)  # belt and braces: never real AWS
    sdk_config = tmp_path / "sagemaker-config.yaml"  # the SDK's defaults files, also empty
    sdk_config.write_text("# no SageMaker SDK defaults in tests\n")
    monkeypatch.setenv("SAGEMAKER_ADMIN_CONFIG_OVERRIDE", str(sdk_config))
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(sdk_config))
    return moto_url


@pytest.fixture
def settings(aws_env):
    """AWS settings pointing at the loopback server, with a fresh bucket."""
    from core.backends.aws.session import client
    from core.config import AwsSettings

    bucket = f"mm-test-{uuid.uuid4().hex[:12]}"
    result = AwsSettings(region=REGION, role_arn=ROLE_ARN, bucket=bucket, prefix="monitor",
                         endpoint_url=aws_env)
    client(result, "s3").create_bucket(Bucket=bucket)
    return result


@pytest.fixture(autouse=True)
def requests_checked_against_the_service_model(monkeypatch):
    """Every request the backend sends in these tests, to the loopback server or to a hook, is
    checked first against what AWS checks (``tests/aws/hooks.py`` says exactly what): the
    loopback server itself accepts names and values AWS would refuse."""
    from core.backends.aws import session as session_module
    from tests.aws.hooks import model_constraint_problems

    original = session_module.session

    def check(params, model, **_kwargs):
        if model.input_shape is not None:
            problems = model_constraint_problems(params, model.input_shape)
            assert not problems, f"{model.name} would be refused by AWS: " + "; ".join(problems)

    def checked_session(settings):
        boto_session = original(settings)
        boto_session.events.register("before-parameter-build", check)
        return boto_session

    monkeypatch.setattr(session_module, "session", checked_session)


@pytest.fixture
def aws_hooks(monkeypatch):
    """Register botocore event hooks on every session the backend opens in this test."""
    from core.backends.aws import session as session_module

    registered: list[tuple[str, object]] = []
    original = session_module.session

    def hooked_session(settings):
        boto_session = original(settings)
        for event, handler in registered:
            boto_session.events.register(event, handler)
        return boto_session

    monkeypatch.setattr(session_module, "session", hooked_session)

    class Hooks:
        def on(self, event: str, handler) -> None:
            registered.append((event, handler))

    return Hooks()
