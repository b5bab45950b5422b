"""``statistics.json`` (data quality): validated reading, Jackson-exact writing.

Reading accepts the analyzer's layout and any re-serialization (Python ``json.dump``, ints
where the analyzer writes doubles, ``"NaN"`` strings) and refuses anything else with one
sentence (``core.formats.schemas``). Writing puts every number back in the type the analyzer
uses (longs for counts, doubles elsewhere) so the bytes match its output.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from core import atomic
from core.formats import jackson
from core.formats.json_doc import load_json_document
from core.formats.schemas import check_statistics

_LONGS = {"item_count", "num_present", "num_missing"}
_DOUBLES = {"version", "mean", "sum", "std_dev", "min", "max", "lower_bound", "upper_bound",
            "distinct_count", "c", "k"}


def read_statistics(path: str | os.PathLike) -> dict:
    """Read a data-quality ``statistics.json`` written by SageMaker, by us or by Python.

    Raises:
        InputError: the file is missing, unreadable or too large.
        FormatError: it is not JSON, or not a data-quality statistics document; the sentence
            names the file and the JSON path of the first problem.
    """
    doc = load_json_document(path, "statistics")
    check_statistics(doc, path)
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
