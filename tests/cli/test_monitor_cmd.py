"""``main.py monitor`` end to end in a real process: status line, exit codes, metrics stored."""

from __future__ import annotations

import os
import subprocess
import sys

from core.workspace.store import Workspace
from tests.conftest import PROJECT_ROOT
from tests.core.monitoring.helpers import WINDOW, write_capture


def _main(*args):
    return subprocess.run([sys.executable, "main.py", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def _baseline(tmp_path):
    data = tmp_path / "train.csv"
    data.write_text("label,amount,city\n" + "".join(
        f"{i % 2},{i % 7 + 0.5},{'Oslo' if i % 3 else 'Rome'}\n" for i in range(300)))
    assert _main("baseline", "--dataset", str(data), "--output",
                 str(tmp_path / "base")).returncode == 0
    return ["--statistics", str(tmp_path / "base" / "statistics.json"),
            "--constraints", str(tmp_path / "base" / "constraints.json")]


def _window(*extra):
    start, end = (t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in WINDOW)
    return ["--start", start, "--end", end, "--endpoint", "ep", "--schedule", "hourly", *extra]


def test_monitor_prints_the_status_line_and_stores_metrics(tmp_path):
    baseline = _baseline(tmp_path)
    write_capture(tmp_path / "capture", [(f"{i % 7 + 0.5},{'Oslo' if i % 3 else 'Rome'}",
                                          str(i % 2)) for i in range(200)])
    result = _main("monitor", "--capture", str(tmp_path / "capture"), *baseline,
                   "--output", str(tmp_path / "reports"),
                   *_window("--workspace", str(tmp_path / "ws")))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Completed: Job completed successfully with no violations."
    assert "reports/ep/hourly/2024/03/05/11" in lines[1] and "200 records" in lines[1]
    with Workspace.open(tmp_path / "ws") as workspace:
        series = workspace.metric_series("feature_baseline_drift_amount", endpoint="ep")
    assert [(when, value) for when, value in series] == [(WINDOW[0], 0.0)]


def test_monitor_with_violations_exits_zero_and_failure_exits_two(tmp_path):
    baseline = _baseline(tmp_path)
    write_capture(tmp_path / "capture", [("9.5,Paris", "0.25")] * 50)
    result = _main("monitor", "--capture", str(tmp_path / "capture"), *baseline,
                   "--output", str(tmp_path / "reports"), *_window())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("CompletedWithViolations: Job completed successfully with ")
    empty = _main("monitor", "--capture", str(tmp_path / "capture"), *baseline,
                  "--output", str(tmp_path / "reports2"), "--start", "2020-01-01T00:00:00Z",
                  "--end", "2020-01-01T01:00:00Z")
    assert empty.returncode == 2
    assert empty.stderr.strip() == "Failed: Job inputs had no data"
    assert not (tmp_path / "reports2").exists()  # not even an empty yyyy/mm/dd tree
