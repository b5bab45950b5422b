"""JSON in the exact layout the SageMaker analyzer (Scala + Jackson) writes.

Jackson's default pretty printer: objects one entry per line at two spaces per level, ``" : "``
between key and value, arrays inline (``[ a, b ]``), empty ones as ``[ ]`` and ``{ }``, doubles
as Java's ``Double.toString``, NaN and infinities as strings. Python ``int`` is a Java long
(no decimal point) and ``float`` a double, so callers choose the type the real files use.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

_INDENT = "  "


def dumps(value: Any) -> str:
    """Serialize ``value`` (dicts keep their insertion order) in the analyzer's layout."""
    parts: list[str] = []
    _write(value, 0, parts)
    return "".join(parts)


def java_double(value: float) -> str:
    """Java ``Double.toString``: shortest round-trip digits, scientific below 1e-3 and at 1e7."""
    if math.isnan(value):
        return '"NaN"'
    if math.isinf(value):
        return '"Infinity"' if value > 0 else '"-Infinity"'
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    digits, exponent = _shortest_digits(magnitude)
    if 1e-3 <= magnitude < 1e7:
        point = len(digits) + exponent  # digits before the decimal point
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    sci_exp = len(digits) + exponent - 1
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return f"{sign}{mantissa}E{sci_exp}"


def _shortest_digits(magnitude: float) -> tuple[str, int]:
    """Digits and exponent of Python's shortest repr: value = int(digits) * 10**exponent."""
    dec = Decimal(repr(magnitude))
    sign, digit_tuple, exponent = dec.as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len(digit_tuple) - len(digits)
    return digits or "0", exponent


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20:
            out.append(_CONTROL.get(ch, f"\\u{code:04X}"))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_CONTROL = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _write(value: Any, level: int, parts: list[str]) -> None:
    if isinstance(value, dict):
        if not value:
            parts.append("{ }")
            return
        parts.append("{\n")
        pad = _INDENT * (level + 1)
        for i, (key, item) in enumerate(value.items()):
            if i:
                parts.append(",\n")
            parts.append(f"{pad}{_string(str(key))} : ")
            _write(item, level + 1, parts)
        parts.append(f"\n{_INDENT * level}}}")
    elif isinstance(value, (list, tuple)):
        if not value:
            parts.append("[ ]")
            return
        parts.append("[ ")
        for i, item in enumerate(value):
            if i:
                parts.append(", ")
            _write(item, level, parts)
        parts.append(" ]")
    elif isinstance(value, bool):
        parts.append("true" if value else "false")
    elif value is None:
        parts.append("null")
    elif isinstance(value, int):
        parts.append(str(value))
    elif isinstance(value, float):
        parts.append(java_double(value))
    elif isinstance(value, str):
        parts.append(_string(value))
    else:
        raise TypeError(f"cannot serialize {type(value).__name__} in the analyzer layout")
