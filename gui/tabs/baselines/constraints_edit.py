"""Edits to a ``constraints.json`` document as plain data, with their validation (no Qt).

The global block is ``monitoring_config``; per-feature changes go to the documented
``monitoringConfigOverrides`` (a subset of ``monitoring_config``), ``completeness`` and
``string_constraints.domains``. Every function returns a new document.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from core.errors import ValidationError

OVERRIDES = "monitoringConfigOverrides"
NUMERIC_METHODS = ("Robust", "Simple")
CATEGORICAL_METHODS = ("LInfinity", "ChiSquared")
ENABLED, DISABLED = "Enabled", "Disabled"
THRESHOLD_KEYS = ("datatype_check_threshold", "domain_content_threshold")
DISTRIBUTION_THRESHOLDS = ("comparison_threshold", "categorical_comparison_threshold")


@dataclass(frozen=True)
class ConstraintRow:
    """One feature of the constraints table."""

    feature: str
    inferred_type: str
    completeness: float
    non_negative: str
    domains: tuple[str, ...]
    overrides: str
    checks_enabled: bool


def constraint_rows(doc: dict | None) -> list[ConstraintRow]:
    rows = []
    for f in (doc or {}).get("features", []):
        over = f.get(OVERRIDES) or {}
        legacy = ((f.get("string_constraints") or {}).get("monitoring_config_overrides") or {})
        enabled = (over.get("evaluate_constraints", legacy.get("evaluate_constraints", ENABLED))
                   != DISABLED)
        nonneg = (f.get("num_constraints") or {}).get("is_non_negative")
        rows.append(ConstraintRow(
            f.get("name", ""), f.get("inferred_type", ""), _float(f.get("completeness")),
            "" if nonneg is None else ("yes" if nonneg else "no"),
            tuple(str(d) for d in (f.get("string_constraints") or {}).get("domains", [])),
            _describe(over), enabled))
    return rows


def with_monitoring_config(doc: dict, config: dict) -> dict:
    """``doc`` with its ``monitoring_config`` replaced by a validated ``config``."""
    _validate_config(config, "monitoring_config")
    out = copy.deepcopy(doc)
    out["monitoring_config"] = copy.deepcopy(config)
    return out


def with_feature(doc: dict, name: str, *, completeness: float | None = None,
                 domains: list[str] | None = None, overrides: dict | None = None) -> dict:
    """``doc`` with one feature's completeness, domains and overrides changed (None = keep)."""
    out = copy.deepcopy(doc)
    feature = next((f for f in out.get("features", []) if f.get("name") == name), None)
    if feature is None:
        raise ValidationError(f"There is no feature called {name!r} in these constraints.")
    if completeness is not None:
        if not 0.0 <= completeness <= 1.0:
            raise ValidationError(f"Completeness of {name} must be between 0 and 1.")
        feature["completeness"] = float(completeness)
    if domains is not None:
        if feature.get("inferred_type") != "String":
            raise ValidationError(f"{name} is not a String feature: it cannot have domains.")
        clean = [d.strip() for d in domains if d.strip()]
        if len(set(clean)) != len(clean):
            raise ValidationError(f"The domains of {name} list a value twice.")
        if clean:
            feature.setdefault("string_constraints", {})["domains"] = clean
        elif "string_constraints" in feature:
            feature["string_constraints"].pop("domains", None)
    if overrides is not None:
        _validate_config(overrides, f"the overrides of {name}")
        if overrides:
            feature[OVERRIDES] = copy.deepcopy(overrides)
        else:
            feature.pop(OVERRIDES, None)
    return out


def _validate_config(config: dict, where: str) -> None:
    for key in ("evaluate_constraints", "emit_metrics"):
        if key in config and config[key] not in (ENABLED, DISABLED):
            raise ValidationError(f"{key} in {where} must be Enabled or Disabled.")
    for key in THRESHOLD_KEYS:
        if key in config:
            _check_fraction(config[key], key, where)
    dist = config.get("distribution_constraints") or {}
    if "perform_comparison" in dist and dist["perform_comparison"] not in (ENABLED, DISABLED):
        raise ValidationError(f"perform_comparison in {where} must be Enabled or Disabled.")
    for key in DISTRIBUTION_THRESHOLDS:
        if key in dist:
            _check_fraction(dist[key], key, where)
    if dist.get("comparison_method", "Robust") not in NUMERIC_METHODS:
        raise ValidationError(f"comparison_method in {where} must be Robust or Simple.")
    if dist.get("categorical_drift_method", "LInfinity") not in CATEGORICAL_METHODS:
        raise ValidationError(f"categorical_drift_method in {where} must be LInfinity or "
                              f"ChiSquared.")


def _check_fraction(value, key: str, where: str) -> None:
    number = _float(value)
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise ValidationError(f"{key} in {where} must be a number between 0 and 1, not {value!r}.")


def _describe(overrides: dict) -> str:
    parts = [f"{k}={v}" for k, v in overrides.items() if not isinstance(v, dict)]
    for key, value in (overrides.get("distribution_constraints") or {}).items():
        parts.append(f"{key}={value}")
    return ", ".join(parts)


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
