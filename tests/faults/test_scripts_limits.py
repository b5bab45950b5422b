"""An execution's scripts have a memory cap and a total time limit; reaching either fails the
execution with one sentence that names the limit and the script's log."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.monitoring.execution import MonitoringRequest, report_folder, run_monitoring
from tests.conftest import PROJECT_ROOT
from tests.core.monitoring.helpers import SCHEDULED, WINDOW, write_capture

ROWS = [("1", "0.5", "a"), ("0", "0.7", "b"), ("1", "0.9", "a")] * 10

ALLOCATE_3GB = """
def preprocess_handler(inference_record):
    hog = bytearray(3 * 1024 ** 3)
    return {"label": 1}
"""
NUMPY_3GB_POST = """
import numpy as np
def postprocess_handler():
    hog = np.ones(3 * 1024 ** 3 // 8)
"""
GROW_UNTIL_REFUSED = """
def preprocess_handler(inference_record):
    hoard = []
    while True:
        hoard.append(bytearray(64 * 1024 ** 2))
"""
NEVER_ENDS = """
import time
def preprocess_handler(inference_record):
    while True:
        time.sleep(0.05)
"""
NEVER_ENDS_POST = """
def postprocess_handler():
    while True:
        pass
"""


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    data = folder / "train.csv"
    data.write_text("label,x,color\n" + "".join(f"{a},{b},{c}\n" for a, b, c in ROWS))
    result = suggest_baseline(DatasetSpec(str(data)), folder / "out")
    return result.statistics_path, result.constraints_path


def _run(tmp_path, baseline, *, pre=None, post=None, **overrides):
    capture = tmp_path / "capture"
    write_capture(capture, [(f"{x},{c}", label) for label, x, c in ROWS])
    scripts = {}
    for key, body in (("preprocessor_path", pre), ("postprocessor_path", post)):
        if body:
            path = tmp_path / f"{key}.py"
            path.write_text(textwrap.dedent(body))
            scripts[key] = path
    request = MonitoringRequest(*baseline, tmp_path / "reports", "ep", "hourly", SCHEDULED,
                                WINDOW[0], WINDOW[1], capture_root=capture,
                                script_log_dir=tmp_path / "logs", **scripts, **overrides)
    return run_monitoring(request)


def _log_named(reason: str):
    match = re.search(r"The script's log: (\S+)", reason)
    assert match, reason
    return Path(match.group(1))


@pytest.mark.parametrize(("pre", "post"), [
    (ALLOCATE_3GB, None), (GROW_UNTIL_REFUSED, None), (None, NUMPY_3GB_POST)])
def test_a_script_over_the_memory_limit_fails_the_execution(tmp_path, baseline, pre, post):
    result = _run(tmp_path, baseline, pre=pre, post=post)
    assert result.status == "Failed"
    reason = result.failure_reason
    stem = "preprocess" if pre else "postprocess"
    assert reason.startswith(f"The {stem} script ran out of memory: it may use at most 2 GB "
                             "of address space"), reason
    assert "\n" not in reason and "Traceback" not in reason
    assert _log_named(reason).is_file() and "MemoryError" in _log_named(reason).read_text()
    assert not report_folder(tmp_path / "reports", "ep", "hourly", SCHEDULED).exists()


def test_the_memory_limit_is_a_setting(tmp_path, baseline):
    body = """
        def preprocess_handler(inference_record):
            hog = bytearray(700 * 1024 ** 2)
            return {"label": int(inference_record.endpoint_output.data == "1"),
                    "x": 0.5, "color": "a"}
    """
    capped = _run(tmp_path / "capped", baseline, pre=body, script_memory_mb=512)
    assert capped.status == "Failed" and "at most 512 MB" in capped.failure_reason
    roomy = _run(tmp_path / "roomy", baseline, pre=body, script_memory_mb=1536)
    assert roomy.status != "Failed", roomy.failure_reason
    unlimited = _run(tmp_path / "unlimited", baseline, pre=body, script_memory_mb=0)
    assert unlimited.status != "Failed", unlimited.failure_reason


@pytest.mark.parametrize(("pre", "post", "stem"), [
    (NEVER_ENDS, None, "preprocess"), (None, NEVER_ENDS_POST, "postprocess")])
def test_a_script_that_never_ends_fails_at_the_total_limit(tmp_path, baseline, pre, post,
                                                           stem):
    started = time.monotonic()
    result = _run(tmp_path, baseline, pre=pre, post=post, max_runtime_s=5,
                  script_timeout_s=600)  # the per-record limit alone would wait 10 minutes
    took = time.monotonic() - started
    assert result.status == "Failed"
    assert result.failure_reason.startswith(
        f"The execution reached its total time limit of 5 s while the {stem} script ran"), \
        result.failure_reason
    assert _log_named(result.failure_reason).is_file()
    assert 5 <= took < 25


def _cli(tmp_path, baseline, *extra):
    write_capture(tmp_path / "capture", [(f"{x},{c}", label) for label, x, c in ROWS])
    return subprocess.run(
        [sys.executable, "main.py", "monitor", "--capture", str(tmp_path / "capture"),
         "--endpoint", "ep", "--statistics", str(baseline[0]), "--constraints",
         str(baseline[1]), "--output", str(tmp_path / "reports"),
         "--start", "2024-03-05T10:00:00Z", "--end", "2024-03-05T11:00:00Z",
         "--script-logs", str(tmp_path / "logs"), *extra],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def test_cli_limits(tmp_path, baseline):
    script = tmp_path / "hog.py"
    script.write_text(textwrap.dedent(ALLOCATE_3GB))
    run = _cli(tmp_path, baseline, "--preprocessor", str(script), "--script-memory", "1024")
    assert run.returncode == 2, run.stderr
    # A Failed execution's status line goes to stderr, like every other error.
    assert run.stderr.startswith("Failed: The preprocess script ran out of memory: it may use "
                                 "at most 1 GB"), run.stderr
    assert str(tmp_path / "logs") in run.stderr and "Traceback" not in run.stderr
    forever = tmp_path / "forever.py"
    forever.write_text(textwrap.dedent(NEVER_ENDS))
    run = _cli(tmp_path, baseline, "--preprocessor", str(forever), "--max-runtime", "3",
               "--timeout", "600")
    assert run.returncode == 2 and "total time limit of 3 s" in run.stderr, run.stderr


@pytest.mark.parametrize("option", [("--max-runtime", "0"), ("--max-runtime", "nan"),
                                    ("--max-runtime", "-5"), ("--script-memory", "-1")])
def test_cli_refuses_bad_limits(tmp_path, baseline, option):
    run = _cli(tmp_path, baseline, *option)
    assert run.returncode == 2
    assert option[0] in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
