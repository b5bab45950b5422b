"""What the executions tab reads from the workspace, gathered on a worker (no Qt here)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from core.report.results import ResultSet, load_results
from gui.tabs.executions.history_view import History, default_metric

log = logging.getLogger(__name__)

EXECUTION_LIMIT = 500  # newest executions listed per schedule
ALERT_EVENTS = 50


@dataclass(frozen=True)
class Overview:
    schedules: list
    endpoints: list[str]
    baselines: list


def load_overview(workspace, *, progress=None, cancel=None) -> Overview:
    return Overview(workspace.list_schedules(),
                    [e.name for e in workspace.list_endpoints()],
                    workspace.list_baselines())


def load_executions(workspace, schedule: str, *, progress=None, cancel=None) -> list:
    return workspace.list_executions(schedule, limit=EXECUTION_LIMIT)


def load_execution_result(workspace, execution, *, progress=None, cancel=None) -> ResultSet:
    """The report folder of an execution, compared with its schedule's baseline statistics."""
    if not execution.report_dir or not Path(execution.report_dir).is_dir():
        return ResultSet(source="")
    schedule = workspace.get_schedule(execution.schedule)
    baseline = schedule.statistics_path if schedule is not None else None
    if baseline and not Path(baseline).is_file():
        baseline = None
    return load_results(execution.report_dir, baseline_statistics=baseline)


def load_history(workspace, schedule, metric: str = "", *, progress=None,
                 cancel=None) -> History:
    """One metric's series for ``schedule`` with its threshold, plus the alert states."""
    from core.scheduling.alerts import matching_metrics

    names = workspace.metric_names(schedule=schedule.name)
    if metric not in names:
        latest = {}
        for name in names:
            if name.startswith("feature_baseline_drift_"):
                series = workspace.metric_series(name, schedule=schedule.name)
                if series:
                    latest[name] = series[-1][1]
        metric = default_metric(names, latest)
    rules = workspace.list_alert_rules(schedule=schedule.name)
    history = History(metric=metric, metrics=names, rules=rules,
                      points=workspace.metric_series(metric, schedule=schedule.name)
                      if metric else [])
    rule_names = {r.name for r in rules}
    history.events = [e for e in workspace.alert_history(limit=ALERT_EVENTS)
                      if e.rule in rule_names]
    for rule in rules:
        if metric and matching_metrics(rule.metric, [metric]):
            history.threshold = rule.threshold
            break
    if history.threshold is None and metric.startswith("feature_baseline_drift_"):
        history.threshold = _drift_threshold(schedule.constraints_path,
                                             metric.removeprefix("feature_baseline_drift_"))
    return history


def add_alert_rule(workspace, schedule: str, metric: str, comparison: str, threshold: float, *,
                   destinations: tuple[str, ...] = (), progress=None, cancel=None):
    """A rule on ``metric`` for ``schedule``, evaluated at once on the metrics so far."""
    from core.scheduling.alerts import evaluate_alerts
    from core.workspace.alerts import AlertRule

    name = alert_name(schedule, metric, comparison, threshold,
                      taken={r.name for r in workspace.list_alert_rules()})
    rule = workspace.create_alert_rule(AlertRule(name, metric, comparison, threshold,
                                                 schedule=schedule, destinations=destinations))
    evaluate_alerts(workspace, schedule)
    return rule


def alert_name(schedule: str, metric: str, comparison: str, threshold: float, *,
               taken: set[str] = frozenset()) -> str:
    """A valid, unused rule name saying what the rule watches (the description says it all)."""
    import re

    from core.names import MAX_NAME_LENGTH, is_valid_name

    words = {">": "gt", ">=": "ge", "<": "lt", "<=": "le"}
    text = f"{schedule}-{metric}-{words.get(comparison, 'vs')}-{threshold:g}"
    base = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:MAX_NAME_LENGTH - 4].strip("-")
    name, n = base or "alert", 1
    while name in taken or not is_valid_name(name):
        n += 1
        name = f"{base or 'alert'}-{n}"
    return name


def _drift_threshold(constraints_path: str, feature: str) -> float | None:
    """The baseline's comparison threshold for one feature (overrides included)."""
    try:
        from core.formats.constraints import monitoring_config, read_constraints
    except ImportError:
        return None
    try:
        doc = read_constraints(constraints_path)
    except (OSError, ValueError, json.JSONDecodeError) as error:
        log.warning("cannot read %s: %s", constraints_path, error)
        return None
    config = monitoring_config(doc, feature)
    dist = config.get("distribution_constraints", {})
    types = {f.get("name"): f.get("inferred_type") for f in doc.get("features", [])}
    if types.get(feature) == "String":
        return float(dist.get("categorical_comparison_threshold",
                              dist.get("comparison_threshold", 0.1)))
    return float(dist.get("comparison_threshold", 0.1))
