"""Reading capture files back in tests: strictly, or the way a reader survives a kill."""

from __future__ import annotations

import json
from pathlib import Path


def read_capture(root: Path) -> tuple[list[dict], list[Path]]:
    """Every record under ``root`` (strict: every line must be complete JSON)."""
    records, files = [], sorted(Path(root).rglob("*.jsonl"))
    for path in files:
        data = path.read_bytes()
        assert not data or data.endswith(b"\n"), f"{path} ends in a partial line"
        records.extend(json.loads(line) for line in data.decode("utf-8").splitlines())
    return records, files


def read_capture_tolerant(root: Path) -> tuple[list[dict], int]:
    """Records under ``root`` when a killed writer may have left an unterminated last line.

    Returns the records and the number of unterminated tails skipped; every complete line
    must still be valid JSON.
    """
    records, torn = [], 0
    for path in sorted(Path(root).rglob("*.jsonl")):
        data = path.read_bytes()
        complete, _, tail = data.rpartition(b"\n")
        torn += bool(tail)
        records.extend(json.loads(line) for line in complete.decode("utf-8").splitlines()
                       if complete)
    return records, torn
