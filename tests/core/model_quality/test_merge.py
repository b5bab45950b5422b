"""The merge: inferenceId (else eventId) == ground-truth eventId, two windows, counts both ways."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.formats.capture import capture_file_path, capture_line
from core.model_quality.ground_truth import ground_truth_record
from core.model_quality.merge import merge_ground_truth

T0 = datetime(2026, 5, 1, 10, tzinfo=UTC)


def write_capture(root: Path, records: list[dict]) -> None:
    """records: {event_id, inference_id|None, minute, output}; one file per capture hour."""
    root.mkdir(parents=True, exist_ok=True)
    by_file: dict[Path, list[bytes]] = {}
    for r in records:
        when = T0 + timedelta(minutes=r["minute"])
        path = capture_file_path(root, "ep", "AllTraffic", when.replace(minute=0, second=0),
                                 "x")
        by_file.setdefault(path, []).append(capture_line(
            "1,2", "text/csv", r["output"], "text/csv", inference_time=when,
            event_id=r["event_id"], inference_id=r["inference_id"]))
    for path, lines in by_file.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(lines))


def write_truth(root: Path, labels: list[tuple[str, str, int]]) -> None:
    """labels: (event id, label, hour offset from T0 when collected)."""
    root.mkdir(parents=True, exist_ok=True)
    by_hour: dict[int, list[str]] = {}
    for event_id, label, hour in labels:
        by_hour.setdefault(hour, []).append(json.dumps(ground_truth_record(event_id, label)))
    for hour, lines in by_hour.items():
        folder = root / (T0 + timedelta(hours=hour)).strftime("%Y/%m/%d/%H")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "labels.jsonl").write_text("\n".join(lines) + "\n")


records = st.lists(st.fixed_dictionaries({
    "event_id": st.uuids().map(str),
    "inference_id": st.one_of(st.none(), st.text("abc123-", min_size=1, max_size=8)),
    "minute": st.integers(0, 179),
    "output": st.sampled_from(["0", "1"]),
}), max_size=40, unique_by=lambda r: r["event_id"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records, st.data())
def test_counts_equal_a_plain_python_join(tmp_path, captured, data):
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    keys = [r["inference_id"] or r["event_id"] for r in captured]
    labelled = data.draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    strangers = data.draw(st.lists(st.uuids().map(str), max_size=5, unique=True))
    relabelled = data.draw(st.lists(st.sampled_from(labelled), unique=True)) if labelled \
        else []
    truth = [(k, data.draw(st.sampled_from("01")), data.draw(st.integers(0, 5)))
             for k in labelled + strangers + relabelled]  # some ids labelled twice
    write_capture(work / "capture", captured)
    write_truth(work / "gt", truth)
    start, end = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    truth_start, truth_end = start, end + timedelta(hours=2)
    merged = merge_ground_truth(work / "capture", work / "gt", start=start, end=end,
                                ground_truth_start=truth_start, ground_truth_end=truth_end)
    in_window = [r for r in captured
                 if start <= T0 + timedelta(minutes=r["minute"]) < end]
    # files are read hour by hour, lines in order: the last label of an id wins
    in_order = sorted(enumerate(truth), key=lambda item: (item[1][2], item[0]))
    window_labels = {k: label for _, (k, label, hour) in in_order
                     if truth_start <= T0 + timedelta(hours=hour) < truth_end}
    expected = [(window_labels[r["inference_id"] or r["event_id"]], r["output"])
                for r in in_window if (r["inference_id"] or r["event_id"]) in window_labels]
    window_keys = {r["inference_id"] or r["event_id"] for r in in_window}
    assert sorted(zip(merged.labels.to_pylist(), merged.output_data.to_pylist(), strict=True)) \
        == sorted(expected)
    c = merged.counts
    assert (c.captured, c.matched, c.unmatched_captured) == \
        (len(in_window), len(expected), len(in_window) - len(expected))
    assert c.ground_truth == len(window_labels)
    read = [t for t in truth if truth_start <= T0 + timedelta(hours=t[2]) < truth_end]
    assert c.duplicate_ground_truth == len(read) - len(window_labels)
    assert c.unmatched_ground_truth == len(set(window_labels) - window_keys)


def test_inference_id_wins_over_event_id_and_late_labels_need_the_later_window(tmp_path):
    write_capture(tmp_path / "c", [
        {"event_id": "e1", "inference_id": "i1", "minute": 5, "output": "1"},
        {"event_id": "e2", "inference_id": None, "minute": 6, "output": "0"}])
    write_truth(tmp_path / "g", [("e1", "0", 0), ("i1", "1", 3), ("e2", "0", 0)])
    merged = merge_ground_truth(tmp_path / "c", tmp_path / "g")
    assert sorted(merged.labels.to_pylist()) == ["0", "1"]
    assert merged.counts.unmatched_ground_truth == 1  # e1: the record has an inferenceId
    early = merge_ground_truth(tmp_path / "c", tmp_path / "g", ground_truth_end=T0
                               + timedelta(hours=1))
    assert early.counts.matched == 1 and early.counts.unmatched_captured == 1
    path, line = merged.locate(0)
    assert path.endswith(".jsonl") and line == 1


def test_a_torn_capture_line_is_named(tmp_path):
    write_capture(tmp_path / "c", [
        {"event_id": "e1", "inference_id": None, "minute": 5, "output": "1"}])
    path = next((tmp_path / "c").rglob("*.jsonl"))
    path.write_bytes(path.read_bytes() + b'{"captureData": {"endpointOutput"')
    write_truth(tmp_path / "g", [("e1", "0", 0)])
    with pytest.raises(InputError, match=f"{path}, line 2"):
        merge_ground_truth(tmp_path / "c", tmp_path / "g")
