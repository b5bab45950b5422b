"""Pick the inference, probability and label values out of records, by SageMaker's attributes.

An attribute is a column index (CSV text, ``"0"``), a column name (a dataset's header), or a
JSONPath-like path into a JSON document (``predictions[0].score``, ``$.label``). Values come
back as text; :func:`as_numbers` converts them, naming the first record that is not a number.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import InputError, ValidationError

MAX_PATH_CHARS = 256
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]|\.")

Locate = Callable[[int], tuple[str, int]]  # record index -> (file, line)


def parse_path(attribute: str) -> list[str | int]:
    """``$.predictions[0].score`` -> ``["predictions", 0, "score"]``."""
    text = attribute.strip()
    if not text or len(text) > MAX_PATH_CHARS:
        raise ValidationError(f"attribute {attribute!r} is empty or longer than "
                              f"{MAX_PATH_CHARS} characters")
    text = text[1:] if text.startswith("$") else text
    steps: list[str | int] = []
    position = 0
    for match in _SEGMENT.finditer(text):
        if match.start() != position:
            break
        position = match.end()
        if match[1] is not None:
            steps.append(int(match[1]) if match[1].isdigit() else match[1])
        elif match[2] is not None:
            steps.append(int(match[2]))
    if position != len(text) or not steps:
        raise ValidationError(f"attribute {attribute!r} is not a column index or a path such "
                              "as predictions[0].score")
    return steps


def select(data: pa.Array, encoding: pa.Array | None, attribute: str | None, *,
           what: str, locate: Locate) -> pa.Array:
    """The ``attribute`` of every payload (CSV, JSON or BASE64 text) as text.

    Without an attribute a CSV payload is taken whole, a JSON payload must be a scalar.

    Raises:
        InputError: a payload lacks the attribute (naming the first such record).
    """
    encodings = set(pc.unique(encoding).to_pylist()) if encoding is not None and len(data) \
        else {"CSV"}
    if encodings <= {"CSV", None} and (attribute is None or attribute.strip().isdigit()):
        return _csv_column(data, int(attribute) if attribute else None, what, locate)
    steps = parse_path(attribute) if attribute else []
    texts = data.to_pylist()
    kinds = encoding.to_pylist() if encoding is not None else ["CSV"] * len(texts)
    out: list[str] = []
    for i, (text, kind) in enumerate(zip(texts, kinds, strict=True)):
        out.append(_one(text, kind, steps, attribute, what, i, locate))
    return pa.array(out, pa.string())


def as_numbers(values: pa.Array, *, what: str, locate: Locate) -> np.ndarray:
    """Text to float64; InputError naming the first record whose value is not a finite number."""
    try:
        numbers = pc.cast(pc.utf8_trim_whitespace(values), pa.float64()).to_numpy(
            zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numbers = None
    if numbers is not None and np.isfinite(numbers).all():
        return numbers
    for i, text in enumerate(values.to_pylist()):
        try:
            ok = math.isfinite(float(text))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            path, line = locate(i)
            raise InputError(f"the {what} {_short(text)} is not a number", path=path, line=line)
    raise AssertionError("unreachable: Arrow rejected a column Python accepts")


def _csv_column(data: pa.Array, index: int | None, what: str, locate: Locate) -> pa.Array:
    if index is None or (index == 0 and not pc.any(pc.match_substring(data, ",")).as_py()):
        if index is None and len(data) and pc.any(pc.match_substring(data, ",")).as_py():
            i = int(np.flatnonzero(pc.match_substring(data, ",").to_numpy(
                zero_copy_only=False))[0])
            path, line = locate(i)
            raise InputError(f"the response {_short(data[i].as_py())} has several values; "
                             f"give the {what} attribute as a column index", path=path,
                             line=line)
        return pc.utf8_trim_whitespace(pc.fill_null(data, ""))
    parts = pc.split_pattern(pc.fill_null(data, ""), ",")
    short = pc.less_equal(pc.list_value_length(parts), index)
    if pc.any(short).as_py():
        i = int(np.flatnonzero(short.to_numpy(zero_copy_only=False))[0])
        path, line = locate(i)
        raise InputError(f"the response {_short(data[i].as_py())} has no column {index} for "
                         f"the {what}", path=path, line=line)
    return pc.utf8_trim_whitespace(pc.list_element(parts, index))


def _one(text, kind, steps, attribute, what, i, locate) -> str:
    if kind == "BASE64":
        try:
            text = base64.b64decode(text or "", validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            path, line = locate(i)
            raise InputError("the payload is not valid base64 text", path=path,
                             line=line) from None
        kind = "JSON" if text.lstrip()[:1] in ("{", "[") else "CSV"
    if kind != "JSON":
        columns = (text or "").split(",")
        index = steps[0] if len(steps) == 1 and isinstance(steps[0], int) else 0 \
            if not steps else None
        if index is None or index >= len(columns):
            path, line = locate(i)
            raise InputError(f"the CSV response {_short(text)} has no {attribute!r} for the "
                             f"{what}", path=path, line=line)
        return columns[index].strip()
    try:
        value = json.loads(text or "")
    except json.JSONDecodeError:
        path, line = locate(i)
        raise InputError("the payload is not JSON", path=path, line=line) from None
    for step in steps:
        if isinstance(step, int) and isinstance(value, list) and step < len(value):
            value = value[step]
        elif isinstance(value, dict) and str(step) in value:
            value = value[str(step)]
        else:
            path, line = locate(i)
            raise InputError(f"the response has no {attribute!r} for the {what}", path=path,
                             line=line)
    if isinstance(value, (dict, list)) or value is None:
        path, line = locate(i)
        raise InputError(f"the {what} at {attribute or 'the top'!r} is not a single value",
                         path=path, line=line)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _short(text) -> str:
    text = repr(text)
    return text if len(text) <= 60 else text[:57] + "...'"
