"""The README's boto3 snippet runs as written against the demo's endpoint, deployed for real."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.timeout(240)


def _main(*args: str, cwd) -> str:
    done = subprocess.run([sys.executable, str(PROJECT_ROOT / "main.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_readme_boto3_snippet_runs_as_written(tmp_path, monkeypatch):
    readme = (PROJECT_ROOT / "README.md").read_text()
    snippet = re.search(r"```python\n(import boto3.*?)```", readme, re.DOTALL).group(1)
    _main("demo", "init", "demo-workspace", cwd=tmp_path)
    _main("deploy", "--name", "demo-churn-xgb", "--model",
          "demo-workspace/models/demo-churn-xgb/model.tar.gz", cwd=tmp_path)
    try:
        port = re.search(r"demo-churn-xgb\s+InService\s+http://127\.0\.0\.1:(\d+)",
                         _main("endpoints", cwd=tmp_path)).group(1)
        monkeypatch.chdir(tmp_path)
        printed: list = []
        exec(compile(snippet.replace("PORT", port), "README.md", "exec"),  # noqa: S102
             {"print": printed.append})
        assert 0.0 <= float(printed[0]) <= 1.0  # the model's churn probability
    finally:
        _main("undeploy", "demo-churn-xgb", cwd=tmp_path)
