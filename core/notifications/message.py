"""What a notification says: one Slack-compatible JSON payload, and the same as e-mail text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AlertNotice:
    """One state change of one rule, as the destinations are told it."""

    rule: str
    old_state: str
    new_state: str
    reason: str
    timestamp: datetime
    metric: str = ""
    schedule: str = ""
    endpoint: str = ""
    execution_id: int | None = None

    @property
    def title(self) -> str:
        where = f" ({self.schedule})" if self.schedule else ""
        return f"Alert {self.rule}{where}: {self.old_state} -> {self.new_state}"


def slack_payload(notice: AlertNotice) -> dict:
    """Slack's incoming-webhook form (``text`` plus ``blocks``); other receivers read the
    ``alert`` object, which carries every field."""
    detail = f"{notice.reason}\nMetric: {notice.metric or '-'} at {notice.timestamp:%Y-%m-%d %H:%M:%S} UTC"
    return {
        "text": f"{notice.title}. {notice.reason}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": notice.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": detail[:3000]}},
        ],
        "alert": {"rule": notice.rule, "old_state": notice.old_state,
                  "new_state": notice.new_state, "reason": notice.reason,
                  "timestamp": notice.timestamp.isoformat(), "metric": notice.metric,
                  "schedule": notice.schedule, "endpoint": notice.endpoint,
                  "execution_id": notice.execution_id},
    }


def email_text(notice: AlertNotice) -> tuple[str, str]:
    """(subject, body)."""
    body = (f"{notice.title}\n\n{notice.reason}\n\nMetric: {notice.metric or '-'}\n"
            f"Schedule: {notice.schedule or '-'}\nEndpoint: {notice.endpoint or '-'}\n"
            f"Changed at: {notice.timestamp:%Y-%m-%d %H:%M:%S} UTC\n"
            f"Execution: {notice.execution_id if notice.execution_id is not None else '-'}\n")
    return f"[Model Monitor] {notice.title}", body
