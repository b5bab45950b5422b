"""Fault tests use the endpoint tests' fixtures: the demo model, a workspace, deployments."""

from tests.core.serving.conftest import (  # noqa: F401 (fixtures, found by name)
    demo_root,
    deploy,
    model,
    model_tar,
    workspace,
)
