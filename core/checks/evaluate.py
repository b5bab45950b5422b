"""Checking a window's statistics against a baseline: SageMaker's six data-quality checks.

Semantics and description strings follow spec section 4.2; thresholds come from the baseline
constraints with per-feature ``monitoringConfigOverrides`` resolved. Where the container's
modern wording is unknown (completeness, categorical values, column counts, ChiSquared drift)
``docs/check-wording.md`` says which wording we write and why. The drift report beside the
violations (PSI, Jensen-Shannon, top movers, null rates) is built in ``drift_report``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from core.checks.drift_report import ExtraChecks, feature_drift
from core.formats.constraints import monitoring_config
from core.formats.jackson import java_double
from core.formats.violations import violation
from core.profiling.deequ_types import TypeCounts, classes_of, classify

log = logging.getLogger(__name__)

DATA_TYPE = "data_type_check"
COMPLETENESS = "completeness_check"
BASELINE_DRIFT = "baseline_drift_check"
MISSING_COLUMN = "missing_column_check"
EXTRA_COLUMN = "extra_column_check"
CATEGORICAL_VALUES = "categorical_values_check"
# Deequ's failure message for a constraint (AnalysisBasedConstraint.scala 2.0.2, line 79), with
# the empty hint the container appends: the verified wording of completeness and
# categorical-values violations (spec section 4.2).
CONSTRAINT_NOT_MET = "Value: {} does not meet the constraint requirement! "
NAMES_SHOWN = 10  # column names listed in a column-count violation


@dataclass
class Evaluation:
    """Violations in check order, and the drift report entry of every baseline feature."""

    violations: list[dict] = field(default_factory=list)
    drift: dict[str, dict] = field(default_factory=dict)


def evaluate_constraints(baseline_statistics: dict, constraints: dict, current_statistics: dict,
                         type_counts: Mapping[str, TypeCounts], *,
                         domain_counts: Mapping[str, int] | None = None,
                         extra: ExtraChecks | None = None) -> Evaluation:
    """Run every enabled check of ``constraints`` over the current window.

    Args:
        baseline_statistics: the baseline ``statistics.json`` (sketches and categories).
        constraints: the baseline ``constraints.json``.
        current_statistics: this window's statistics document.
        type_counts: the profiler's per-value type counts of each current column.
        domain_counts: per column with a domain, how many present values are inside it
            (``ProfileResult.domain_counts``); without it the window's categorical buckets
            are used, which only String windows have.
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
        result.violations += _column_count_checks([f["name"] for f in wanted], list(current))
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
        inside = (domain_counts or {}).get(name)
        result.violations += _feature_checks(feature, now, type_counts.get(name), cfg,
                                             base_features.get(name), inside)
        drifted += _drift_violations(name, report)
    result.violations += drifted
    return result


def _feature_checks(feature: dict, now: dict, counts: TypeCounts | None, cfg: dict,
                    baseline: dict | None, inside: int | None) -> list[dict]:
    name, out = feature["name"], []
    expected_type = feature.get("inferred_type")
    ratio = None
    if counts is not None and expected_type:
        held = _string_classes(baseline) if expected_type == "String" else None
        ratio = counts.share_of(expected_type, held)
    threshold = float(cfg.get("datatype_check_threshold", 1.0))
    if ratio is not None and ratio < threshold:
        out.append(violation(name, DATA_TYPE, (
            "Data type match requirement is not met. Expected data type: "
            f"{expected_type}, Expected match: {java_double(threshold * 100)}%. "
            f"Observed: Only {java_double(ratio * 100)}% of data is {expected_type}.")))
    if "completeness" in feature:
        observed = _completeness(now, counts)
        if observed is not None and observed < float(feature["completeness"]):
            out.append(violation(name, COMPLETENESS,
                                 CONSTRAINT_NOT_MET.format(java_double(observed))))
    domains = (feature.get("string_constraints") or {}).get("domains")
    if domains:
        if inside is not None and counts is not None:
            share = inside / counts.present if counts.present else None
        else:
            share = _domain_share(now, {str(d) for d in domains})
        threshold = float(cfg.get("domain_content_threshold", 1.0))
        if share is not None and share < threshold:
            out.append(violation(name, CATEGORICAL_VALUES,
                                 CONSTRAINT_NOT_MET.format(java_double(share))))
    return out


def _drift_violations(name: str, report: dict) -> list[dict]:
    out = []
    if report.get("drifted"):
        distance, threshold = report["distance"], report["threshold"]
        if report["method"] == "ChiSquared" and report.get("robust", True):
            # A p-value fires below its threshold; restated as 1 - p over 1 - threshold it
            # reads, and parses, like every other drift violation.
            text = (f"ChiSquared p-value: {java_double(distance)} is below threshold: "
                    f"{java_double(threshold)}. Baseline drift distance: "
                    f"{java_double(1.0 - distance)} exceeds threshold: "
                    f"{java_double(1.0 - threshold)}")
        else:
            text = (f"Baseline drift distance: {java_double(distance)} exceeds "
                    f"threshold: {java_double(threshold)}")
        out.append(violation(name, BASELINE_DRIFT, text))
    for check, text in report.get("extra_violations", []):
        out.append(violation(name, check, text))
    return out


def _column_count_checks(baseline_names: list[str], current_names: list[str]) -> list[dict]:
    """One violation when the window has fewer or more columns than the baseline.

    The container's ``feature_name`` for these is unknown; we name the first column missing
    (or extra) and list them in the description, which ends with the verified counts.
    """
    counts = (f"Number of columns in current dataset: {len(current_names)}, "
              f"Number of columns in baseline constraints: {len(baseline_names)}")
    if len(current_names) < len(baseline_names):
        kind, check, names = "missing", MISSING_COLUMN, [
            n for n in baseline_names if n not in set(current_names)]
    elif len(current_names) > len(baseline_names):
        kind, check, names = "extra", EXTRA_COLUMN, [
            n for n in current_names if n not in set(baseline_names)]
    else:
        return []
    listed = f": {_name_list(names)}" if names else ""
    return [violation(names[0] if names else "", check,
                      f"There are {kind} columns in current dataset{listed}. {counts}")]


def _name_list(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _completeness(feature: dict, counts: TypeCounts | None) -> float | None:
    """Non-null share of the window's rows; a feature with no value at all (Unknown, no
    statistics block) has completeness 0.0."""
    if counts is not None:
        present, missing = counts.present, counts.missing
    else:
        block = feature.get("numerical_statistics") or feature.get("string_statistics") or {}
        common = block.get("common") or {}
        present, missing = common.get("num_present", 0), common.get("num_missing", 0)
    return present / (present + missing) if present + missing else None


def _string_classes(baseline: dict | None) -> tuple[str, ...] | None:
    """The value classes a String baseline feature held (say text and integers, but no
    booleans), read from its categorical buckets when they list every present value; None
    (any class matches String) when they do not."""
    stats = (baseline or {}).get("string_statistics") or {}
    buckets = ((stats.get("distribution") or {}).get("categorical") or {}).get("buckets")
    try:
        listed = sum(int(bucket["count"]) for bucket in buckets or ())
        present = int((stats.get("common") or {})["num_present"])
        values = [str(bucket["value"]) for bucket in buckets or ()]
    except (KeyError, TypeError, ValueError):
        return None
    if not values or listed != present:
        return None
    return classes_of(classify(pa.array(values, pa.string())).counts)


def _domain_share(feature: dict, domains: set[str]) -> float | None:
    """Share of present values inside the domain, from the window's categorical buckets."""
    stats = feature.get("string_statistics")
    if stats is None:
        return None
    buckets = ((stats.get("distribution") or {}).get("categorical") or {}).get("buckets") or []
    present = (stats.get("common") or {}).get("num_present", 0)
    if not present:
        return None
    inside = sum(int(b["count"]) for b in buckets if str(b["value"]) in domains)
    return inside / present


def _enabled(cfg: dict, key: str) -> bool:
    return str(cfg.get(key, "Enabled")).lower() != "disabled"
