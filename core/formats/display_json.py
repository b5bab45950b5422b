"""Reading SageMaker JSON documents for display, fast: KLL sketch arrays are cut from the text
before parsing, since views draw the buckets and never the sketches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.errors import FormatError
from core.formats.json_doc import read_json_text


def read_for_display(path: str | Path) -> Any:
    """A JSON document without its KLL sketch data (see :func:`without_sketch_data`)."""
    return _read_json(Path(path))


def _read_json(path: Path) -> Any:
    text = read_json_text(path, "JSON")  # size and depth limits before any parsing
    try:
        return json.loads(without_sketch_data(text))
    except (json.JSONDecodeError, ValueError):
        pass  # an unusual layout the fast path misread: parse the text as it is
    try:
        return json.loads(text)
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        raise FormatError(f"Cannot read JSON: {exc}", path=str(path)) from exc


def without_sketch_data(text: str) -> str:
    """The JSON text with every KLL ``sketch.data`` array emptied.

    The sketches are most of a statistics file (about 9 MB for 500 features) and nothing here
    draws them: the buckets are what is shown. Cutting them before parsing makes opening a
    wide result several times faster. Only brackets are scanned inside the arrays (they hold
    numbers), so this is a few ``str.find`` calls per feature.
    """
    out, pos = [], 0
    while True:
        start = text.find('"sketch"', pos)
        if start < 0:
            break
        key = text.find('"data"', start)
        if key < 0 or '"name"' in text[start:key]:  # no data in this sketch: leave it
            pos = start + 8
            continue
        first = text.find("[", key)
        end = _array_end(text, first)
        if first < 0 or end < 0:
            break
        out.append(text[pos:first])
        out.append("[]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _array_end(text: str, first: int) -> int:
    """Index just past the array opening at ``first`` (-1 when unbalanced)."""
    depth, at = 0, first
    while True:
        opening, closing = text.find("[", at), text.find("]", at)
        if closing < 0:
            return -1
        if 0 <= opening < closing:
            depth, at = depth + 1, opening + 1
        else:
            depth, at = depth - 1, closing + 1
            if depth == 0:
                return at
