"""Monitoring executions: capture reading, record preprocessing, runs, schedules and metrics."""
