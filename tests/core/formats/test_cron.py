"""Schedule expressions (SageMaker forms, 5-field cron, NOW) and analysis-window offsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ValidationError
from core.formats.cron import (
    CronExpressionGenerator as Gen,
    analysis_window,
    next_runs,
    parse_expression,
    parse_offset,
    runs_between,
)

T0 = datetime(2026, 11, 24, 13, 37, tzinfo=UTC)


def _hours(runs):
    return [(r.day, r.hour, r.minute) for r in runs]


def test_generator_matches_the_sagemaker_sdk():
    assert Gen.hourly() == "cron(0 * ? * * *)"
    assert Gen.daily(5) == "cron(0 5 ? * * *)"
    assert Gen.daily_every_x_hours(6, starting_hour=3) == "cron(0 3/6 ? * * *)"
    assert Gen.now() == "NOW"
    with pytest.raises(ValidationError, match="hour must be a whole number from 0 to 23"):
        Gen.daily(24)


def test_sagemaker_forms_fire_at_the_right_times():
    assert _hours(next_runs(Gen.hourly(), T0, 3)) == [(24, 14, 0), (24, 15, 0), (24, 16, 0)]
    assert _hours(next_runs(Gen.daily(5), T0, 2)) == [(25, 5, 0), (26, 5, 0)]
    assert _hours(next_runs(Gen.daily_every_x_hours(6, 3), T0, 3)) == [
        (24, 15, 0), (24, 21, 0), (25, 3, 0)]
    assert next_runs("NOW", T0) == [] and parse_expression("now").is_now


def test_any_five_field_cron_and_aws_weekdays():
    assert _hours(next_runs(Gen.every_x_minutes(10), T0, 2)) == [(24, 13, 40), (24, 13, 50)]
    monday = next_runs(Gen.weekly(1, 8), T0, 1)[0]
    assert monday.weekday() == 0 and monday.hour == 8
    assert next_runs(Gen.monthly(1), T0, 1)[0] == datetime(2026, 12, 1, tzinfo=UTC)
    # AWS counts Sunday as 1: cron(0 8 ? * 2 *) is Mondays 08:00, like '0 8 * * 1'.
    assert next_runs("cron(0 8 ? * 2 *)", T0, 3) == next_runs("0 8 * * 1", T0, 3)
    assert parse_expression("cron(0 8 ? * 2-6 *)").cron == "0 8 * * 1-5"
    assert parse_expression("cron(0 8 ? * MON-FRI *)").cron == "0 8 * * MON-FRI"
    assert parse_expression("cron(0 0 ? * 1#2 *)").cron == "0 0 * * 0#2"


@pytest.mark.parametrize("bad", ["", "hourly", "cron(0 * ? * *", "cron(0 25 ? * * *)",
                                 "0 * * *", "cron(0 * ? * * 2027)", "cron(0 8 ? * 8 *)",
                                 "61 * * * *", "0 0 0 0 0 0 0"])
def test_invalid_expressions_say_what_is_allowed(bad):
    with pytest.raises(ValidationError, match="Allowed schedule expressions|1 \\(Sunday\\)"):
        parse_expression(bad)


def test_runs_between_walks_back_and_limits():
    expr = parse_expression(Gen.hourly())
    start, end = datetime(2026, 1, 1, 0, tzinfo=UTC), datetime(2026, 1, 1, 6, tzinfo=UTC)
    assert [r.hour for r in runs_between(expr, start, end, 24)] == [1, 2, 3, 4, 5, 6]
    assert [r.hour for r in runs_between(expr, start, end, 2)] == [5, 6]
    year_later = start + timedelta(days=365)
    every_minute = parse_expression("* * * * *")
    assert len(runs_between(every_minute, start, year_later, 3)) == 3  # fast: walks back


def test_offsets_and_default_window_is_the_previous_hour():
    assert parse_offset("-PT1H") == timedelta(hours=-1)
    assert parse_offset("-P1D") == timedelta(days=-1)
    assert parse_offset("-PT0H") == timedelta(0)
    assert parse_offset("-P1DT6H30M") == -timedelta(days=1, hours=6, minutes=30)
    at = datetime(2021, 5, 6, 23, tzinfo=UTC)
    assert analysis_window(at) == (datetime(2021, 5, 6, 22, tzinfo=UTC), at)
    assert analysis_window(at, "-P1D", "-PT1H")[0] == datetime(2021, 5, 5, 23, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["PT1H", "+PT1H", "-1H", "-P", "-PT", "-P1M2", "-P1Y", "1 hour"])
def test_bad_offsets_are_rejected(bad):
    with pytest.raises(ValidationError, match="Window offset"):
        parse_offset(bad)


def test_window_start_must_precede_end():
    with pytest.raises(ValidationError, match="start offset must be further back"):
        analysis_window(T0, "-PT1H", "-PT2H")
