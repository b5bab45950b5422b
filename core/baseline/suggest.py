"""Suggest ``constraints.json`` from a profile, with the rules the analyzer applies.

Per feature: the inferred type, the observed completeness, ``is_non_negative`` for numeric
features (Deequ's NonNegativeNumbersRule) and ``domains`` for low-cardinality text features
(Deequ's CategoricalRangeRule), then the monitoring defaults the container writes.
"""

from __future__ import annotations

import copy

from core.formats.constraints import DEFAULT_MONITORING_CONFIG
from core.profiling.profiler import ProfileResult

# Deequ's profiler only builds a histogram (and so allows a domain) at or below this many
# distinct values.
HISTOGRAM_MAX_DISTINCT = 120
# CategoricalRangeRule: at most this share of the distinct values may occur exactly once.
MAX_SINGLETON_RATIO = 0.1


def suggest_constraints(profile: ProfileResult) -> dict:
    """The ``constraints.json`` document (ordered dict) the analyzer would suggest."""
    features = []
    for feature in profile.statistics.get("features", []):
        counts = profile.type_counts.get(feature["name"])
        features.append(_feature_constraints(feature, is_boolean=bool(
            counts and counts.boolean and not counts.string)))
    return {
        "version": 0.0,
        "features": features,
        "monitoring_config": copy.deepcopy(DEFAULT_MONITORING_CONFIG),
    }


def _feature_constraints(feature: dict, *, is_boolean: bool) -> dict:
    kind = feature.get("inferred_type", "Unknown")
    stats = feature.get("numerical_statistics") or feature.get("string_statistics") or {}
    common = stats.get("common", {})
    present, missing = common.get("num_present", 0), common.get("num_missing", 0)
    out = {
        "name": feature["name"],
        "inferred_type": kind,
        "completeness": present / (present + missing) if present + missing else 0.0,
    }
    if kind in ("Integral", "Fractional") and "min" in stats:
        out["num_constraints"] = {"is_non_negative": stats["min"] >= 0.0}
    elif kind == "String" and not is_boolean:
        domain = _domain(stats)
        if domain is not None:
            out["string_constraints"] = {"domains": domain}
    return out


def _domain(stats: dict) -> list[str] | None:
    categorical = (stats.get("distribution") or {}).get("categorical") or {}
    buckets = categorical.get("buckets")
    # Deequ decides "has a histogram" on its approximate distinct count.
    distinct = stats.get("distinct_count", len(buckets or ()))
    if not buckets or distinct > HISTOGRAM_MAX_DISTINCT:
        return None
    singletons = sum(1 for bucket in buckets if bucket.get("count") == 1)
    if singletons / len(buckets) > MAX_SINGLETON_RATIO:
        return None
    ranked = sorted(buckets, key=lambda b: (-b.get("count", 0), str(b.get("value"))))
    return [str(bucket.get("value")) for bucket in ranked]
