"""A scheduled run never starts before its scheduled time, not even by a fraction of a second."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.formats.cron import next_runs, parse_expression
from core.scheduling.scheduler import Scheduler, due_runs
from core.workspace.db import utc_now
from core.workspace.schedules import ScheduleRecord
from core.workspace.store import Workspace
from tests.core.scheduling.helpers import (
    ENDPOINT,
    T0,
    FakeClock,
    build_traffic_workspace,
    copy_workspace,
    hourly_schedule,
)

EXPRESSIONS = ["cron(0 * ? * * *)", "*/10 * * * *", "* * * * *", "cron(0 3/2 ? * * *)",
               "7,8 9 * * *", "59 23 * * *"]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_traffic_workspace(tmp_path_factory.mktemp("traffic"))


@pytest.fixture
def ws(template, tmp_path):
    workspace = Workspace.open(copy_workspace(template, tmp_path / "ws"))
    yield workspace
    workspace.close()


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(EXPRESSIONS),
       st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)),
       st.integers(1, 999_999), st.integers(0, 3 * 86400))
def test_a_run_is_due_at_its_time_never_before(expression, since, before_us, lookback_s):
    parsed = parse_expression(expression)
    since = since.replace(tzinfo=UTC)
    fire = next_runs(parsed, since + timedelta(seconds=lookback_s), 1)[0]
    just_before = fire - timedelta(microseconds=before_us)
    runs = due_runs(parsed, since, just_before, 24)
    assert fire not in runs and all(since < t <= just_before for t in runs)
    assert due_runs(parsed, since, fire, 24)[-1] == fire  # due exactly at its time


@pytest.mark.parametrize("before_us", [1, 500_000, 999_999])
def test_a_fraction_of_a_second_before_the_hour_queues_nothing(ws, before_us):
    hourly_schedule(ws)
    top = T0 + timedelta(hours=2)
    clock = FakeClock(top - timedelta(microseconds=before_us))
    scheduler = Scheduler(ws, clock=clock)
    assert [e.scheduled_time for e in scheduler.enqueue_due()] == [T0 + timedelta(hours=1)]
    clock.set(top)
    assert [e.scheduled_time for e in scheduler.enqueue_due()] == [top]


def test_a_running_scheduler_starts_the_run_after_its_time(ws):
    """The real wait loop with frequent polls around the fire time (a clock shifted so the
    next hour begins 1.5 s after start): the execution is queued and started after it."""
    fire = T0 + timedelta(hours=2)
    ws.create_schedule(ScheduleRecord(
        name="hourly", endpoint=ENDPOINT, expression="cron(0 * ? * * *)", statistics_path="",
        constraints_path="", baseline="churn", created_at=fire - timedelta(minutes=30)))
    offset = fire - timedelta(seconds=1.5) - utc_now()
    seen, stop = [], threading.Event()

    def finished(execution):
        seen.append((execution, utc_now() + offset))
        stop.set()

    scheduler = Scheduler(ws, clock=lambda: utc_now() + offset, on_execution=finished)
    thread = threading.Thread(target=scheduler.run_forever, args=(stop,),
                              kwargs={"poll_interval_s": 0.1})
    thread.start()
    thread.join(timeout=120)
    stop.set()
    thread.join(timeout=30)
    [(execution, _)] = seen
    assert execution.scheduled_time == fire
    assert execution.created_at + offset >= fire
    assert execution.started_at + offset >= fire
