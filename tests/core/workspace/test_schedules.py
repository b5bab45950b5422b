"""Schedules, executions and alert rules stored in the workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ValidationError
from core.scheduling.alerts import evaluate_alerts, judge, matching_metrics, parse_rule_condition
from core.monitoring.metrics import ENDPOINT_NAMESPACE, MetricPoint
from core.workspace.store import BaselineRecord, Workspace
from core.workspace.alerts import ALARM, INSUFFICIENT_DATA, OK, AlertRule
from core.workspace.schedules import ScheduleRecord

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path):
    (tmp_path / "s.json").write_text("{}")
    (tmp_path / "c.json").write_text("{}")
    workspace = Workspace.open(tmp_path / "ws")
    workspace.add_baseline(BaselineRecord("base", "train.csv", str(tmp_path / "s.json"),
                                          str(tmp_path / "c.json")))
    yield workspace
    workspace.close()


def _schedule(ws, name="hourly", **kw):
    return ws.create_schedule(ScheduleRecord(name, "ep", kw.pop("expression", "cron(0 * ? * * *)"),
                                             "", "", baseline="base", **kw))


def test_create_resolves_baseline_and_validates(ws, tmp_path):
    rec = _schedule(ws)
    assert rec.statistics_path == str(tmp_path / "s.json") and rec.status == "Scheduled"
    assert (rec.window_start, rec.window_end) == ("-PT1H", "-PT0H")
    with pytest.raises(ValidationError, match="already exists"):
        _schedule(ws)
    with pytest.raises(ValidationError, match="Allowed schedule expressions"):
        _schedule(ws, "bad-cron", expression="every hour")
    with pytest.raises(ValidationError, match="not valid"):
        _schedule(ws, "bad name!")
    with pytest.raises(ValidationError, match="No baseline named"):
        ws.create_schedule(ScheduleRecord("x", "ep", "NOW", "", "", baseline="nope"))
    with pytest.raises(ValidationError, match="Window offset"):
        _schedule(ws, "bad-window", window_start="1 hour")


def test_update_start_stop_delete(ws):
    _schedule(ws)
    assert ws.stop_schedule("hourly").status == "Stopped"
    assert ws.start_schedule("hourly").status == "Scheduled"
    assert ws.update_schedule("hourly", expression="*/10 * * * *").expression == "*/10 * * * *"
    with pytest.raises(ValidationError, match="Unknown schedule fields"):
        ws.update_schedule("hourly", colour="red")
    with pytest.raises(ValidationError, match="No schedule named 'other'"):
        ws.stop_schedule("other")
    queued = ws.run_now("hourly")
    assert ws.delete_schedule("hourly") and ws.get_schedule("hourly") is None
    assert ws.get_execution(queued.id).status == "Stopped"  # history kept, queue cleared


def test_executions_slots_claim_and_finish(ws):
    sched = _schedule(ws)
    first = ws.add_execution(sched, T0)
    assert first.status == "Pending" and first.window_start == T0 - timedelta(hours=1)
    assert ws.add_execution(sched, T0) is None  # one execution per cron slot
    assert ws.get_schedule("hourly").last_scheduled_time == T0
    second = ws.add_execution(sched, T0 + timedelta(hours=1))
    assert ws.claim_execution(first.id, 1).status == "InProgress"
    assert ws.claim_execution(second.id, 1) is None  # the schedule already has one running
    done = ws.finish_execution(first.id, status="CompletedWithViolations", report_dir="/r",
                               violation_count=3, violation_counts={"data_type_check": 3})
    assert done.violation_counts == {"data_type_check": 3} and done.ended_at is not None
    assert ws.claim_execution(second.id, 1) is not None
    assert ws.stop_execution(second.id).status == "Stopping"
    assert ws.fail_interrupted_executions("interrupted") == [second.id]
    with pytest.raises(ValidationError, match="already finished"):
        ws.stop_execution(second.id)
    assert [e.id for e in ws.list_executions("hourly")] == [second.id, first.id]
    assert [e.id for e in ws.list_executions(status="Failed")] == [second.id]


def _drift(ws, feature, values, schedule="hourly"):
    dims = (("Endpoint", "ep"), ("MonitoringSchedule", schedule))
    ws.add_metric_points([MetricPoint(ENDPOINT_NAMESPACE, f"feature_baseline_drift_{feature}",
                                      dims, T0 + timedelta(hours=i), value=v)
                          for i, v in enumerate(values)])


def test_alert_rules_move_between_states_with_history(ws):
    _schedule(ws)
    metric, op, threshold = parse_rule_condition("feature_baseline_drift_{f} > 0.1")
    ws.create_alert_rule(AlertRule("drift", metric, op, threshold, 2, 3, schedule="hourly"))
    assert ws.get_alert_rule("drift").state == INSUFFICIENT_DATA
    assert evaluate_alerts(ws, "hourly") == []  # no data yet: stays INSUFFICIENT_DATA
    _drift(ws, "age", [0.05, 0.2])
    _drift(ws, "income", [0.01, 0.02])
    [event] = evaluate_alerts(ws, "hourly", execution_id=5)
    assert (event.old_state, event.new_state, event.execution_id) == (INSUFFICIENT_DATA, OK, 5)
    _drift(ws, "age", [0.05, 0.2, 0.3])  # re-measured hours plus a third breaching one
    [event] = evaluate_alerts(ws, "hourly")
    assert event.new_state == ALARM and "feature_baseline_drift_age (2 of 3)" in event.reason
    assert [e.new_state for e in ws.alert_history("drift")] == [ALARM, OK]
    with pytest.raises(ValidationError, match="datapoints to alarm"):
        ws.create_alert_rule(AlertRule("bad", "m", ">", 1, 3, 2))
    with pytest.raises(ValidationError, match="not 'METRIC OP NUMBER'"):
        parse_rule_condition("drift is high")


def test_judge_and_matching():
    rule = AlertRule("r", "m", ">", 0.1, 2, 3)
    assert judge([0.2], rule) == (INSUFFICIENT_DATA, 1)
    assert judge([0.2, 0.0], rule) == (OK, 1)
    assert judge([0.2, 0.0, 0.3], rule) == (ALARM, 2)
    assert judge([0.2, 0.3, 0.0, 0.0, 0.0], rule) == (OK, 0)  # only the last 3 count
    names = ["feature_baseline_drift_a", "feature_data_a", "feature_baseline_drift_b c"]
    assert matching_metrics("feature_baseline_drift_{f}", names) == [names[0], names[2]]
    assert matching_metrics("feature_data_a", names) == ["feature_data_a"]


def test_a_rule_without_schedule_judges_each_schedule_on_its_own(ws):
    _schedule(ws, "calm")
    _schedule(ws, "drifting")
    _drift(ws, "age", [0.01, 0.02], schedule="calm")
    _drift(ws, "age", [0.5], schedule="drifting")
    ws.create_alert_rule(AlertRule("any-drift", "feature_baseline_drift_{f}", ">", 0.1))
    [event] = evaluate_alerts(ws, "calm")
    assert event.new_state == ALARM and "feature_baseline_drift_age (drifting)" in event.reason
    assert "(calm)" not in event.reason
