"""``main.py alerts create|list|history|notifications|delete``: alert rules on execution
metrics, and where their state changes are sent."""

from __future__ import annotations

import json

from cli.arg_types import positive_int
from cli.common import print_table, workspace_action
from core.errors import ValidationError
from core.names import validate_name, validate_optional_name
from core.scheduling.alerts import evaluate_alerts, parse_rule_condition
from core.workspace.store import Workspace
from core.workspace.alerts import AlertRule


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "alerts", help="alert rules on execution metrics",
        description="Alert rules like CloudWatch alarms: OK, ALARM or INSUFFICIENT_DATA, "
                    "evaluated after each execution.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = workspace_action(actions, "create", "add a rule", _create)
    create.add_argument("name", help="rule name")
    create.add_argument("--condition", required=True,
                        help="METRIC OP NUMBER, e.g. 'feature_baseline_drift_{f} > 0.1' "
                             "({f} stands for every feature)")
    create.add_argument("--datapoints", type=positive_int, default=1,
                        help="breaching executions that raise the alarm (default 1)")
    create.add_argument("--periods", type=positive_int, default=1,
                        help="latest executions considered (default 1)")
    create.add_argument("--schedule", default="", help="only this schedule's metrics")
    create.add_argument("--endpoint", default="", help="only this endpoint's metrics")
    create.add_argument("--notify", action="append", default=[], metavar="DESTINATION",
                        help="where a change into or out of ALARM is sent: webhook:URL (a "
                             "Slack-compatible JSON POST), email:ADDRESS (SMTP settings from "
                             "MODEL_MONITOR_SMTP_* variables) or desktop (the app's tray); "
                             "repeat for several")
    workspace_action(actions, "list", "list rules and their states", _list)
    history = workspace_action(actions, "history", "state changes, newest first", _history)
    history.add_argument("--rule", help="only this rule")
    history.add_argument("--limit", type=positive_int, default=50)
    sent = workspace_action(actions, "notifications", "the delivery log of notifications, "
                            "newest first", _notifications)
    sent.add_argument("--rule", help="only this rule")
    sent.add_argument("--limit", type=positive_int, default=50)
    sent.add_argument("--json", action="store_true", help="print JSON")
    delete = workspace_action(actions, "delete", "delete a rule", _delete)
    delete.add_argument("name", help="rule name")


def _create(args) -> int:
    validate_name(args.name, "alert")
    validate_optional_name(args.schedule, "schedule", where="--schedule")
    validate_optional_name(args.endpoint, "endpoint", where="--endpoint")
    metric, op, threshold = parse_rule_condition(args.condition)
    rule = AlertRule(args.name, metric, op, threshold, args.datapoints, args.periods,
                     endpoint=args.endpoint, schedule=args.schedule,
                     destinations=tuple(args.notify))
    with Workspace.open(args.workspace) as ws:
        if args.schedule:
            ws.require_schedule(args.schedule)
        created = ws.create_alert_rule(rule)
        for schedule in [args.schedule] if args.schedule else [s.name for s in ws.list_schedules()]:
            evaluate_alerts(ws, schedule)  # judge the history that already exists
        created = ws.get_alert_rule(created.name)
    notify = f" Notifies: {', '.join(created.destinations)}." if created.destinations else ""
    print(f"Created alert {created.name}: {created.description}. State: {created.state}."
          f"{notify}")
    return 0


def _list(args) -> int:
    with Workspace.open(args.workspace) as ws:
        rules = ws.list_alert_rules()
    if not rules:
        print("No alert rules.")
        return 0
    rows = [("NAME", "STATE", "RULE", "SCHEDULE", "REASON")]
    rows += [(r.name, r.state, r.description, r.schedule or "any", r.state_reason) for r in rules]
    print_table(rows)
    return 0


def _history(args) -> int:
    validate_optional_name(args.rule, "alert", where="--rule")
    with Workspace.open(args.workspace) as ws:
        events = ws.alert_history(args.rule, limit=args.limit)
    if not events:
        print("No alert state changes.")
        return 0
    rows = [("TIME (UTC)", "RULE", "FROM", "TO", "REASON")]
    rows += [(f"{e.timestamp:%Y-%m-%d %H:%M:%S}", e.rule, e.old_state, e.new_state, e.reason)
             for e in events]
    print_table(rows)
    return 0


def _notifications(args) -> int:
    if args.limit < 1:
        raise ValidationError("--limit must be at least 1.")
    with Workspace.open(args.workspace) as ws:
        rows = ws.list_notifications(args.rule, limit=args.limit)
    if args.json:
        print(json.dumps([{"id": n.id, "rule": n.rule, "event_id": n.event_id,
                           "destination": n.destination, "status": n.status,
                           "attempts": n.attempts, "last_error": n.last_error,
                           "created_at": n.created_at.isoformat(),
                           "delivered_at": n.delivered_at.isoformat() if n.delivered_at
                           else None} for n in rows], indent=2))
        return 0
    if not rows:
        print("No notifications.")
        return 0
    table = [("CREATED (UTC)", "RULE", "DESTINATION", "STATUS", "ATTEMPTS", "LAST ERROR")]
    table += [(f"{n.created_at:%Y-%m-%d %H:%M:%S}", n.rule, n.destination, n.status,
               str(n.attempts), n.last_error) for n in rows]
    print_table(table)
    return 0


def _delete(args) -> int:
    validate_name(args.name, "alert")
    with Workspace.open(args.workspace) as ws:
        if not ws.delete_alert_rule(args.name):
            raise ValidationError(f"No alert rule named {args.name!r}.")
    print(f"Deleted alert rule {args.name}.")
    return 0
