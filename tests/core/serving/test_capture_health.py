"""The capture writer under faults: deleted folders, unwritable and full destinations, retries,
refusal, with exact counts."""

from __future__ import annotations

import json
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ValidationError
from core.serving import capture_writer
from core.serving.capture_writer import CaptureWriter
from tests.core.serving.capture_files import read_capture

T0 = datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)


def _line(n: int) -> bytes:
    return json.dumps({"n": n}).encode() + b"\n"


def _numbers(root) -> list[int]:
    return sorted(r["n"] for r in read_capture(root)[0])


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_deleted_hour_folder_is_recreated_and_no_record_is_lost(tmp_path):
    writer = CaptureWriter(tmp_path, "ep", "AllTraffic")
    for n in range(50):
        assert writer.write(_line(n), T0, wait=True)
    shutil.rmtree(tmp_path / "ep")  # the user deletes the capture folder mid-traffic
    for n in range(50, 100):
        assert writer.write(_line(n), T0, wait=True)
    writer.close()
    assert _numbers(tmp_path) == list(range(50, 100))  # every later record landed
    stats = writer.stats()
    assert (stats.captured, stats.failed, stats.retrying, stats.state) == (100, 0, 0, "InService")


def test_folder_deleted_repeatedly_under_concurrent_writers(tmp_path):
    writer = CaptureWriter(tmp_path, "ep", "AllTraffic")
    acked: dict[int, int] = {}  # record -> deletions completed before its write began
    lock = threading.Lock()
    deletions, stop, attempts = [0], threading.Event(), []

    def client(first: int) -> None:
        n = first
        while not stop.is_set():
            n += 1
            attempts.append(n)
            with lock:
                generation = deletions[0]
            if writer.write(_line(n), T0 + timedelta(milliseconds=n), wait=True):
                with lock:
                    acked[n] = generation

    threads = [threading.Thread(target=client, args=(i * 1_000_000,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(5):
        time.sleep(0.02)
        shutil.rmtree(tmp_path / "ep", ignore_errors=True)
        with lock:
            deletions[0] += 1
    time.sleep(0.1)  # traffic goes on after the last deletion
    stop.set()
    for thread in threads:
        thread.join()
    writer.close()
    on_disk = _numbers(tmp_path)
    assert len(on_disk) == len(set(on_disk)), "a record was written twice"
    # Records written before a deletion went with the folder; every one begun after the
    # last deletion must be on disk.
    after_last = {n for n, generation in acked.items() if generation == deletions[0]}
    assert after_last and after_last <= set(on_disk), "a record written after it is missing"
    assert writer.stats().failed == 0 and len(acked) == len(attempts)  # every write succeeded


def test_unwritable_destination_is_degraded_then_recovers_with_every_record(tmp_path):
    blocker = tmp_path / "capture"
    blocker.write_text("a file where the capture folder should be")
    writer = CaptureWriter(blocker, "ep", "AllTraffic")
    assert writer.stats().state == "Degraded"
    for n in range(30):
        writer.write(_line(n), T0)  # the endpoint's default mode: answered at once
    _wait(lambda: writer.stats().retrying == 30)
    stats = writer.stats()
    assert (stats.captured, stats.failed, stats.state) == (0, 0, "Degraded")
    assert "Not a directory" in stats.reason and "30 records waiting" in stats.reason
    blocker.unlink()  # space freed / permission fixed
    blocker.mkdir()
    _wait(lambda: writer.stats().state == "InService", timeout=5)
    writer.close()
    assert _numbers(blocker) == list(range(30))
    assert (writer.stats().captured, writer.stats().failed) == (30, 0)


def test_records_still_unwritable_at_stop_are_counted_failed(tmp_path):
    blocker = tmp_path / "capture"
    blocker.write_text("")
    writer = CaptureWriter(blocker, "ep", "AllTraffic")
    for n in range(7):
        writer.write(_line(n), T0)
    writer.close()
    stats = writer.stats()
    assert (stats.captured, stats.failed, stats.retrying) == (0, 7, 0)


def test_full_disk_is_retried_without_torn_lines_or_duplicates(tmp_path):
    """A file-size limit makes writes fail mid-batch (EFBIG, like ENOSPC); once lifted,
    every record lands exactly once and every line is whole."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import json, resource, sys, time
        from datetime import UTC, datetime
        sys.path.insert(0, {str(_project_root())!r})
        from core.serving.capture_writer import CaptureWriter
        T0 = datetime(2024, 5, 1, 10, tzinfo=UTC)
        writer = CaptureWriter({str(tmp_path)!r}, "ep", "AllTraffic")
        line = lambda n: json.dumps({{"n": n, "pad": "x" * 200}}).encode() + b"\\n"
        for n in range(20):
            assert writer.write(line(n), T0, wait=True)
        resource.setrlimit(resource.RLIMIT_FSIZE, (6000, resource.RLIM_INFINITY))  # disk full
        answered = [writer.write(line(n), T0, wait=True) for n in range(20, 200)]
        full = writer.stats()
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)  # space freed
        deadline = time.monotonic() + 10
        while writer.stats().retrying and time.monotonic() < deadline:
            time.sleep(0.05)
        writer.close()
        print(json.dumps({{"full": full.to_dict(), "end": writer.stats().to_dict(),
                          "failed_answers": answered.count(False)}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["full"]["state"] == "Degraded" and report["full"]["retrying"] > 0
    assert report["failed_answers"] > 0  # the synchronous writes saw the failure
    assert report["end"]["captured"] == 200 and report["end"]["failed"] == 0
    assert _numbers(tmp_path) == list(range(200))  # read_capture: whole lines, no duplicate


def test_retry_memory_is_bounded_and_overflow_is_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(capture_writer, "RETRY_LIMIT_BYTES", 10 * len(_line(10)))
    blocker = tmp_path / "capture"
    blocker.write_text("")
    writer = CaptureWriter(blocker, "ep", "AllTraffic")
    for n in range(25):
        writer.write(_line(n), T0)
    _wait(lambda: writer.stats().retrying + writer.stats().failed == 25)
    stats = writer.stats()
    assert stats.retrying == 10 and stats.failed == 15
    writer.close()


def test_refusing_writer_refuses_and_never_captures_a_refused_request(tmp_path):
    blocker = tmp_path / "capture"
    blocker.write_text("")
    writer = CaptureWriter(blocker, "ep", "AllTraffic", refuse_when_failing=True)
    assert writer.refusing  # the destination is unusable from the start
    assert writer.capture(_line(1), T0, wait=True) is False
    assert writer.capture(None, T0) is False  # unsampled requests are refused too
    blocker.unlink()
    blocker.mkdir()
    _wait(lambda: not writer.refusing, timeout=5)  # the writer probes and recovers
    assert writer.capture(_line(2), T0, wait=True) is True
    assert writer.capture(None, T0) is True
    writer.close()
    stats = writer.stats()
    assert (stats.answered, stats.refused, stats.captured, stats.failed) == (2, 2, 1, 0)
    assert _numbers(blocker) == [2]


def test_names_are_checked_before_anything_is_written(tmp_path):
    for endpoint, variant in (("../../x", "AllTraffic"), ("ep", "../../../y"), ("ep", "NUL")):
        with pytest.raises(ValidationError):
            CaptureWriter(tmp_path / "capture", endpoint, variant)
    assert not (tmp_path / "capture").exists()


def _project_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[3]
