"""``constraints.json`` (data quality): validated reading, Jackson-exact writing, resolved config.

Readers accept any JSON layout, the legacy ``comparion_method`` spelling, and per-feature
overrides both where the docs put them (``monitoringConfigOverrides``) and where the Python
SDK writes them (``string_constraints.monitoring_config_overrides``); both end up as
``monitoringConfigOverrides``. What they refuse is in ``core.formats.schemas``. Writers emit
the container's key order.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from core import atomic
from core.formats import jackson
from core.formats.json_doc import load_json_document
from core.formats.schemas import check_constraints

OVERRIDES_KEY = "monitoringConfigOverrides"
_SDK_OVERRIDES_KEY = "monitoring_config_overrides"

# What the analyzer container actually applies when a key is absent (spec section 3.2).
DEFAULT_MONITORING_CONFIG = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    },
}
_FEATURE_ORDER = ("name", "inferred_type", "completeness", "num_constraints",
                  "string_constraints", OVERRIDES_KEY)
_CONFIG_ORDER = tuple(DEFAULT_MONITORING_CONFIG)
_DISTRIBUTION_ORDER = tuple(DEFAULT_MONITORING_CONFIG["distribution_constraints"])
_DOUBLES = {"version", "completeness", "datatype_check_threshold", "domain_content_threshold",
            "comparison_threshold", "categorical_comparison_threshold", "min_domain_mass"}


def read_constraints(path: str | os.PathLike) -> dict:
    """Read ``constraints.json`` in any layout, overrides normalised (see module docstring).

    Raises:
        InputError: the file is missing, unreadable or too large.
        FormatError: it is not JSON, or not a data-quality constraints document (unknown enum
            values, misspelt settings, thresholds that are not numbers from 0 to 1, no
            ``features``); the sentence names the file and the JSON path of the problem.
    """
    doc = load_json_document(path, "constraints")
    check_constraints(doc, path)
    return normalized_constraints(doc)


def normalized_constraints(doc: dict) -> dict:
    """A copy with overrides moved to ``monitoringConfigOverrides`` and legacy keys renamed."""
    doc = copy.deepcopy(doc)
    for feature in doc.get("features", []) or []:
        if not isinstance(feature, dict):
            continue
        overrides = dict(feature.pop(OVERRIDES_KEY, None) or {})
        overrides.update(feature.pop(_SDK_OVERRIDES_KEY, None) or {})
        strings = feature.get("string_constraints")
        if isinstance(strings, dict) and _SDK_OVERRIDES_KEY in strings:
            overrides.update(strings.pop(_SDK_OVERRIDES_KEY) or {})
        if overrides:
            feature[OVERRIDES_KEY] = _fix_legacy(overrides)
    if isinstance(doc.get("monitoring_config"), dict):
        doc["monitoring_config"] = _fix_legacy(doc["monitoring_config"])
    return doc


def monitoring_config(doc: dict, feature_name: str | None = None) -> dict:
    """The effective config: container defaults, then the document's, then the feature's.

    ``categorical_comparison_threshold`` falls back to ``comparison_threshold`` when the
    document does not set it.
    """
    config = copy.deepcopy(DEFAULT_MONITORING_CONFIG)
    layers = [doc.get("monitoring_config") or {}]
    if feature_name is not None:
        for feature in doc.get("features", []) or []:
            if isinstance(feature, dict) and feature.get("name") == feature_name:
                layers.append(feature.get(OVERRIDES_KEY) or {})
    explicit_categorical = False
    for layer in layers:
        layer = _fix_legacy(layer)
        distribution = layer.get("distribution_constraints") or {}
        explicit_categorical |= "categorical_comparison_threshold" in distribution
        _deep_update(config, layer)
    limits = config["distribution_constraints"]
    if not explicit_categorical:
        limits["categorical_comparison_threshold"] = limits["comparison_threshold"]
    return config


def dumps_constraints(doc: dict) -> str:
    """The document in the analyzer's exact layout and key order."""
    doc = normalized_constraints(doc)
    out = {key: doc[key] for key in ("version",) if key in doc}
    out["features"] = [_ordered(f, _FEATURE_ORDER) for f in doc.get("features", [])]
    for key, value in doc.items():
        if key not in ("version", "features", "monitoring_config"):
            out[key] = value
    if "monitoring_config" in doc:
        config = _ordered(doc["monitoring_config"], _CONFIG_ORDER)
        if isinstance(config.get("distribution_constraints"), dict):
            config["distribution_constraints"] = _ordered(config["distribution_constraints"],
                                                          _DISTRIBUTION_ORDER)
        out["monitoring_config"] = config
    return jackson.dumps(_typed(out))


def write_constraints(path: str | os.PathLike, doc: dict) -> Path:
    """Atomically write ``doc`` as ``constraints.json`` at ``path``."""
    return atomic.write_text(path, dumps_constraints(doc))


def _fix_legacy(config: dict) -> dict:
    config = dict(config)
    distribution = config.get("distribution_constraints")
    if isinstance(distribution, dict) and "comparion_method" in distribution:
        distribution = dict(distribution)
        distribution.setdefault("comparison_method", distribution.pop("comparion_method"))
        config["distribution_constraints"] = distribution
    return config


def _deep_update(target: dict, layer: dict) -> None:
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value


def _ordered(mapping: dict, order: tuple[str, ...]) -> dict:
    if not isinstance(mapping, dict):
        return mapping
    out = {key: mapping[key] for key in order if key in mapping}
    out.update({k: v for k, v in mapping.items() if k not in out})
    return out


def _typed(value, key: str | None = None):
    if isinstance(value, dict):
        return {k: _typed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v, key) for v in value]
    if key in _DOUBLES and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
