"""Workspace database benchmark: write cost against raw SQLite, contention between processes,
and the reads the GUI makes (executions list, metric series) on a year of hourly history.

Run: ``.venv/bin/python bench/bench_workspace.py`` (about half a minute). Results go to
``bench/results/workspace.json``.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.monitoring.metrics import ENDPOINT_NAMESPACE, MetricPoint  # noqa: E402
from core.workspace.store import EndpointRecord, Workspace  # noqa: E402
from core.workspace.schedules import ScheduleRecord  # noqa: E402

UPDATES = 2000
WRITERS = 4
PER_WRITER = 1000
HOURS = 24 * 365
FEATURES = 70


def single_process(root: Path) -> dict:
    with Workspace.open(root) as ws:
        ws.upsert_endpoint(EndpointRecord("ep"))
        started = time.perf_counter()
        for i in range(UPDATES):
            ws.update_endpoint("ep", status="InService", port=i)
        ours = UPDATES / (time.perf_counter() - started)
    conn = sqlite3.connect(root / "workspace.db", isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    for i in range(UPDATES):
        conn.execute("UPDATE endpoints SET status = ?, port = ?, updated_at = ? WHERE name = ?",
                     ("InService", i, datetime.now(UTC).isoformat(), "ep"))
    raw = UPDATES / (time.perf_counter() - started)
    conn.close()
    return {"workspace_updates_per_s": round(ours), "raw_sqlite_updates_per_s": round(raw),
            "ratio_raw_over_workspace": round(raw / ours, 2)}


def _writer(root: str, name: str, out) -> None:
    waits = []
    with Workspace.open(root) as ws:
        ws.upsert_endpoint(EndpointRecord(name))
        for i in range(PER_WRITER):
            started = time.perf_counter()
            ws.update_endpoint(name, port=i + 1)
            waits.append(time.perf_counter() - started)
    out.put((name, waits))


def contention(root: Path) -> dict:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(root), f"w{n}", out)) for n in range(WRITERS)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    waits = {}
    for _ in procs:
        name, values = out.get(timeout=300)
        waits[name] = values
    elapsed = time.perf_counter() - started
    for p in procs:
        p.join()
    every = sorted(w for values in waits.values() for w in values)
    with Workspace.open(root) as ws:
        lost = sum(PER_WRITER - ws.get_endpoint(n).port for n in waits)
    return {"writers": WRITERS, "updates_per_s_all_writers": round(WRITERS * PER_WRITER / elapsed),
            "median_wait_ms": round(statistics.median(every) * 1000, 2),
            "p99_wait_ms": round(every[int(len(every) * 0.99)] * 1000, 2),
            "max_wait_ms": round(every[-1] * 1000, 2), "lost_updates": lost}


def history_reads(root: Path, stats_file: Path) -> dict:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with Workspace.open(root) as ws:
        ws.create_schedule(ScheduleRecord("hourly", "ep", "cron(0 * ? * * *)", str(stats_file),
                                          str(stats_file)))
        schedule = ws.get_schedule("hourly")
        dims = (("Endpoint", "ep"), ("MonitoringSchedule", "hourly"))
        started = time.perf_counter()
        for hour in range(HOURS):
            when = start + timedelta(hours=hour)
            execution = ws.add_execution(schedule, when)
            ws.add_metric_points([MetricPoint(ENDPOINT_NAMESPACE, f"feature_baseline_drift_f{i}",
                                              dims, when, value=0.01 * i) for i in range(FEATURES)],
                                 execution_id=execution.id)
            ws.finish_execution(execution.id, status="Completed")
        per_execution_ms = (time.perf_counter() - started) / HOURS * 1000
        timings = {}
        for label, call in (("list_executions_200_ms", lambda: ws.list_executions("hourly",
                                                                                  limit=200)),
                            ("metric_series_year_ms", lambda: ws.metric_series(
                                "feature_baseline_drift_f3", schedule="hourly")),
                            ("metric_series_last3_ms", lambda: ws.metric_series(
                                "feature_baseline_drift_f3", schedule="hourly", last=3)),
                            ("metric_names_ms", lambda: ws.metric_names(schedule="hourly"))):
            started = time.perf_counter()
            call()
            timings[label] = round((time.perf_counter() - started) * 1000, 2)
    return {"executions": HOURS, "metric_points": HOURS * FEATURES,
            "record_one_execution_ms": round(per_execution_ms, 2), **timings}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        stats = tmp / "statistics.json"
        stats.write_text("{}")
        results = {"single_process": single_process(tmp / "a"),
                   "contention": contention(tmp / "b"),
                   "history": history_reads(tmp / "c", stats)}
    out = Path(__file__).resolve().parent / "results" / "workspace.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
