"""An endpoint whose capture cannot be written never looks healthy, and loses nothing it can
keep: unwritable, deleted and full destinations against real endpoint processes."""

from __future__ import annotations

import http.client
import json
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.serving.lifecycle import CaptureConfig, capture_health, refresh_endpoints, undeploy
from tests.core.serving.capture_files import read_capture

ROOT = Path(__file__).resolve().parents[2]


def _main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _post(url: str, rows: list[str], ids: list[str]) -> list[int]:
    """POST one row per id over one keep-alive connection; the statuses."""
    parts = urlsplit(url)
    conn, statuses = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10), []
    for n, inference_id in enumerate(ids):
        conn.request("POST", "/invocations", body=rows[n % len(rows)],
                     headers={"Content-Type": "text/csv",
                              "X-Amzn-SageMaker-Inference-Id": inference_id})
        response = conn.getresponse()
        response.read()
        statuses.append(response.status)
    conn.close()
    return statuses


def _wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return value


def _unwritable(tmp_path: Path, kind: str) -> str:
    if kind == "proc":
        return "/proc/nope"  # not even root can create folders there
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    return str(blocker / "capture")


@pytest.mark.parametrize("kind", ["proc", "under-a-file"])
def test_unwritable_destination_is_degraded_with_counts_in_endpoints(tmp_path, model_tar,
                                                                    traffic_rows, kind):
    ws = str(tmp_path / "ws")
    destination = _unwritable(tmp_path, kind)
    deployed = _main("deploy", "--workspace", ws, "--name", "lost", "--model", str(model_tar),
                     "--capture-dest", destination)
    try:
        assert deployed.returncode == 0, deployed.stderr
        last = deployed.stdout.splitlines()[-1]
        assert last.startswith("lost Degraded http://127.0.0.1:"), deployed.stdout
        url = last.split()[2]
        assert _post(url, traffic_rows, [f"r{n}" for n in range(25)]) == [200] * 25

        def listed():
            rows = json.loads(_main("endpoints", "--workspace", ws, "--json").stdout)
            counts = rows[0]["CaptureCounts"]
            return rows[0] if counts and counts["answered"] == 25 else None

        row = _wait_for(listed)
        assert row["EndpointStatus"] == "Degraded"
        assert "Capture is failing" in row["FailureReason"]
        counts = row["CaptureCounts"]
        assert (counts["answered"], counts["captured"], counts["failed"],
                counts["retrying"]) == (25, 0, 0, 25)
        table = _main("endpoints", "--workspace", ws)
        assert "Degraded" in table.stdout and "RETRYING" in table.stdout
    finally:
        stopped = _main("undeploy", "--workspace", ws, "lost")
    assert stopped.returncode == 0, stopped.stderr
    final = json.loads(_main("endpoints", "--workspace", ws, "--json").stdout)[0]
    assert final["EndpointStatus"] == "Deleted"
    assert final["CaptureCounts"]["failed"] == 25  # lost at the stop, and said so
    assert final["CaptureCounts"]["running"] is False


def test_refuse_mode_answers_503_while_capture_fails(tmp_path, deploy, workspace, traffic_rows):
    destination = _unwritable(tmp_path, "under-a-file")
    record = deploy("refuser", CaptureConfig(enable=True, destination=destination,
                                             refuse_when_failing=True))
    assert record.status == "Degraded"
    assert _post(record.url, traffic_rows, [f"r{n}" for n in range(10)]) == [503] * 10
    health = _wait_for(lambda: (h := capture_health(workspace, "refuser")) and
                       h["refused"] == 10 and h)
    assert (health["answered"], health["captured"], health["retrying"]) == (0, 0, 0)
    Path(destination).parent.unlink()  # the destination becomes writable again
    _wait_for(lambda: capture_health(workspace, "refuser")["state"] == "InService")
    assert _post(record.url, traffic_rows, ["ok-1", "ok-2"]) == [200, 200]
    assert refresh_endpoints(workspace)[0].status == "InService"
    undeploy(workspace, "refuser")
    ids = [r["eventMetadata"]["inferenceId"] for r in read_capture(Path(destination))[0]]
    assert ids == ["ok-1", "ok-2"]  # a refused request is never captured


@pytest.mark.parametrize("synchronous", [False, True], ids=["queued", "synchronous"])
def test_capture_folder_deleted_mid_traffic_keeps_landing(deploy, workspace, traffic_rows,
                                                         synchronous):
    record = deploy("deleted", CaptureConfig(enable=True, synchronous=synchronous))
    folder = workspace.capture_dir / "deleted"
    lock, deletions, acked, stop = threading.Lock(), [0], {}, threading.Event()

    def client(number: int) -> None:
        parts = urlsplit(record.url)
        conn, n = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10), 0
        while not stop.is_set():
            n += 1
            with lock:
                generation = deletions[0]
            conn.request("POST", "/invocations", body=traffic_rows[n % len(traffic_rows)],
                         headers={"Content-Type": "text/csv",
                                  "X-Amzn-SageMaker-Inference-Id": f"c{number}-{n}"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            with lock:
                acked[f"c{number}-{n}"] = generation

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(3):
        _wait_for(lambda: folder.is_dir() and any(folder.rglob("*.jsonl")), timeout=10)
        time.sleep(0.2)
        shutil.rmtree(folder, ignore_errors=True)  # the user deletes the capture folder
        with lock:
            deletions[0] += 1
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(30)
    undeploy(workspace, "deleted")
    captured = [r["eventMetadata"]["inferenceId"] for r in read_capture(folder)[0]]
    after_last = {i for i, generation in acked.items() if generation == deletions[0]}
    assert len(captured) == len(set(captured)), "a record was written twice"
    assert after_last and after_last <= set(captured), \
        f"{len(after_last - set(captured))} records sent after the deletion are missing"
    health = capture_health(workspace, "deleted")
    assert (health["answered"], health["captured"], health["failed"]) == (
        len(acked), len(acked), 0)


def test_full_disk_degrades_then_every_record_lands_once(deploy, workspace, traffic_rows):
    record = deploy("full", CaptureConfig(enable=True))
    assert _post(record.url, traffic_rows, [f"a{n}" for n in range(20)]) == [200] * 20
    _wait_for(lambda: capture_health(workspace, "full")["captured"] == 20)
    written = sum(p.stat().st_size for p in (workspace.capture_dir / "full").rglob("*.jsonl"))
    # A file-size limit on the server process: its next capture writes fail like a full disk.
    resource.prlimit(record.pid, resource.RLIMIT_FSIZE, (written + 1500, resource.RLIM_INFINITY))
    try:
        assert _post(record.url, traffic_rows, [f"b{n}" for n in range(60)]) == [200] * 60
        health = _wait_for(lambda: (h := capture_health(workspace, "full"))["state"] ==
                           "Degraded" and h)
        assert health["retrying"] > 0
        assert refresh_endpoints(workspace)[0].status == "Degraded"
    finally:
        resource.prlimit(record.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
    _wait_for(lambda: capture_health(workspace, "full")["state"] == "InService")
    assert refresh_endpoints(workspace)[0].status == "InService"
    undeploy(workspace, "full")
    records, _files = read_capture(workspace.capture_dir / "full")  # whole lines only
    ids = sorted(r["eventMetadata"]["inferenceId"] for r in records)
    assert ids == sorted([f"a{n}" for n in range(20)] + [f"b{n}" for n in range(60)])
    final = capture_health(workspace, "full")
    assert (final["answered"], final["captured"], final["failed"]) == (80, 80, 0)
