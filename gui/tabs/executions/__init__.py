"""Parts of the executions tab: schedules, the report views (violations, distributions) and
the history chart."""
