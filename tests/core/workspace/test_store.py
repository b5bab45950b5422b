"""The workspace folder and database: layout, WAL, migrations, endpoints, baselines, metrics."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import AppError, ValidationError
from core.monitoring.metrics import ENDPOINT_NAMESPACE, MetricPoint
from core.workspace.store import BaselineRecord, EndpointRecord, Workspace
from core.workspace.schema import MIGRATIONS, SCHEMA_VERSION


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "ws")
    yield workspace
    workspace.close()


def test_open_creates_layout_in_wal_mode_with_schema_version(tmp_path):
    with Workspace.open(tmp_path / "new") as ws:
        for folder in (ws.capture_dir, ws.baselines_dir, ws.reports_dir, ws.models_dir):
            assert folder.is_dir() and folder.parent == ws.root
        assert ws.db_path == ws.root / "workspace.db"
    conn = sqlite3.connect(tmp_path / "new" / "workspace.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_reopen_keeps_data_and_refuses_a_newer_schema(tmp_path):
    with Workspace.open(tmp_path) as ws:
        ws.upsert_endpoint(EndpointRecord("ep"))
    with Workspace.open(tmp_path) as ws:
        assert [e.name for e in ws.list_endpoints()] == ["ep"]
    conn = sqlite3.connect(tmp_path / "workspace.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(AppError, match="newer version"):
        Workspace.open(tmp_path)


def test_endpoint_upsert_update_delete(ws):
    rec = ws.upsert_endpoint(EndpointRecord("churn", model_path="/m/model.json", port=8081,
                                            capture_config={"EnableCapture": True}))
    assert rec.status == "Creating" and rec.capture_config == {"EnableCapture": True}
    assert rec.created_at is not None and rec.created_at.tzinfo is not None
    updated = ws.update_endpoint("churn", status="InService", pid=1234, url="http://127.0.0.1:8081")
    assert (updated.status, updated.pid, updated.port) == ("InService", 1234, 8081)
    assert updated.created_at == rec.created_at
    again = ws.upsert_endpoint(EndpointRecord("churn", status="Updating"))
    assert again.created_at == rec.created_at and again.status == "Updating"
    with pytest.raises(ValidationError, match="Unknown endpoint fields: colour"):
        ws.update_endpoint("churn", colour="red")
    assert ws.update_endpoint("missing", status="Failed") is None
    assert ws.delete_endpoint("churn") and not ws.delete_endpoint("churn")
    assert ws.get_endpoint("churn") is None
    with pytest.raises(ValidationError):
        ws.upsert_endpoint(EndpointRecord(" "))


def test_baselines_are_recorded_and_replaced(ws):
    first = ws.add_baseline(BaselineRecord("b1", "train.csv", "/s.json", "/c.json", 100, 5))
    assert first.item_count == 100 and first.created_at is not None
    ws.add_baseline(BaselineRecord("b1", "train2.csv", "/s2.json", "/c2.json", 200, 6))
    assert ws.get_baseline("b1").dataset == "train2.csv"
    assert [b.name for b in ws.list_baselines()] == ["b1"]
    assert ws.get_baseline("nope") is None


def _point(name, hour, *, value=None, stats=None, endpoint="ep", schedule="s1"):
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour)
    dims = (("Endpoint", endpoint), ("MonitoringSchedule", schedule))
    return MetricPoint(ENDPOINT_NAMESPACE, name, dims, when, value=value, statistic_values=stats)


def test_metric_series_filters_averages_statistic_sets_and_keeps_latest_rerun(ws):
    ws.add_metric_points([_point("feature_baseline_drift_age", 1, value=0.2),
                          _point("feature_baseline_drift_age", 0, value=0.1),
                          _point("feature_data_age", 0, stats={"SampleCount": 4.0, "Sum": 10.0,
                                                              "Minimum": 1.0, "Maximum": 4.0}),
                          _point("feature_baseline_drift_age", 0, value=0.9, schedule="s2")],
                         execution_id=7)
    ws.add_metric_points([_point("feature_baseline_drift_age", 1, value=0.3)])  # a re-run
    series = ws.metric_series("feature_baseline_drift_age", schedule="s1")
    assert [(t.hour, v) for t, v in series] == [(0, 0.1), (1, 0.3)]
    assert ws.metric_series("feature_data_age")[0][1] == pytest.approx(2.5)
    assert len(ws.metric_series("feature_baseline_drift_age", endpoint="ep")) == 3
    assert ws.metric_names(schedule="s1") == ["feature_baseline_drift_age", "feature_data_age"]
    assert ws.metric_names(endpoint="other") == []


def test_many_threads_write_without_losing_rows(ws):
    errors = []

    def writer(n):
        try:
            for i in range(25):
                ws.upsert_endpoint(EndpointRecord(f"ep-{n}-{i}"))
                ws.update_endpoint(f"ep-{n}-{i}", status="InService")
        except Exception as error:  # surfaced below; a thread must not swallow it
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    endpoints = ws.list_endpoints()
    assert len(endpoints) == 100 and {e.status for e in endpoints} == {"InService"}


def test_closed_workspace_says_so(tmp_path):
    ws = Workspace.open(tmp_path)
    ws.close()
    with pytest.raises(AppError, match="closed"):
        ws.list_endpoints()


def _process_writer(folder: str, tag: str, count: int) -> None:
    with Workspace.open(folder) as ws:
        for i in range(count):
            ws.upsert_endpoint(EndpointRecord(f"{tag}-{i}", pid=i))
            ws.update_endpoint(f"{tag}-{i}", status="InService")


def test_several_processes_open_and_write_one_workspace(tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_writer, args=(str(tmp_path), f"p{n}", 40))
             for n in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with Workspace.open(tmp_path) as ws:
        endpoints = ws.list_endpoints()
    assert len(endpoints) == 120 and {e.status for e in endpoints} == {"InService"}


def test_unusable_folders_and_files_say_why(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(AppError, match="Cannot use .* as a workspace folder"):
        Workspace.open(tmp_path / "file")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "workspace.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(AppError, match=r"is damaged \(file is not a database\)"):
        Workspace.open(tmp_path / "bad")


def test_a_version_1_file_is_migrated_keeping_its_data(tmp_path):
    conn = sqlite3.connect(tmp_path / "workspace.db", isolation_level=None)
    conn.executescript(MIGRATIONS[0] + ";PRAGMA user_version = 1;")
    conn.execute("INSERT INTO metric_points (namespace, name, endpoint, schedule, timestamp, value)"
                 " VALUES ('ns', 'feature_non_null_age', 'ep', 's1', "
                 "'2026-01-01T00:00:00.000000+00:00', 0.5)")
    conn.close()
    with Workspace.open(tmp_path) as ws:
        assert ws.metric_names(schedule="s1") == ["feature_non_null_age"]  # from the new catalog
        assert ws.metric_series("feature_non_null_age", schedule="s1")[0][1] == 0.5
    conn = sqlite3.connect(tmp_path / "workspace.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    conn.close()


def test_last_points_of_a_series(ws):
    ws.add_metric_points([_point("m", h, value=float(h)) for h in range(10)])
    ws.add_metric_points([_point("m", 9, value=99.0)])
    assert [v for _, v in ws.metric_series("m", schedule="s1", last=3)] == [7.0, 8.0, 99.0]


def test_connections_of_finished_threads_are_closed(ws):
    for _ in range(20):
        worker = threading.Thread(target=ws.list_endpoints)
        worker.start()
        worker.join()
    ws.list_endpoints()  # a new thread's first use prunes the ended ones
    assert len(ws._db._all) <= 2
