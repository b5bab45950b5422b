"""The app starts fast without the AWS libraries: importing the AWS backend, the settings and
the storage layer loads neither boto3 nor the sagemaker SDK (they load on first use)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_ROOT

MODULES = ["core.config", "core.backends.storage", "cli.aws_cmd"] + [
    f"core.backends.aws.{name}" for name in (
        "session", "errors", "connection", "endpoints", "invoke", "metrics", "engine_runs",
        "results", "managed_monitor", "images")]


def test_backend_imports_load_no_aws_library():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in MODULES)
            + "heavy = [m for m in ('boto3', 'botocore', 'sagemaker', 'sagemaker.core') "
              "if m in sys.modules]\nprint(heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.strip() == "[]"
