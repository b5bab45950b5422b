"""Executions never overwrite each other: several in one hour (sub-hourly cron, Run now twice,
racing processes) each get their own report folder holding their own records."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.monitoring.execution import MonitoringRequest, run_monitoring
from core.monitoring.execution import report_folder as hour_folder
from core.monitoring.report_folders import folder_names, publish_report
from core.scheduling.scheduler import Scheduler
from core.workspace.schedules import ScheduleRecord
from core.workspace.store import Workspace
from tests.core.scheduling.helpers import (
    ENDPOINT,
    T0,
    FakeClock,
    build_traffic_workspace,
    copy_workspace,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_traffic_workspace(tmp_path_factory.mktemp("traffic"))


@pytest.fixture
def ws(template, tmp_path):
    workspace = Workspace.open(copy_workspace(template, tmp_path / "ws"))
    yield workspace
    workspace.close()


def _record_count(report: Path) -> int:
    doc = json.loads((report / "statistics.json").read_text())
    return doc["dataset"]["item_count"]


def test_a_ten_minute_cron_gives_each_execution_its_own_folder_and_records(ws):
    ws.create_schedule(ScheduleRecord(
        name="every10", endpoint=ENDPOINT, expression="*/10 * * * *", statistics_path="",
        constraints_path="", baseline="churn", window_start="-PT10M", created_at=T0))
    clock = FakeClock(T0 + timedelta(minutes=30, seconds=1))
    with Scheduler(ws, clock=clock) as scheduler:
        done = scheduler.tick()
    assert [e.scheduled_time.minute for e in done] == [10, 20, 30]
    hour = ws.reports_dir / ENDPOINT / "every10" / f"{T0:%Y/%m/%d/%H}"
    assert [Path(e.report_dir) for e in done] == [
        hour, hour.with_name("00-20-00"), hour.with_name("00-30-00")]
    for execution in done:  # each row points at a folder holding that window's records only
        assert execution.item_count > 0
        assert _record_count(Path(execution.report_dir)) == execution.item_count
    assert sorted(p.name for p in hour.parent.iterdir()) == ["00", "00-20-00", "00-30-00"]
    from gui.tabs.executions.loaders import load_execution_result

    for execution in done:  # what the executions tab shows for each row: its own report
        shown = load_execution_result(ws, execution)
        assert shown.source == execution.report_dir
        assert shown.statistics["dataset"]["item_count"] == execution.item_count


def test_run_now_twice_in_one_second_keeps_both_reports(ws, template):
    baseline = ws.get_baseline("churn")
    at = T0 + timedelta(minutes=30)
    reports = []
    windows = [(T0, 10), (T0 + timedelta(minutes=30), 30), (T0, 60)]  # different records
    for start, minutes in windows:
        request = MonitoringRequest(
            baseline.statistics_path, baseline.constraints_path, ws.reports_dir, ENDPOINT,
            "manual", at, window_start=start, window_end=start + timedelta(minutes=minutes),
            capture_root=ws.capture_dir)
        result = run_monitoring(request)
        assert result.status in ("Completed", "CompletedWithViolations"), result.status_message
        reports.append((result.report_dir, result.item_count))
    names = [path.name for path, _ in reports]
    assert names == ["00", "00-30-00", "00-30-00-02"]
    counts = [count for _, count in reports]
    assert len(set(counts)) == 3, counts
    for path, count in reports:
        assert _record_count(path) == count


def _publish_marker(args) -> str:
    staging, hour, when = args
    return str(publish_report(staging, hour, when))


def test_racing_processes_never_share_a_folder(tmp_path):
    when = datetime(2026, 1, 5, 7, 8, 0, tzinfo=UTC)
    hour = hour_folder(tmp_path, "ep", "s", when)
    hour.parent.mkdir(parents=True)
    jobs = []
    for n in range(24):
        staging = hour.parent / f".stage-{n}"
        staging.mkdir()
        (staging / "marker").write_text(str(n))
        jobs.append((staging, hour, when))
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        published = pool.map(_publish_marker, jobs)
    assert len(set(published)) == 24
    markers = sorted(int((Path(p) / "marker").read_text()) for p in published)
    assert markers == list(range(24))  # every report survived, in a folder of its own
    for path in map(Path, published):
        assert [f.name for f in path.iterdir()] == ["marker"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 59), st.integers(0, 59)), min_size=1, max_size=12),
       st.sampled_from([None, "file", "empty-dir"]))
def test_any_sequence_in_one_hour_keeps_every_report(tmp_path_factory, slots, obstacle):
    root = tmp_path_factory.mktemp("hour")
    times = [datetime(2026, 1, 5, 7, m, s, tzinfo=UTC) for m, s in slots]
    hour = hour_folder(root, "ep", "s", times[0])
    hour.parent.mkdir(parents=True)
    if obstacle == "file":  # something not ours where a report would go: never replaced
        (hour.parent / "07").write_text("user file")
    elif obstacle == "empty-dir":
        (hour.parent / "07").mkdir()
    published = []
    for n, when in enumerate(times):
        staging = hour.parent / f".stage-{n}"
        staging.mkdir()
        (staging / "marker").write_text(str(n))
        published.append(publish_report(staging, hour, when))
    assert len(set(published)) == len(times)
    for n, path in enumerate(published):
        assert (path / "marker").read_text() == str(n)
        assert path.parent == hour.parent and path.name.startswith("07")
        assert path.name in set(folder_names(times[n]))
    if obstacle == "file":
        assert (hour.parent / "07").read_text() == "user file"


@given(st.lists(st.tuples(st.integers(0, 22), st.integers(0, 59), st.integers(0, 59)),
                min_size=2, max_size=20, unique=True))
def test_folder_names_sort_as_text_in_time_order(slots):
    """The hour folder first, then its siblings by scheduled time, then the next hour."""
    times = sorted(datetime(2026, 1, 5, h, m, s, tzinfo=UTC) for h, m, s in slots)
    names, hours = [], set()
    for when in times:  # the order a reader should list them in
        first, own = list(folder_names(when))[:2]
        if first not in hours:
            hours.add(first)
            names.append(first)
        names += [own, f"{own}-02", f"{own}-99"]
    assert names == sorted(names)
