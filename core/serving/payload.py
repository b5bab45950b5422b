"""Turn request bodies into feature rows and predictions into response bodies.

Speaks what SageMaker's XGBoost container speaks: ``text/csv`` (one or many rows, no header)
and ``application/json``. Every problem is a :class:`RequestError` carrying an HTTP status.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np

from core.formats.capture import media_type

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"
CSV_RESPONSE_TYPE = "text/csv; charset=utf-8"
MAX_JSON_DEPTH = 16  # an accepted body nests 3 deep ({"instances": [[..]]}); 16 is generous
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET_STEPS = np.zeros(256, dtype=np.int8)  # byte -> +1 for [ and {, -1 for ] and }
_BRACKET_STEPS[[ord("["), ord("{")]] = 1
_BRACKET_STEPS[[ord("]"), ord("}")]] = -1


class RequestError(Exception):
    """A request the endpoint refuses; ``status`` is the HTTP status a container answers."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def decode_rows(body: bytes, content_type: str, num_features: int) -> np.ndarray:
    """Parse a request body into a float32 array of shape (rows, ``num_features``)."""
    kind = media_type(content_type or "")
    if kind == CSV_TYPE:
        rows = _csv_rows(body)
    elif kind == JSON_TYPE:
        rows = _json_rows(body)
    else:
        raise RequestError(415, f"Content type {content_type or '(none)'!r} is not supported; "
                                f"send {CSV_TYPE} or {JSON_TYPE}.")
    if not rows:
        raise RequestError(400, "The request holds no rows.")
    for number, row in enumerate(rows, start=1):
        if len(row) != num_features:
            raise RequestError(400, f"Row {number} has {len(row)} features; the model expects "
                                    f"{num_features}.")
    return np.asarray(rows, dtype=np.float32)


def _csv_rows(body: bytes) -> list[list[float]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(400, f"The CSV body is not UTF-8 text: {error}.") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        rows.append([_number(field, number, column)
                     for column, field in enumerate(line.split(","), start=1)])
    return rows


def _number(field: str, line: int, column: int) -> float:
    field = field.strip()
    if not field:
        return math.nan  # an empty CSV field is a missing value, as XGBoost reads it
    try:
        return float(field)
    except ValueError:
        raise RequestError(400, f"Line {line}, column {column}: {field[:40]!r} is not a "
                                f"number.") from None


def _json_rows(body: bytes) -> list[list[float]]:
    """Accept ``[..]``, ``[[..], ..]``, ``{"features": [..]}`` and ``{"instances": [..]}``."""
    # Counting brackets first keeps the exact check off the usual small body.
    if (body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH
            and (depth := json_depth(body)) > MAX_JSON_DEPTH):
        raise RequestError(400, f"The JSON body nests {depth} levels deep; at most "
                                f"{MAX_JSON_DEPTH} are accepted.")
    try:
        # Integers parse as floats: no digit limit to trip and no int too large for a float.
        doc = json.loads(body, parse_int=float)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RequestError(400, f"The JSON body cannot be parsed: {error}.") from None
    except (ValueError, RecursionError) as error:  # never expected after the checks above
        raise RequestError(400, f"The JSON body cannot be parsed: {error}.") from None
    if isinstance(doc, dict):
        doc = doc.get("instances", doc.get("features", doc.get("inputs")))
    if isinstance(doc, list) and doc and not isinstance(doc[0], (list, dict)):
        doc = [doc]
    if not isinstance(doc, list):
        raise RequestError(400, 'JSON must be a list of rows or {"instances": [...]}.')
    rows = []
    for number, row in enumerate(doc, start=1):
        if isinstance(row, dict):
            row = row.get("features")
        if not isinstance(row, list) or not all(_is_number(v) for v in row):
            raise RequestError(400, f"JSON row {number} is not a list of numbers.")
        rows.append([math.nan if v is None else float(v) for v in row])
    return rows


def json_depth(body: bytes) -> int:
    """How deep brackets and braces nest in a JSON text, outside its strings.

    Runs before the parser (whose recursion a few thousand ``[`` would exhaust), at C speed:
    a regular expression blanks the strings, numpy sums the brackets.
    """
    text = np.frombuffer(_JSON_STRING.sub(b'""', body), dtype=np.uint8)
    return int(np.cumsum(_BRACKET_STEPS[text], dtype=np.int32).max(initial=0))


def _is_number(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def response_type(request_type: str, accept: str | None) -> str:
    """The response content type: what ``Accept`` asks for, else the request's family."""
    wanted = [media_type(a) for a in (accept or "").split(",") if a.strip()]
    for kind in wanted:
        if kind == CSV_TYPE:
            return CSV_RESPONSE_TYPE
        if kind == JSON_TYPE:
            return JSON_TYPE
    if wanted and not any(k in ("*/*", "text/*", "application/*") for k in wanted):
        raise RequestError(406, f"Accept {accept!r} is not supported; use {CSV_TYPE} or "
                                f"{JSON_TYPE}.")
    return JSON_TYPE if media_type(request_type) == JSON_TYPE else CSV_RESPONSE_TYPE


def encode_predictions(scores: np.ndarray, content_type: str) -> bytes:
    """One line per row for CSV (``0.036397725343704224``), ``{"predictions": ..}`` for JSON.

    Scores are float32 written with Python's shortest float64 repr, as the container does.
    """
    scores = np.asarray(scores, dtype=np.float32)
    if content_type == JSON_TYPE:
        items = [{"score": _values(s)} for s in scores]
        return json.dumps({"predictions": items}).encode("utf-8")
    lines = (",".join(map(repr, v)) if isinstance(v := _values(s), list) else repr(v)
             for s in scores)
    return "\n".join(lines).encode("utf-8")


def _values(score: np.ndarray) -> float | list[float]:
    return [float(x) for x in score] if np.ndim(score) else float(score)
