"""Several processes on one workspace at once: a real local endpoint serving HTTP traffic with
capture on, processes updating endpoint status rows as fast as they can, the scheduler running
real executions and a reader listing them. No lock errors, no lost rows."""

from __future__ import annotations

import http.client
import multiprocessing
import os
import signal
import sqlite3
import time
import traceback
from datetime import timedelta
from pathlib import Path

import pytest

from core.demo.workspace import train_model, write_model_tar
from core.demo.data import FEATURE_COLUMNS, churn_table, format_rows
from core.formats.capture import capture_file_path, capture_line
from core.scheduling.scheduler import Scheduler
from core.serving.config import CaptureConfig
from core.serving.lifecycle import deploy_local, undeploy
from core.workspace.store import EndpointRecord, Workspace
from tests.core.serving.capture_files import read_capture
from tests.core.scheduling.helpers import (
    HOURS,
    T0,
    FakeClock,
    build_traffic_workspace,
    hourly_schedule,
)

SCHEDULES = 1
LIVE = "live-churn"
RUN_NOWS = 2
WRITER_PAUSE_S = 0.005  # endpoints and readers are busy, but leave the CPU some air
MAX_WRITE_WAIT_S = 5.0  # "not blocked for long": far above the ~ms typical, on a loaded CI box
DEADLINE_S = 90  # a hard bound; the run normally ends in a few seconds


def _guarded(body):
    """Run ``body`` in a child process; put the traceback (or None) in the result queue."""

    def run(results, *args):
        try:
            results.put((body.__name__, body(*args), None))
        except BaseException:
            results.put((body.__name__, None, traceback.format_exc()))

    return run


def endpoint_process(root: str, name: str, done, results) -> None:
    def body():
        writes, slowest = 0, 0.0
        with Workspace.open(root) as ws:
            ws.upsert_endpoint(EndpointRecord(name, status="Creating"))
            capture = capture_file_path(ws.capture_dir, name, "AllTraffic", T0)
            capture.parent.mkdir(parents=True, exist_ok=True)
            with capture.open("ab") as out:
                while not done.is_set():
                    writes += 1
                    out.write(capture_line("1,2,3", "text/csv", "0.5", "text/csv",
                                           inference_time=T0))
                    started = time.perf_counter()
                    ws.update_endpoint(name, status="InService", port=writes)
                    slowest = max(slowest, time.perf_counter() - started)
                    if writes % 10 == 0:  # a burst of new rows, as a restarting server makes
                        ws.upsert_endpoint(EndpointRecord(f"{name}-{writes}", status="Creating"))
                    time.sleep(WRITER_PAUSE_S)
        return writes, slowest

    body.__name__ = name
    _guarded(body)(results)


def traffic_process(port: int, done, results) -> None:
    def traffic():
        rows = format_rows(churn_table(50, seed=3)[:, 1:], FEATURE_COLUMNS)
        answered = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while not done.is_set():
                conn.request("POST", "/invocations", body=rows[answered % len(rows)],
                             headers={"Content-Type": "text/csv"})
                response = conn.getresponse()
                assert response.status == 200, response.read()
                response.read()
                answered += 1
                time.sleep(WRITER_PAUSE_S)
        finally:
            conn.close()
        return answered

    _guarded(traffic)(results)


def scheduler_process(root: str, done, results) -> None:
    def scheduler():
        clock = FakeClock(T0)
        finished = []
        with Workspace.open(root) as ws, Scheduler(ws, clock=clock) as sched:
            for hour in range(1, HOURS + 1):  # the simulated day moves on an hour per tick
                clock.set(T0 + timedelta(hours=hour, seconds=1))
                finished += sched.tick()
            for _ in range(RUN_NOWS):
                finished.append(sched.run_now("schedule-0"))
        done.set()
        return [(e.id, e.status) for e in finished]

    _guarded(scheduler)(results)


def reader_process(root: str, done, results) -> None:
    def reader():
        reads, seen = 0, 0
        with Workspace.open(root) as ws:
            while not done.is_set():
                executions = ws.list_executions()
                assert len(executions) >= seen, "an execution row disappeared"
                seen = len(executions)
                ws.list_endpoints()
                ws.metric_series("feature_baseline_drift_Day Mins", schedule="schedule-0")
                reads += 1
                time.sleep(WRITER_PAUSE_S)
        return reads

    _guarded(reader)(results)


@pytest.mark.slow
def test_endpoints_scheduler_and_reader_share_the_workspace(tmp_path):
    root = build_traffic_workspace(tmp_path / "traffic")
    model = write_model_tar(tmp_path / "model.tar.gz", train_model(churn_table(300, seed=1)))
    with Workspace.open(root) as ws:
        for n in range(SCHEDULES):
            hourly_schedule(ws, f"schedule-{n}")
        live = deploy_local(ws, LIVE, model, CaptureConfig(enable=True), timeout=60)
    try:
        outcomes = _run_all(root, live.port)
    finally:
        with Workspace.open(root) as ws:
            undeploy(ws, LIVE, timeout=20)  # a graceful stop writes every queued record
        _kill_group(live.pid)
    errors = {name: error for name, (_, error) in outcomes.items() if error}
    assert not errors, errors
    assert set(outcomes) == {"ep-0", "ep-1", "reader", "scheduler", "traffic"}
    _check_nothing_was_lost(root, outcomes)
    with Workspace.open(root) as ws:
        assert ws.get_endpoint(LIVE).status == "Deleted"
        records, _ = read_capture(ws.capture_dir / LIVE)
    assert len(records) == outcomes["traffic"][0] > 0  # every answered request was captured


def _run_all(root: Path, port: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    done, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=endpoint_process, args=(str(root), f"ep-{n}", done, results))
             for n in range(2)]
    procs += [ctx.Process(target=traffic_process, args=(port, done, results)),
              ctx.Process(target=reader_process, args=(str(root), done, results)),
              ctx.Process(target=scheduler_process, args=(str(root), done, results))]
    for p in procs:
        p.start()
    outcomes = {}
    deadline = time.monotonic() + DEADLINE_S
    while len(outcomes) < len(procs) and time.monotonic() < deadline:
        try:
            name, value, error = results.get(timeout=1)
        except Exception:  # queue.Empty: keep waiting until the deadline
            continue
        outcomes[name] = (value, error)
        if error:
            done.set()
    done.set()
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
    return outcomes


def _kill_group(pid: int | None) -> None:
    if pid:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _check_nothing_was_lost(root: Path, outcomes: dict) -> None:
    runs = outcomes["scheduler"][0]
    assert len(runs) == SCHEDULES * HOURS + RUN_NOWS
    assert {status for _, status in runs[:SCHEDULES * HOURS]} <= {"Completed",
                                                                  "CompletedWithViolations"}
    assert outcomes["reader"][0] > 0
    with Workspace.open(root) as ws:
        assert len(ws.list_executions()) == len(runs)
        for name in ("ep-0", "ep-1"):
            writes, slowest = outcomes[name][0]
            assert slowest < MAX_WRITE_WAIT_S, f"{name} waited {slowest:.2f} s for one update"
            assert writes > 0 and ws.get_endpoint(name).port == writes  # every update landed
            burst = [e for e in ws.list_endpoints() if e.name.startswith(f"{name}-")]
            assert len(burst) == writes // 10
    conn = sqlite3.connect(root / "workspace.db")
    with_metrics = conn.execute("SELECT COUNT(DISTINCT execution_id) FROM metric_points").fetchone()
    conn.close()
    assert with_metrics[0] == SCHEDULES * HOURS  # every scheduled run's points were stored
