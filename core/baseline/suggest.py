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
# approximate distinct values, nulls not counted (ColumnProfiler.scala 2.0.2, lines 71, 571).
HISTOGRAM_MAX_DISTINCT = 120
# CategoricalRangeRule: at most this share of the histogram's entries may occur exactly once
# (CategoricalRangeRule.scala 2.0.2, lines 42-47).
MAX_SINGLETON_RATIO = 0.1
# The histogram's entry for missing values (Histogram.scala 2.0.2, line 126): it counts as an
# entry for the singleton ratio, and is left out of the suggested domain (line 55).
NULL_ENTRY = "NullValue"


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
    if _singleton_ratio(buckets, (stats.get("common") or {}).get("num_missing", 0)) > \
            MAX_SINGLETON_RATIO:
        return None
    ranked = sorted(buckets, key=lambda b: (-b.get("count", 0), str(b.get("value"))))
    # A value literally spelled "NullValue" shares Deequ's null entry, which Deequ leaves out
    # of the domain; we keep it, or the baseline's own data would break its constraint.
    return [str(bucket.get("value")) for bucket in ranked]


def _singleton_ratio(buckets: list[dict], missing: int) -> float:
    """Deequ's share of histogram entries seen exactly once, its null entry included: Deequ
    histograms read a null as the text "NullValue" (ColumnProfiler.scala 2.0.2, lines
    596-597), so nulls and that text are one entry."""
    counts = {str(b.get("value")): int(b.get("count", 0)) for b in buckets}
    if missing:
        counts[NULL_ENTRY] = counts.get(NULL_ENTRY, 0) + int(missing)
    singletons = sum(1 for count in counts.values() if count == 1)
    return singletons / len(counts)
