"""Fault-injection tests: real endpoint processes, real files, real S3 on loopback.

The endpoint fixtures are the serving tests' own (a demo model, a fresh workspace, every
endpoint stopped after the test); the loopback S3 server is the AWS tests'.
"""

from __future__ import annotations

from tests.aws.conftest import aws_env, moto_url, settings  # noqa: F401 (fixtures)
from tests.core.serving.conftest import (  # noqa: F401 (fixtures)
    demo_root,
    deploy,
    model,
    model_tar,
    traffic_rows,
    workspace,
)
