"""What the capture browser shows, as plain data: one row per capture record of a file, and a
record pretty-printed with its base64 payloads decoded."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CaptureRow:
    """One record of a capture file, for the capture browser."""

    line: int
    inference_time: str
    event_id: str
    inference_id: str
    input_preview: str
    output_preview: str
    record: dict


def capture_file_rows(path: str | Path, limit: int = 5000, *, progress=None,
                      cancel=None) -> list[CaptureRow]:
    """The first ``limit`` records of one capture JSON Lines file (bad lines are skipped)."""
    rows: list[CaptureRow] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if len(rows) >= limit:
                break
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                continue
            if not isinstance(record, dict):
                continue
            data = record.get("captureData") or {}
            meta = record.get("eventMetadata") or {}
            rows.append(CaptureRow(number, str(meta.get("inferenceTime", "")),
                                   str(meta.get("eventId", "")), str(meta.get("inferenceId", "")),
                                   _preview(data.get("endpointInput")),
                                   _preview(data.get("endpointOutput")), record))
    return rows


def pretty_record(record: dict) -> str:
    """The record as indented JSON, with base64 payloads decoded below it when they are text."""
    text = json.dumps(record, indent=2, ensure_ascii=False)
    for key, payload in (record.get("captureData") or {}).items():
        if isinstance(payload, dict) and payload.get("encoding") == "BASE64":
            try:
                decoded = base64.b64decode(payload.get("data", "")).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                continue
            text += f"\n\n{key} decoded:\n{decoded}"
    return text


def _preview(payload: Any, chars: int = 60) -> str:
    if not isinstance(payload, dict):
        return ""
    data = str(payload.get("data", ""))
    return data if len(data) <= chars else data[:chars] + "…"
