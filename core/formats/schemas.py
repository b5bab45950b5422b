"""JSON Schemas of the data-quality ``statistics.json`` and ``constraints.json``, and the one
sentence a document that breaks them gets.

The schemas accept every variant the analyzer container and the SageMaker SDK write (spec
sections 2-3): Jackson's doubles and Python's ints, ``"NaN"``/``"Infinity"`` strings, the
legacy ``comparion_method``, ``enable_comparisons`` and ``min_domain_mass`` keys, per-feature
overrides under ``monitoringConfigOverrides``, ``monitoring_config_overrides`` or
``string_constraints.monitoring_config_overrides``. They refuse what would silently change the
checks: unknown enum values, unknown keys in a monitoring config (a misspelt threshold would
fall back to its default), thresholds that are strings, NaN or outside 0..1, a constraints
document with no ``features``, a feature of a numeric type without numeric statistics.

Each subschema may carry ``x-expected``, the words used for it in an error sentence.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as SchemaError

from core.errors import FormatError
from core.formats.json_doc import json_path

FEATURE_TYPES = ["Integral", "Fractional", "String", "Unknown"]
SWITCH = {"enum": ["Enabled", "Disabled"]}
NUMERIC_TYPES = ["Integral", "Fractional"]

_COUNT = {"type": "integer", "minimum": 0, "x-expected": "a whole number of at least 0"}
_FRACTION = {"type": "number", "finite": True, "minimum": 0, "maximum": 1,
             "x-expected": "a number from 0 to 1"}
# Jackson writes NaN and infinities as strings; Python's json.dump writes them bare (NaN).
_DOUBLE = {"type": ["number", "string"], "pattern": "^(NaN|-?Infinity)$",
           "x-expected": 'a number (or "NaN", "Infinity", "-Infinity")'}
_NAME = {"type": "string", "minLength": 1, "x-expected": "a non-empty feature name"}
_COMMON = {"type": "object", "required": ["num_present", "num_missing"],
           "properties": {"num_present": _COUNT, "num_missing": _COUNT}}

_NUMERICAL_STATISTICS = {
    "type": "object",
    "required": ["common"],
    "properties": {
        "common": _COMMON,
        **{key: _DOUBLE for key in ("mean", "sum", "std_dev", "min", "max")},
        "distribution": {"type": "object", "properties": {"kll": {
            "type": "object",
            "properties": {
                "buckets": {"type": "array"},  # entries: _check_lists
                "sketch": {"type": "object", "properties": {
                    "parameters": {"type": "object", "properties": {"c": _DOUBLE,
                                                                    "k": _DOUBLE}},
                    "data": {"type": "array",  # levels: _check_lists
                             "x-expected": "a list of lists of numbers"}}}}}}},
    },
}
_STRING_STATISTICS = {
    "type": "object",
    "required": ["common"],
    "properties": {
        "common": _COMMON,
        "distinct_count": _DOUBLE,
        "distribution": {"type": "object", "properties": {"categorical": {
            "type": "object",
            "properties": {"buckets": {"type": "array"}}}}},  # entries: _check_lists
    },
}

STATISTICS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "SageMaker Model Monitor data-quality statistics.json",
    "type": "object",
    "x-expected": "a statistics document (a JSON object with a 'features' list)",
    "required": ["features"],
    "properties": {
        "version": {"type": "number", "x-expected": "a number"},
        "dataset": {"type": "object", "properties": {"item_count": _COUNT}},
        "features": {"type": "array", "minItems": 1, "x-expected": "a list of features",
                     "items": {
            "type": "object",
            "required": ["name", "inferred_type"],
            "properties": {
                "name": _NAME,
                "inferred_type": {"enum": FEATURE_TYPES},
                "numerical_statistics": _NUMERICAL_STATISTICS,
                "string_statistics": _STRING_STATISTICS,
            },
            "allOf": [
                {"if": {"properties": {"inferred_type": {"enum": NUMERIC_TYPES}}},
                 "then": {"required": ["numerical_statistics"]}},
                {"if": {"properties": {"inferred_type": {"const": "String"}}},
                 "then": {"required": ["string_statistics"]}},
            ],
        }},
    },
}

_DISTRIBUTION_CONSTRAINTS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "perform_comparison": SWITCH,
        "comparison_threshold": _FRACTION,
        "comparison_method": {"enum": ["Robust", "Simple"]},
        "comparion_method": {"enum": ["Robust", "Simple"]},  # the old docs' typo
        "categorical_comparison_threshold": _FRACTION,
        "categorical_drift_method": {"enum": ["LInfinity", "ChiSquared"]},
        "enable_comparisons": {"type": "boolean", "x-expected": "true or false"},  # legacy
        "min_domain_mass": _FRACTION,  # legacy
    },
}
MONITORING_CONFIG = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "evaluate_constraints": SWITCH,
        "emit_metrics": SWITCH,
        "datatype_check_threshold": _FRACTION,
        "domain_content_threshold": _FRACTION,
        "distribution_constraints": _DISTRIBUTION_CONSTRAINTS,
    },
}

CONSTRAINTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "SageMaker Model Monitor data-quality constraints.json",
    "type": "object",
    "x-expected": "a constraints document (a JSON object with a 'features' list)",
    "required": ["features"],
    "properties": {
        "version": {"type": "number", "x-expected": "a number"},
        "features": {"type": "array", "minItems": 1, "x-expected": "a list of features",
                     "items": {
            "type": "object",
            "required": ["name", "inferred_type"],
            "properties": {
                "name": _NAME,
                "inferred_type": {"enum": FEATURE_TYPES},
                "completeness": _FRACTION,
                "num_constraints": {"type": "object", "properties": {
                    "is_non_negative": {"type": "boolean", "x-expected": "true or false"}}},
                "string_constraints": {"type": "object", "properties": {
                    "domains": {"type": "array", "x-expected": "a list of text values",
                                "items": {"type": "string", "x-expected": "a text value"}},
                    "monitoring_config_overrides": MONITORING_CONFIG}},
                "monitoringConfigOverrides": MONITORING_CONFIG,
                "monitoring_config_overrides": MONITORING_CONFIG,
            },
        }},
        "monitoring_config": MONITORING_CONFIG,
    },
}


def _finite(validator, wanted, instance, schema):
    """``"finite": true``: NaN slips through ``minimum``/``maximum`` (every comparison with it
    is false), so thresholds say it explicitly."""
    if wanted and isinstance(instance, float) and not math.isfinite(instance):
        yield SchemaError(f"{instance} is not a finite number")


_Validator = validators.extend(Draft202012Validator, {"finite": _finite})
_VALIDATORS = {id(schema): _Validator(schema)
               for schema in (STATISTICS_SCHEMA, CONSTRAINTS_SCHEMA)}
_FILE_NAMES = {"statistics": "statistics.json", "constraints": "constraints.json"}


def check_statistics(doc, path: str | os.PathLike) -> None:
    """Raise a one-sentence ``FormatError`` unless ``doc`` is a data-quality statistics.json."""
    _check(doc, path, "statistics", STATISTICS_SCHEMA)
    _check_lists(doc, path)


def check_constraints(doc, path: str | os.PathLike) -> None:
    """Raise a one-sentence ``FormatError`` unless ``doc`` is a data-quality constraints.json."""
    _check(doc, path, "constraints", CONSTRAINTS_SCHEMA)


def _check(doc, path, kind: str, schema: dict) -> None:
    other = document_kind(doc)
    if other is not None and other[0] != kind:
        found, why = other
        raise FormatError(f"this is a {found} document ({why}), expected a {kind} document "
                          f"({_FILE_NAMES[kind]})", path=str(path))
    errors = list(_VALIDATORS[id(schema)].iter_errors(doc))
    if errors:
        first = min(errors, key=_document_order)
        raise FormatError(f"at {json_path(first.absolute_path)}: {describe(first)}",
                          path=str(path))
    _check_unique_names(doc, path)


def document_kind(doc) -> tuple[str, str] | None:
    """``(kind, evidence)`` when ``doc`` is recognisably some SageMaker document, else None."""
    if not isinstance(doc, dict):
        return None
    if "violations" in doc:
        return "constraint violations", "it has a 'violations' list"
    for key in doc:
        if key.endswith(("_classification_metrics", "regression_metrics")):
            return "model-quality statistics", f"it has {key!r}"
        if key.endswith(("_classification_constraints", "regression_constraints")):
            return "model-quality constraints", f"it has {key!r}"
    features = doc.get("features")
    features = [f for f in features if isinstance(f, dict)] if isinstance(features, list) else []
    stats = any("numerical_statistics" in f or "string_statistics" in f for f in features)
    limits = any(k in f for f in features for k in ("completeness", "num_constraints",
                                                     "string_constraints"))
    if "dataset" in doc or (stats and not limits):
        return "statistics", ("it has 'dataset'" if "dataset" in doc
                              else "its features carry statistics")
    if "monitoring_config" in doc or (limits and not stats):
        return "constraints", ("it has 'monitoring_config'" if "monitoring_config" in doc
                               else "its features carry constraints")
    return None


def describe(error: SchemaError) -> str:
    """What was expected at the error's place and what was found, in words."""
    schema, instance = error.schema, error.instance
    expected = schema.get("x-expected") if isinstance(schema, dict) else None
    if error.validator == "required":
        missing = next(k for k in error.validator_value if k not in instance)
        return f"expected the key {missing!r}{_why_required(missing, instance)}, found none"
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(set(instance) - set(allowed))
        return (f"unknown key {unknown[0]!r} (a misspelt setting would silently fall back to "
                f"its default), expected one of {_words(allowed)}")
    if error.validator in ("enum", "const"):
        values = error.validator_value if error.validator == "enum" else [error.validator_value]
        return f"expected one of {_words(values)}, got {found(instance)}"
    if error.validator == "minItems":
        return f"expected at least one entry in {expected or 'the list'}, got an empty list"
    return f"expected {expected or _type_words(schema)}, got {found(instance)}"


def found(value) -> str:
    """A short description of a JSON value for an error sentence."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return json.dumps(value) if abs(value) != float("inf") else str(value)
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {json.dumps(text)}"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _why_required(key: str, instance) -> str:
    if key in ("numerical_statistics", "string_statistics"):
        return f" (a feature of type {instance.get('inferred_type')} carries it)"
    if key == "features":
        return " (the list of features; without it no check would run)"
    return ""


def _type_words(schema) -> str:
    kinds = schema.get("type") if isinstance(schema, dict) else None
    names = {"object": "a JSON object", "array": "a list", "string": "a text value",
             "number": "a number", "integer": "a whole number", "boolean": "true or false"}
    if isinstance(kinds, str):
        return names.get(kinds, kinds)
    return " or ".join(names.get(k, k) for k in kinds or ["a valid value"])


def _words(values: Iterable) -> str:
    return ", ".join(json.dumps(v) for v in values)


def _document_order(error: SchemaError):
    """Errors sorted as a reader meets them: by place, outer objects before their contents."""
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path)


_SPECIAL_DOUBLES = frozenset(("NaN", "Infinity", "-Infinity"))
_NUMBER_TYPES = frozenset((int, float))
_BUCKET_KEYS = {"kll": ("lower_bound", "upper_bound", "count"), "categorical": ("value", "count")}


def _is_double(item) -> bool:
    return type(item) in _NUMBER_TYPES or (type(item) is str and item in _SPECIAL_DOUBLES)


def _is_count(item) -> bool:
    return (type(item) is int or type(item) is float and item.is_integer()) and item >= 0


_ITEM_RULES = {  # (kind, key) -> (test, words): the schema's rules for list items, as code
    ("kll", "lower_bound"): (_is_double, _DOUBLE["x-expected"]),
    ("kll", "upper_bound"): (_is_double, _DOUBLE["x-expected"]),
    ("kll", "count"): (_is_double, _DOUBLE["x-expected"]),
    ("categorical", "value"): (lambda item: type(item) is str, "a text value"),
    ("categorical", "count"): (_is_count, _COUNT["x-expected"]),
}


def _check_lists(doc: dict, path) -> None:
    """Bucket entries and KLL sketch items, checked in plain loops: a wide statistics.json has
    hundreds of thousands of them, which jsonschema would take seconds over."""
    for index, feature in enumerate(doc["features"]):
        for block, kind in (("numerical_statistics", "kll"), ("string_statistics",
                                                              "categorical")):
            distribution = ((feature.get(block) or {}).get("distribution") or {}).get(kind)
            if not distribution:
                continue
            here = ("features", index, block, "distribution", kind)
            for number, bucket in enumerate(distribution.get("buckets") or []):
                where = (*here, "buckets", number)
                if type(bucket) is not dict:
                    raise FormatError(f"at {json_path(where)}: expected a JSON object, got "
                                      f"{found(bucket)}", path=str(path))
                for key in _BUCKET_KEYS[kind]:
                    if key not in bucket:
                        raise FormatError(f"at {json_path(where)}: expected the key {key!r}, "
                                          "found none", path=str(path))
                    test, words = _ITEM_RULES[(kind, key)]
                    if not test(bucket[key]):
                        raise FormatError(f"at {json_path((*where, key))}: expected {words}, "
                                          f"got {found(bucket[key])}", path=str(path))
            for level, items in enumerate((distribution.get("sketch") or {}).get("data") or []):
                if type(items) is not list:
                    where = (*here, "sketch", "data", level)
                    raise FormatError(f"at {json_path(where)}: expected a list of numbers, got "
                                      f"{found(items)}", path=str(path))
                if _NUMBER_TYPES.issuperset(map(type, items)):  # the usual case, at C speed
                    continue
                for position, item in enumerate(items):
                    if not _is_double(item):
                        where = (*here, "sketch", "data", level, position)
                        raise FormatError(f"at {json_path(where)}: expected "
                                          f"{_DOUBLE['x-expected']}, got {found(item)}",
                                          path=str(path))


def _check_unique_names(doc: dict, path) -> None:
    seen: dict[str, int] = {}
    for index, feature in enumerate(doc["features"]):
        name = feature["name"]
        if name in seen:
            raise FormatError(f"at {json_path(('features', index, 'name'))}: the feature name "
                              f"{json.dumps(name)} is already used by features[{seen[name]}]; "
                              "expected unique names", path=str(path))
        seen[name] = index
