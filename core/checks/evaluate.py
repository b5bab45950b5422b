"""Checking a window's statistics against a baseline: SageMaker's six data-quality checks.

Semantics and description strings follow spec section 4.2; thresholds come from the baseline
constraints with per-feature ``monitoringConfigOverrides`` resolved. The drift report beside the
violations (PSI, Jensen-Shannon, top movers, null rates) is built in ``drift_report``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.checks.drift_report import ExtraChecks, feature_drift
from core.formats.constraints import monitoring_config
from core.formats.jackson import java_double
from core.formats.violations import violation

log = logging.getLogger(__name__)

DATA_TYPE = "data_type_check"
COMPLETENESS = "completeness_check"
BASELINE_DRIFT = "baseline_drift_check"
MISSING_COLUMN = "missing_column_check"
EXTRA_COLUMN = "extra_column_check"
CATEGORICAL_VALUES = "categorical_values_check"
_TYPE_FIELD = {"Integral": "integral", "Fractional": "fractional", "String": "string"}


@dataclass
class Evaluation:
    """Violations in check order, and the drift report entry of every baseline feature."""

    violations: list[dict] = field(default_factory=list)
    drift: dict[str, dict] = field(default_factory=dict)


def evaluate_constraints(baseline_statistics: dict, constraints: dict, current_statistics: dict,
                         type_counts: Mapping[str, object], *,
                         extra: ExtraChecks | None = None) -> Evaluation:
    """Run every enabled check of ``constraints`` over the current window.

    Args:
        baseline_statistics: the baseline ``statistics.json`` (sketches and categories).
        constraints: the baseline ``constraints.json``.
        current_statistics: this window's statistics document.
        type_counts: per current column, counts with ``integral``, ``fractional``,
            ``boolean``, ``string`` attributes (the profiler's ``TypeCounts``).
        extra: thresholds for our own PSI / JS / null-rate checks; off when None.

    Returns:
        The violations (SageMaker's entry layout) and the per-feature drift report.
    """
    result = Evaluation()
    config = monitoring_config(constraints)
    base_features = {f["name"]: f for f in baseline_statistics.get("features", [])}
    current = {f["name"]: f for f in current_statistics.get("features", [])}
    wanted = [f for f in constraints.get("features", [])]
    if _enabled(config, "evaluate_constraints"):
        result.violations += _column_count_checks(len(wanted), len(current))
    drifted: list[dict] = []
    for feature in wanted:
        name = feature["name"]
        cfg = monitoring_config(constraints, name)
        now = current.get(name)
        if now is None:
            continue
        report = feature_drift(base_features.get(name), now, feature.get("inferred_type"), cfg,
                               extra)
        result.drift[name] = report
        if not _enabled(cfg, "evaluate_constraints"):
            continue
        result.violations += _feature_checks(feature, now, type_counts.get(name), cfg)
        drifted += _drift_violations(name, report)
    result.violations += drifted
    return result


def _feature_checks(feature: dict, now: dict, counts, cfg: dict) -> list[dict]:
    name, out = feature["name"], []
    expected_type = feature.get("inferred_type")
    if counts is not None and expected_type in _TYPE_FIELD:
        ratio = _type_ratio(counts, expected_type)
        threshold = float(cfg.get("datatype_check_threshold", 1.0))
        if ratio is not None and ratio < threshold:
            out.append(violation(name, DATA_TYPE, (
                "Data type match requirement is not met. Expected data type: "
                f"{expected_type}, Expected match: {java_double(threshold * 100)}%. "
                f"Observed: Only {java_double(ratio * 100)}% of data is {expected_type}.")))
    if "completeness" in feature:
        observed = _completeness(now)
        wanted = float(feature["completeness"])
        if observed is not None and observed < wanted:
            out.append(violation(name, COMPLETENESS, (
                "Data completeness requirement is not met. Expected completeness: "
                f"{java_double(wanted * 100)}%. Observed: Only {java_double(observed * 100)}% "
                "of data is complete.")))
    domains = (feature.get("string_constraints") or {}).get("domains")
    if domains and "string_statistics" in now:
        share = _domain_share(now, set(domains))
        threshold = float(cfg.get("domain_content_threshold", 1.0))
        if share is not None and share < threshold:
            out.append(violation(name, CATEGORICAL_VALUES, (
                "Categorical value requirement is not met. Expected match: "
                f"{java_double(threshold * 100)}%. Observed: Only {java_double(share * 100)}% "
                "of data is within the baseline domain.")))
    return out


def _drift_violations(name: str, report: dict) -> list[dict]:
    out = []
    if report.get("drifted"):
        if report["method"] == "ChiSquared" and report.get("robust", True):
            text = (f"Baseline drift p-value: {java_double(report['distance'])} is below "
                    f"threshold: {java_double(report['threshold'])}")
        else:
            text = (f"Baseline drift distance: {java_double(report['distance'])} exceeds "
                    f"threshold: {java_double(report['threshold'])}")
        out.append(violation(name, BASELINE_DRIFT, text))
    for check, text in report.get("extra_violations", []):
        out.append(violation(name, check, text))
    return out


def _column_count_checks(baseline_columns: int, current_columns: int) -> list[dict]:
    counts = (f"Number of columns in current dataset: {current_columns}, "
              f"Number of columns in baseline constraints: {baseline_columns}")
    # the container's feature_name for these dataset-level checks is unknown; we leave it empty
    if current_columns < baseline_columns:
        return [violation("", MISSING_COLUMN, f"There are missing columns in current dataset. "
                                              f"{counts}")]
    if current_columns > baseline_columns:
        return [violation("", EXTRA_COLUMN, f"There are extra columns in current dataset. "
                                            f"{counts}")]
    return []


def _type_ratio(counts, expected_type: str) -> float | None:
    """Matching values over non-null values. Deequ's raw ratio: for a Fractional baseline an
    integer-looking value does not match (unverified for SageMaker, spec section 4.2)."""
    non_null = sum(int(getattr(counts, k)) for k in ("integral", "fractional", "boolean",
                                                     "string"))
    if not non_null:
        return None
    return int(getattr(counts, _TYPE_FIELD[expected_type])) / non_null


def _completeness(feature: dict) -> float | None:
    block = feature.get("numerical_statistics") or feature.get("string_statistics") or {}
    common = block.get("common") or {}
    present, missing = common.get("num_present", 0), common.get("num_missing", 0)
    return present / (present + missing) if present + missing else None


def _domain_share(feature: dict, domains: set[str]) -> float | None:
    stats = feature["string_statistics"]
    buckets = ((stats.get("distribution") or {}).get("categorical") or {}).get("buckets") or []
    present = (stats.get("common") or {}).get("num_present", 0)
    if not present:
        return None
    inside = sum(int(b["count"]) for b in buckets if str(b["value"]) in domains)
    return inside / present


def _enabled(cfg: dict, key: str) -> bool:
    return str(cfg.get(key, "Enabled")).lower() != "disabled"
