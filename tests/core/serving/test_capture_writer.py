"""The group-commit capture writer: whole lines, hourly files, nothing lost or doubled."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.formats.capture import capture_record, encode_record
from core.serving.capture_writer import CaptureWriter
from tests.core.serving.capture_files import read_capture

T0 = datetime(2024, 5, 1, 10, 59, 58, 500000, tzinfo=UTC)


def _line(n: int, when: datetime) -> bytes:
    return encode_record(capture_record(f"{n},1", "text/csv", "0.5", "text/csv",
                                        inference_time=when, inference_id=str(n)))


@pytest.mark.parametrize("wait", [False, True])
def test_concurrent_writers_lose_and_double_nothing(tmp_path, wait):
    writer = CaptureWriter(tmp_path, "ep", "AllTraffic")
    results = []

    def produce(start: int) -> None:
        for n in range(start, start + 500):
            line = _line(n, T0) if n % 2 else functools.partial(_line, n, T0)
            results.append(writer.write(line, T0, wait=wait))
            if wait:
                assert writer.written >= 1

    threads = [threading.Thread(target=produce, args=(k * 1000,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert all(results) and len(results) == 4000
    records, files = read_capture(tmp_path)
    ids = [r["eventMetadata"]["inferenceId"] for r in records]
    assert len(ids) == len(set(ids)) == 4000 and writer.written == 4000
    assert len(files) == 1  # one file per hour per writer


def test_new_file_per_hour_named_after_its_first_record(tmp_path):
    writer = CaptureWriter(tmp_path, "ep", "AllTraffic")
    times = [T0 + timedelta(seconds=s) for s in (0, 1, 2, 3602)]
    for n, when in enumerate(times):
        assert writer.write(_line(n, when), when, wait=True)
    writer.close()
    files = sorted(tmp_path.rglob("*.jsonl"))
    assert [f.parent.relative_to(tmp_path).as_posix() for f in files] == [
        "ep/AllTraffic/2024/05/01/10", "ep/AllTraffic/2024/05/01/11",
        "ep/AllTraffic/2024/05/01/12"]
    assert files[0].name.startswith("59-58-500-")
    assert files[1].name.startswith("00-00-500-")
    assert [len(f.read_text().splitlines()) for f in files] == [2, 1, 1]
    assert files[2].name.startswith("00-00-500-")


def test_closed_writer_refuses_and_io_errors_are_reported(tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    writer = CaptureWriter(blocked, "ep", "AllTraffic")  # cannot create folders under a file
    assert writer.stats().state == "Degraded"  # before any record: the probe failed
    assert writer.write(_line(1, T0), T0, wait=True) is False
    assert writer.write(lambda: 1 / 0, T0, wait=True) is False  # a builder that fails
    stats = writer.stats()
    assert (stats.failed, stats.retrying, stats.captured) == (1, 1, 0)  # kept for a retry
    assert "Not a directory" in stats.reason
    writer.close()
    assert writer.failed == 2  # still unwritable at stop: lost, and counted
    assert writer.write(_line(2, T0), T0) is False
    assert writer.failed == 3
