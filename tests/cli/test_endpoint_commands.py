"""The headless loop: demo init, deploy, endpoints, traffic, undeploy, serve, as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _main(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def demo_workspace(tmp_path):
    folder = tmp_path / "demo"
    result = _main("demo", "init", str(folder))
    assert result.returncode == 0, result.stderr
    assert "demo workspace ready" in result.stdout
    yield folder
    _main("undeploy", "--workspace", str(folder), "cli-ep")  # never leave a server behind


def test_deploy_traffic_endpoints_undeploy(demo_workspace):
    ws = str(demo_workspace)
    model = demo_workspace / "models" / "demo-churn-xgb" / "model.tar.gz"
    deployed = _main("deploy", "--workspace", ws, "--name", "cli-ep", "--model", str(model),
                     "--sampling", "100")
    assert deployed.returncode == 0, deployed.stderr
    assert "cli-ep InService http://127.0.0.1:" in deployed.stdout

    listing = _main("endpoints", "--workspace", ws)
    assert "cli-ep" in listing.stdout and "InService" in listing.stdout
    assert "demo-churn-xgb" in listing.stdout and "OutOfService" in listing.stdout

    traffic = _main("traffic", "--workspace", ws, "--endpoint", "cli-ep", "--file",
                    str(demo_workspace / "datasets" / "churn-traffic-drift.csv"),
                    "--concurrency", "4", "--inference-ids")
    # The drifted file holds rows the endpoint must refuse: those are errors, the rest pass.
    assert traffic.returncode == 1 and "sent 1000" in traffic.stdout
    errors = int(traffic.stdout.split("errors ")[-1].split()[0])
    assert 3 <= errors <= 10 and "expects 69" in traffic.stdout + traffic.stderr

    stopped = _main("undeploy", "--workspace", ws, "cli-ep")
    assert stopped.returncode == 0 and "cli-ep Deleted" in stopped.stdout
    lines = [ln for p in (demo_workspace / "capture" / "cli-ep").rglob("*.jsonl")
             for ln in p.read_text().splitlines()]
    assert len(lines) == 1000 - errors
    ids = {json.loads(ln)["eventMetadata"]["inferenceId"] for ln in lines}
    assert len(ids) == len(lines)


def test_bad_model_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.tar.gz"
    bad.write_bytes(b"not gzip at all")
    result = _main("deploy", "--workspace", str(tmp_path / "ws"), "--name", "bad",
                   "--model", str(bad), "--timeout", "30")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "not an XGBoost model" in result.stderr


def test_serve_runs_until_sigterm_and_flushes(tmp_path, demo_workspace):
    port_file, capture = tmp_path / "port", tmp_path / "capture"
    model = demo_workspace / "models" / "demo-churn-xgb" / "model.tar.gz"
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--name", "srv",
                             "--model", str(model), "--capture-dest", str(capture),
                             "--port-file", str(port_file)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}"
        traffic = _main("traffic", "--url", url, "--file",
                        str(demo_workspace / "datasets" / "churn-traffic.csv"), "--repeat", "1")
        assert traffic.returncode == 0, traffic.stdout + traffic.stderr
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0
    assert "1000 capture records written" in output
    assert sum(len(p.read_text().splitlines()) for p in capture.rglob("*.jsonl")) == 1000
