"""A controllable clock and a workspace with hours of captured demo churn traffic and a baseline."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.demo.data import COLUMNS, FEATURE_COLUMNS, churn_table, format_rows
from core.workspace.store import BaselineRecord, EndpointRecord, Workspace
from core.workspace.schedules import ScheduleRecord
from tests.core.monitoring.helpers import probability, write_capture

T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # the first captured hour starts here
HOURS = 6
PER_HOUR = 40
ENDPOINT = "demo-churn"


class FakeClock:
    """``clock()`` returns a time the test sets; thread-safe."""

    def __init__(self, start: datetime) -> None:
        self._now, self._lock = start, threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when


def build_traffic_workspace(folder: Path) -> Path:
    """A workspace with the demo endpoint, ``HOURS`` hours of capture from ``T0``, a baseline."""
    from core.baseline.run import suggest_baseline
    from core.datasets.reader import DatasetSpec

    training = folder / "churn-training.csv"
    folder.mkdir(parents=True, exist_ok=True)
    lines = format_rows(churn_table(400, seed=20240101), COLUMNS)
    training.write_text(",".join(COLUMNS) + "\n" + "\n".join(lines) + "\n")
    with Workspace.open(folder / "ws") as ws:
        ws.upsert_endpoint(EndpointRecord(ENDPOINT, status="OutOfService"))
        result = suggest_baseline(DatasetSpec(str(training)), ws.baselines_dir / "churn")
        ws.add_baseline(BaselineRecord("churn", str(training), str(result.statistics_path),
                                       str(result.constraints_path), result.item_count,
                                       result.feature_count))
        features = format_rows(churn_table(HOURS * PER_HOUR, seed=7)[:, 1:], FEATURE_COLUMNS)
        for hour in range(HOURS):
            rows = [(features[hour * PER_HOUR + i], probability(i)) for i in range(PER_HOUR)]
            write_capture(ws.capture_dir, rows, endpoint=ENDPOINT,
                          start=T0 + timedelta(hours=hour), per_file=15)
    return folder / "ws"


def copy_workspace(template: Path, target: Path) -> Path:
    """A private copy of a template workspace (the baseline files stay in the template)."""
    shutil.copytree(template, target, ignore=shutil.ignore_patterns("scheduler.pid"))
    return target


def hourly_schedule(ws: Workspace, name: str = "hourly", **changes) -> ScheduleRecord:
    """The classic hourly data-quality schedule on the demo endpoint, created at ``T0``."""
    return ws.create_schedule(ScheduleRecord(
        name=name, endpoint=ENDPOINT, expression="cron(0 * ? * * *)", statistics_path="",
        constraints_path="", baseline="churn", created_at=T0, **changes))
