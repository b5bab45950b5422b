"""One capture file read line by line, for files Arrow's reader refuses: each line is a
record or one named reason why it is not (file, line, field), and a line cut short at the end
of a file still being written is told apart as torn."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from core.monitoring.capture_errors import BadRecord


class BadLine(Exception):
    def __init__(self, reason: str, field: str | None = None, unparsable: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.field, self.unparsable = reason, field, unparsable


TORN = ("the last line is cut short (the file was not completely written; its writer "
        "stopped or is still writing)")


def parsed_lines(path: Path, data: bytes) -> Iterator[tuple[int, dict | BadRecord]]:
    """Each non-blank line's number with its record, or with why it cannot be read (a line
    that cannot be parsed at the end of a file without its final newline is torn)."""
    lines = data.split(b"\n")
    torn_possible = not data.endswith(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            yield number, line_record(raw)
        except BadLine as error:
            torn = error.unparsable and torn_possible and number == len(lines)
            yield number, BadRecord(str(path), number, TORN if torn else error.reason,
                                    None if torn else error.field, torn)


def line_record(raw: bytes) -> dict:
    """One line as a capture record whose fields have the types the table needs."""
    try:
        record = json.loads(raw)
    except UnicodeDecodeError as error:
        raise BadLine(f"the line is not UTF-8 text ({error.reason} at byte {error.start})",
                       unparsable=True) from error
    except json.JSONDecodeError as error:
        raise BadLine(f"not a JSON capture record ({error.msg} at column {error.colno})",
                       unparsable=True) from error
    except (ValueError, RecursionError) as error:  # a 5000-digit number, 100k nested arrays
        raise BadLine(f"not a readable JSON capture record ({_short(error)})",
                       unparsable=True) from error
    problem = _shape_problem(record)
    if problem:
        raise BadLine(*problem)
    return record


def _shape_problem(record) -> tuple[str, str] | None:
    capture = record.get("captureData") if isinstance(record, dict) else None
    if not isinstance(record, dict) or not isinstance(capture, (dict, type(None))):
        return "not a capture record (expected an object with captureData)", "captureData"
    for name in ("endpointInput", "endpointOutput"):
        payload = (capture or {}).get(name)
        if payload is None:
            continue
        if not isinstance(payload, dict):
            return f"expected an object, not {_json_kind(payload)}", f"captureData.{name}"
        for key in ("data", "encoding", "observedContentType"):
            value = payload.get(key)
            if value is not None and not isinstance(value, str):
                return (f"expected a string, not {_json_kind(value)}",
                        f"captureData.{name}.{key}")
            if value and not _encodable(value):
                return _SURROGATE, f"captureData.{name}.{key}"
    meta = record.get("eventMetadata")
    if meta is not None and not isinstance(meta, dict):
        return f"expected an object, not {_json_kind(meta)}", "eventMetadata"
    for key in ("inferenceTime", "invocationSource"):
        value = (meta or {}).get(key)
        if value is not None and not isinstance(value, str):
            return f"expected a string, not {_json_kind(value)}", f"eventMetadata.{key}"
        if value and not _encodable(value):
            return _SURROGATE, f"eventMetadata.{key}"
    return None


_SURROGATE = "the text holds a \\u escape of a lone surrogate, which is not a character"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string" if isinstance(value, str) else "null"


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."
