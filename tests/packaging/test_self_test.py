"""``python main.py --self-test`` from source: offscreen, real engine, every tab rendered."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PROJECT_ROOT
from tests.packaging.self_test_output import assert_self_test_output


def test_self_test_from_source_runs_every_check(tmp_path):
    # No display and no platform chosen: the self-test must pick offscreen by itself.
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env["HOME"] = str(tmp_path)  # nothing may leak into the user's settings either
    result = subprocess.run([sys.executable, "main.py", "--self-test"], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, timeout=240)
    assert_self_test_output(result.returncode, result.stdout, result.stderr)
    assert not any(tmp_path.iterdir()), f"self-test wrote into HOME: {list(tmp_path.iterdir())}"
