"""``python main.py --self-test`` from source: offscreen, real engine, every tab rendered."""

from __future__ import annotations

import io
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


def test_a_check_that_raises_is_a_loud_fail():
    from gui.self_test import Report

    out = io.StringIO()
    report = Report(out)
    assert report.run("fine", lambda: ("value", "all good")) == "value"
    assert report.run("broken", lambda: 1 / 0) is None
    report.fail("dependent", "needs the broken one")
    printed = out.getvalue()
    assert "OK   fine: all good" in printed
    assert "FAIL broken: ZeroDivisionError: division by zero" in printed
    assert "Traceback" in printed
    assert "FAIL dependent: needs the broken one" in printed
    assert not report.passed
    assert [r.ok for r in report.results] == [True, False, False]
