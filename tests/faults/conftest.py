"""Fault tests use the endpoint tests' fixtures: the demo model, a workspace, deployments; and
the AWS tests' S3 server on loopback."""

from tests.aws.conftest import aws_env, moto_url, settings  # noqa: F401 (fixtures)
from tests.core.serving.conftest import (  # noqa: F401 (fixtures, found by name)
    demo_root,
    deploy,
    model,
    model_tar,
    traffic_rows,
    workspace,
)
