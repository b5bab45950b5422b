"""Schedule expressions: SageMaker's ``cron(...)`` and ``NOW``, any 5-field cron, window offsets.

AWS cron has six fields (minute hour day-of-month month day-of-week year) with ``?`` and
Sunday = 1; croniter reads a sixth field as seconds, so AWS forms are converted first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter

from core.errors import ValidationError

NOW = "NOW"
ALLOWED = ("Allowed schedule expressions: NOW; SageMaker's cron(0 * ? * * *) (hourly), "
           "cron(0 H ? * * *) (daily at hour H UTC), cron(0 H/N ? * * *) (every N hours from H), "
           "or any AWS 6-field cron(min hour day month weekday year); or a standard 5-field cron "
           "such as '*/10 * * * *' (every 10 minutes), '0 8 * * 1' (Mondays 08:00), "
           "'0 0 1 * *' (monthly). Times are UTC.")
DEFAULT_WINDOW_START = "-PT1H"
DEFAULT_WINDOW_END = "-PT0H"

_DURATION = re.compile(r"^(?P<sign>[-+]?)P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
                       r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$")


@dataclass(frozen=True)
class ScheduleExpression:
    """A validated expression: ``text`` as the user wrote it, ``cron`` as croniter reads it."""

    text: str
    cron: str | None  # None for NOW (run once, immediately)

    @property
    def is_now(self) -> bool:
        return self.cron is None


class CronExpressionGenerator:
    """The SageMaker SDK's helpers, plus the intervals SageMaker never offered."""

    @staticmethod
    def hourly() -> str:
        return "cron(0 * ? * * *)"

    @staticmethod
    def daily(hour: int = 0) -> str:
        _check_range("hour", hour, 0, 23)
        return f"cron(0 {hour} ? * * *)"

    @staticmethod
    def daily_every_x_hours(hour_interval: int, starting_hour: int = 0) -> str:
        _check_range("hour_interval", hour_interval, 1, 24)
        _check_range("starting_hour", starting_hour, 0, 23)
        return f"cron(0 {starting_hour}/{hour_interval} ? * * *)"

    @staticmethod
    def now() -> str:
        return NOW

    @staticmethod
    def every_x_minutes(minutes: int) -> str:
        _check_range("minutes", minutes, 1, 59)
        return f"*/{minutes} * * * *"

    @staticmethod
    def weekly(day_of_week: int = 1, hour: int = 0) -> str:
        """``day_of_week`` as standard cron counts it: 0 = Sunday ... 6 = Saturday."""
        _check_range("day_of_week", day_of_week, 0, 6)
        _check_range("hour", hour, 0, 23)
        return f"0 {hour} * * {day_of_week}"

    @staticmethod
    def monthly(day: int = 1, hour: int = 0) -> str:
        _check_range("day", day, 1, 31)
        _check_range("hour", hour, 0, 23)
        return f"0 {hour} {day} * *"


def parse_expression(text: str) -> ScheduleExpression:
    """Validate a schedule expression.

    Raises:
        ValidationError: naming what is wrong and listing the allowed forms.
    """
    raw = (text or "").strip()
    if raw.upper() == NOW:
        return ScheduleExpression(NOW, None)
    match = re.fullmatch(r"cron\((.*)\)", raw, flags=re.IGNORECASE)
    fields = (match.group(1) if match else raw).split()
    if match and len(fields) == 6:
        cron = _aws_to_cron(fields, raw)
    elif len(fields) == 5:
        cron = " ".join(fields).replace("?", "*")
    else:
        raise ValidationError(f"Schedule expression {raw!r} is not understood. {ALLOWED}")
    if not croniter.is_valid(cron):
        raise ValidationError(f"Schedule expression {raw!r} has a field out of range. {ALLOWED}")
    return ScheduleExpression(raw, cron)


def _aws_to_cron(fields: list[str], raw: str) -> str:
    minute, hour, day, month, weekday, year = fields
    if year not in ("*", "?"):
        raise ValidationError(f"Schedule expression {raw!r}: the year field must be '*'. {ALLOWED}")
    return " ".join([minute, hour, day, month, _aws_weekday(weekday, raw)]).replace("?", "*")


def _aws_weekday(field: str, raw: str) -> str:
    """AWS counts Sunday as 1 ... Saturday as 7; standard cron counts Sunday as 0."""

    def shift(m: re.Match) -> str:
        if m.group(1):  # a number after '#' or '/' is an ordinal or a step, not a day
            return m.group(0)
        day = int(m.group(2))
        if not 1 <= day <= 7:
            raise ValidationError(f"Schedule expression {raw!r}: AWS day-of-week numbers run "
                                  f"1 (Sunday) to 7 (Saturday). {ALLOWED}")
        return str(day - 1)

    return re.sub(r"([#/]?)(\d+)", shift, field)


def next_runs(expression: str | ScheduleExpression, after: datetime, n: int = 5) -> list[datetime]:
    """The next ``n`` fire times strictly after ``after`` (UTC). ``NOW`` has none to come."""
    parsed = (expression if isinstance(expression, ScheduleExpression)
              else parse_expression(expression))
    if parsed.is_now:
        return []
    it = croniter(parsed.cron, _utc(after))
    return [it.get_next(datetime).astimezone(UTC) for _ in range(n)]


def runs_between(expression: ScheduleExpression, start: datetime, end: datetime,
                 limit: int) -> list[datetime]:
    """The latest ``limit`` fire times in ``(start, end]``, oldest first.

    Walks back from ``end`` so a long outage costs ``limit`` steps, not one per missed run.
    """
    if expression.is_now or limit <= 0:
        return []
    first, last = _utc(start), _utc(end)
    it = croniter(expression.cron, last + timedelta(seconds=1))  # get_prev is strict
    runs: list[datetime] = []
    while len(runs) < limit:
        when = it.get_prev(datetime).astimezone(UTC)
        if when <= first:
            break
        runs.append(when)
    return runs[::-1]


def parse_offset(text: str) -> timedelta:
    """An ISO-8601 duration like ``-PT1H``, ``-P1D``, ``-PT0H``, ``-P1DT6H``; never positive.

    Raises:
        ValidationError: not such a duration, a positive one, or one in months/years.
    """
    raw = (text or "").strip()
    m = _DURATION.match(raw.upper())
    if not m or raw.upper() in ("P", "-P", "+P") or raw.upper().endswith("T"):
        raise ValidationError(f"Window offset {raw!r} is not an ISO-8601 duration like -PT1H "
                              f"(one hour before), -P1D (one day) or -PT0H (the scheduled time); "
                              f"weeks, days, hours, minutes and seconds are allowed.")
    size = timedelta(weeks=int(m["w"] or 0), days=int(m["d"] or 0), hours=int(m["h"] or 0),
                     minutes=int(m["m"] or 0), seconds=int(m["s"] or 0))
    if size and m["sign"] != "-":
        raise ValidationError(f"Window offset {raw!r} points after the scheduled time; "
                              f"offsets are negative, like -PT1H.")
    return -size


def validate_window(start_offset: str, end_offset: str) -> tuple[timedelta, timedelta]:
    """Both offsets parsed, with the start strictly before the end."""
    start, end = parse_offset(start_offset), parse_offset(end_offset)
    if start >= end:
        raise ValidationError(f"The analysis window starts ({start_offset}) at or after it ends "
                              f"({end_offset}); the start offset must be further back.")
    return start, end


def analysis_window(scheduled_time: datetime, start_offset: str = DEFAULT_WINDOW_START,
                    end_offset: str = DEFAULT_WINDOW_END) -> tuple[datetime, datetime]:
    """The ``[start, end)`` a run at ``scheduled_time`` analyzes (default: the previous hour)."""
    start, end = validate_window(start_offset, end_offset)
    at = _utc(scheduled_time)
    return at + start, at + end


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}, not {value!r}.")
