"""Alert evaluation, CloudWatch-alarm style: OK / ALARM / INSUFFICIENT_DATA on the latest points.

A rule is ``metric op threshold`` for M of the last N executions; a ``{f}`` in the metric
watches every feature and the rule alarms when any one of them does.
"""

from __future__ import annotations

import fnmatch
import logging
import operator
import re
from dataclasses import dataclass

from core.errors import ValidationError
from core.workspace.alerts import ALARM, INSUFFICIENT_DATA, OK, AlertEvent, AlertRule

log = logging.getLogger(__name__)

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
_RULE_TEXT = re.compile(r"^\s*(?P<metric>\S+)\s*(?P<op>>=|<=|>|<)\s*(?P<threshold>[-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class MetricVerdict:
    """One metric's state under a rule, with the values that decided it (oldest first)."""

    metric: str
    state: str
    values: tuple[float, ...]
    breaching: int


def parse_rule_condition(text: str) -> tuple[str, str, float]:
    """``"feature_baseline_drift_{f} > 0.1"`` -> ``("feature_baseline_drift_{f}", ">", 0.1)``."""
    m = _RULE_TEXT.match(text or "")
    if not m:
        raise ValidationError(f"Alert condition {text!r} is not 'METRIC OP NUMBER' with OP one of "
                              f"> >= < <=, e.g. 'feature_baseline_drift_{{f}} > 0.1'.")
    try:
        return m["metric"], m["op"], float(m["threshold"])
    except ValueError:
        raise ValidationError(f"Alert threshold {m['threshold']!r} is not a number.") from None


def matching_metrics(pattern: str, names: list[str]) -> list[str]:
    """Metric names a rule's ``metric`` covers (``{f}`` and ``*`` match any feature name)."""
    glob = pattern.replace("{f}", "*")
    if glob == pattern and "*" not in pattern:
        return [pattern] if pattern in names else []
    return [n for n in names if fnmatch.fnmatchcase(n, glob)]


def judge(values: list[float], rule: AlertRule) -> tuple[str, int]:
    """State for one metric's latest values (at most N, oldest first) and how many breach."""
    latest = values[-rule.evaluation_periods:]
    breaching = sum(1 for v in latest if _OPS[rule.comparison](v, rule.threshold))
    if breaching >= rule.datapoints_to_alarm:
        return ALARM, breaching
    if len(latest) >= rule.datapoints_to_alarm:
        return OK, breaching
    return INSUFFICIENT_DATA, breaching  # too few datapoints to ever reach M


def evaluate_rule(workspace, rule: AlertRule) -> list[MetricVerdict]:
    """Judge every metric a rule covers, each schedule's series on its own.

    A rule without a schedule watches every schedule (of its endpoint, if it names one).
    """
    schedules = [rule.schedule] if rule.schedule else [s.name for s in workspace.list_schedules()]
    verdicts = []
    for schedule in schedules:
        where = {"endpoint": rule.endpoint or None, "schedule": schedule}
        for name in matching_metrics(rule.metric, workspace.metric_names(**where)):
            values = [v for _, v in workspace.metric_series(name, **where,
                                                            last=rule.evaluation_periods)]
            state, breaching = judge(values, rule)
            label = name if rule.schedule else f"{name} ({schedule})"
            verdicts.append(MetricVerdict(label, state, tuple(values), breaching))
    return verdicts


def summarize(rule: AlertRule, verdicts: list[MetricVerdict]) -> tuple[str, str]:
    """The rule's state (ALARM if any metric alarms, else OK if any is OK) and a reason sentence."""
    alarming = [v for v in verdicts if v.state == ALARM]
    if alarming:
        shown = ", ".join(f"{v.metric} ({v.breaching} of {len(v.values)})" for v in alarming[:5])
        more = f" and {len(alarming) - 5} more" if len(alarming) > 5 else ""
        return ALARM, f"{rule.description}: breached by {shown}{more}."
    if any(v.state == OK for v in verdicts):
        return OK, f"{rule.description}: no metric breaches."
    if not verdicts:
        return INSUFFICIENT_DATA, f"No datapoints yet for {rule.metric}."
    return INSUFFICIENT_DATA, (f"Fewer than {rule.datapoints_to_alarm} datapoints for "
                               f"{rule.metric} so far.")


def evaluate_alerts(workspace, schedule: str, *,
                    execution_id: int | None = None) -> list[AlertEvent]:
    """Evaluate the enabled rules that apply to ``schedule``; returns the state changes.

    Called after each execution; the GUI shows the returned events as notifications.
    """
    events = []
    for rule in workspace.list_alert_rules(schedule=schedule):
        if not rule.enabled:
            continue
        state, reason = summarize(rule, evaluate_rule(workspace, rule))
        event = workspace.set_alert_state(rule.name, state, reason, execution_id)
        if event is not None:
            log.info("alert %s: %s -> %s (%s)", rule.name, event.old_state, state, reason)
            events.append(event)
    return events
