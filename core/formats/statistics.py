"""``statistics.json`` (data quality): lenient reading, Jackson-exact writing.

Reading accepts the analyzer's layout and any re-serialization (Python ``json.dump``, ints
where the analyzer writes doubles, ``"NaN"`` strings). Writing puts every number back in the
type the analyzer uses (longs for counts, doubles elsewhere) so the bytes match its output.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from core import atomic
from core.errors import FormatError, InputError
from core.formats import jackson

_LONGS = {"item_count", "num_present", "num_missing"}
_DOUBLES = {"version", "mean", "sum", "std_dev", "min", "max", "lower_bound", "upper_bound",
            "distinct_count", "c", "k"}


def read_statistics(path: str | os.PathLike) -> dict:
    """Read a data-quality ``statistics.json`` written by SageMaker, by us or by Python.

    Raises:
        InputError: the file is missing or unreadable.
        FormatError: it is not JSON or has no ``features`` list.
    """
    doc = _load_json(path, "statistics")
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise FormatError("expected a statistics document with a 'features' list",
                          path=str(path))
    return normalized_statistics(doc)


def dumps_statistics(doc: dict) -> str:
    """The document in the analyzer's exact layout."""
    return jackson.dumps(normalized_statistics(doc))


def write_statistics(path: str | os.PathLike, doc: dict) -> Path:
    """Atomically write ``doc`` as ``statistics.json`` at ``path``."""
    return atomic.write_text(path, dumps_statistics(doc))


def feature_map(doc: dict) -> dict[str, dict]:
    """Features by name, in document order."""
    return {feature.get("name"): feature for feature in doc.get("features", [])}


def normalized_statistics(doc: dict) -> dict:
    """A copy with every number typed as the analyzer writes it."""
    return _normalize(doc, None)


def _normalize(value, key: str | None):
    if isinstance(value, dict):
        return {k: _normalize_entry(k, v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(item, key) for item in value]
    return _number(value, key)


def _normalize_entry(key: str, value, _parent: str | None):
    if key == "data" and isinstance(value, list):  # KLL sketch levels: doubles
        return [[_as_double(x) for x in level] for level in value]
    if key == "buckets" and isinstance(value, list):
        return [_bucket(b) for b in value]
    return _normalize(value, key)


def _bucket(bucket):
    if not isinstance(bucket, dict):
        return bucket
    is_kll = "lower_bound" in bucket
    out = {}
    for k, v in bucket.items():
        if k == "count":
            out[k] = _as_double(v) if is_kll else _as_long(v)
        else:
            out[k] = _number(v, k)
    return out


def _number(value, key: str | None):
    if key in _LONGS:
        return _as_long(value)
    if key in _DOUBLES:
        return _as_double(value)
    return value


def _as_double(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[value]
    return value


def _as_long(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _load_json(path: str | os.PathLike, what: str):
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the {what} file ({error})", path=str(path)) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(f"not JSON ({error.msg})", path=str(path), line=error.lineno) from error
