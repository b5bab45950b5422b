"""Every script failure names a log that still exists after the execution, with what the
script printed; each execution keeps its own logs."""

from __future__ import annotations

import re
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.monitoring.execution import MonitoringRequest, run_monitoring
from core.scheduling.scheduler import Scheduler
from core.workspace.store import Workspace
from tests.core.monitoring.helpers import SCHEDULED, WINDOW, write_capture
from tests.core.scheduling.helpers import (
    T0,
    FakeClock,
    build_traffic_workspace,
    copy_workspace,
    hourly_schedule,
)

ROWS = [("1", "0.5", "a"), ("0", "0.7", "b"), ("1", "0.9", "a")] * 10
SAYS = "print('the script says hello', flush=True)\n"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    data = folder / "train.csv"
    data.write_text("label,x,color\n" + "".join(f"{a},{b},{c}\n" for a, b, c in ROWS))
    result = suggest_baseline(DatasetSpec(str(data)), folder / "out")
    return result.statistics_path, result.constraints_path


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    """The app's log folder (platformdirs: $XDG_STATE_HOME/<app>/log) inside the test."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def _run(tmp_path, baseline, *, pre=None, post=None, **overrides):
    capture = tmp_path / "capture"
    write_capture(capture, [(f"{x},{c}", label) for label, x, c in ROWS])
    scripts = {}
    for key, body in (("preprocessor_path", pre), ("postprocessor_path", post)):
        if body:
            path = tmp_path / f"{key}.py"
            path.write_text(SAYS + textwrap.dedent(body))
            scripts[key] = path
    return run_monitoring(MonitoringRequest(
        *baseline, tmp_path / "reports", "ep", "hourly", SCHEDULED, WINDOW[0], WINDOW[1],
        capture_root=capture, **scripts, **overrides))


def _named_log(reason: str) -> Path:
    match = re.search(r"The script's log: (\S+)", reason or "")
    assert match, f"no log named in: {reason}"
    return Path(match.group(1))


FAILURES = {
    "raises": ({"pre": "def preprocess_handler(r):\n    raise KeyError('nope')\n"}, "KeyError"),
    "no handler": ({"pre": "x = 1\n"}, None),
    "bad return": ({"pre": "def preprocess_handler(r):\n    return 'row'\n"}, None),
    "hangs": ({"pre": "import time\ndef preprocess_handler(r):\n    time.sleep(60)\n",
               "script_timeout_s": 1}, None),
    "exits": ({"pre": "import os\ndef preprocess_handler(r):\n    os._exit(7)\n"}, None),
    "out of memory": ({"pre": "def preprocess_handler(r):\n    b = bytearray(3 << 30)\n"},
                      "MemoryError"),
    "total limit": ({"pre": "import time\ndef preprocess_handler(r):\n    time.sleep(60)\n",
                     "max_runtime_s": 3, "script_timeout_s": 600}, None),
    "post raises": ({"post": "def postprocess_handler():\n    raise ValueError('bad')\n"},
                    "ValueError"),
    "post exits": ({"post": "import os\ndef postprocess_handler():\n    os._exit(9)\n"}, None),
}


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_the_named_log_exists_after_the_run(tmp_path, baseline, state_home, case):
    options, in_log = FAILURES[case]
    result = _run(tmp_path, baseline, **options)
    assert result.status == "Failed"
    log = _named_log(result.failure_reason)
    assert log.is_file(), f"{log} is gone"
    assert log.is_relative_to(state_home / "model-monitor-desktop" / "log" / "scripts" / "ep"
                              / "hourly")
    text = log.read_text()
    assert "the script says hello" in text
    if in_log:
        assert in_log in text


def test_each_execution_keeps_its_own_logs(tmp_path, baseline, state_home):
    body = "def preprocess_handler(r):\n    raise KeyError('nope')\n"
    first = _named_log(_run(tmp_path / "1", baseline, pre=body).failure_reason)
    second = _named_log(_run(tmp_path / "2", baseline, pre=body).failure_reason)
    assert first.parent != second.parent
    assert first.is_file() and second.is_file()


def test_a_successful_run_keeps_its_logs_too(tmp_path, baseline):
    body = """
        def preprocess_handler(r):
            x, color = r.endpoint_input.data.split(",")
            return {"label": int(r.endpoint_output.data), "x": float(x), "color": color}
    """
    result = _run(tmp_path, baseline, pre=body, post="def postprocess_handler():\n    pass\n",
                  script_log_dir=tmp_path / "kept")
    assert result.status != "Failed", result.failure_reason
    for stem in ("preprocess", "postprocess"):
        assert "the script says hello" in (tmp_path / "kept" / f"{stem}.log").read_text()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_traffic_workspace(tmp_path_factory.mktemp("traffic"))


def test_scheduled_executions_keep_script_logs_in_the_workspace(template, tmp_path):
    script = tmp_path / "pre.py"
    script.write_text(SAYS + "def preprocess_handler(r):\n    raise KeyError('nope')\n")
    with Workspace.open(copy_workspace(template, tmp_path / "ws")) as ws:
        hourly_schedule(ws, preprocessor_path=str(script))
        with Scheduler(ws, clock=FakeClock(T0 + timedelta(hours=2, seconds=1))) as scheduler:
            done = scheduler.tick()
        assert len(done) == 2
        for execution in done:
            assert execution.status == "Failed"
            log = _named_log(execution.failure_reason)
            assert log == ws.root / "logs" / "executions" / str(execution.id) / \
                "preprocess.log"
            assert "KeyError" in log.read_text()
