"""Small builders for monitoring tests: capture folders written with the real record builder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.formats.capture import capture_file_path, capture_record, encode_record

SCHEDULED = datetime(2024, 3, 5, 11, 0, tzinfo=UTC)
WINDOW = (SCHEDULED - timedelta(hours=1), SCHEDULED)


def write_capture(root: Path, rows: list[tuple[str, str]], *, endpoint: str = "ep",
                  start: datetime = WINDOW[0], per_file: int = 100) -> list[Path]:
    """One capture record per ``(input csv, output)`` pair, spread over the hour from ``start``.

    Files roll every ``per_file`` records, like SageMaker's roughly once-a-minute files.
    """
    step = timedelta(seconds=3599 / max(1, len(rows)))
    paths: list[Path] = []
    handle = None
    for i, (inp, out) in enumerate(rows):
        when = start + step * i
        if i % per_file == 0:
            if handle:
                handle.close()
            path = capture_file_path(root, endpoint, "AllTraffic", when, file_id=f"f{i:06d}")
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("wb")
            paths.append(path)
        record = capture_record(inp, "text/csv", out, "text/csv; charset=utf-8",
                                inference_time=when, event_id=f"00000000-0000-0000-0000-{i:012d}")
        handle.write(encode_record(record))
    if handle:
        handle.close()
    return paths


def probability(i: int) -> str:
    """A deterministic model score in (0, 1), always written with a decimal point."""
    return f"{(i * 7919 % 9973) / 9973 * 0.98 + 0.01:.6f}"
