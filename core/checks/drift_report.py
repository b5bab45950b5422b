"""Per-feature drift: SageMaker's baseline drift distance plus why a feature moved.

``drift_report.json`` (our format, beside the three SageMaker files) is
``{"version": 1, "window_start", "window_end", "features": [entry, ...]}`` in feature order.
An entry: ``name``, ``baseline_type``, ``current_type``, ``compared`` (bool), ``method``
(Robust/Simple numeric, LInfinity/ChiSquared categorical), ``distance`` (SageMaker's, a
p-value for robust ChiSquared), ``threshold``, ``drifted``, ``psi``, ``js``, ``null_rate``
(``baseline``, ``current``, ``change`` as shares of rows), ``top_movers`` (up to 5 of
``{bin, baseline, current, change}`` shares, largest move first; numeric bins are the baseline's
KLL buckets plus ``< min`` / ``> max``) and ``note`` (why it was not compared). NaN is null.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from core.checks import drift

REPORT_VERSION = 1
PSI_CHECK = "psi_drift_check"
JS_CHECK = "js_drift_check"
NULL_RATE_CHECK = "null_rate_check"


@dataclass(frozen=True)
class ExtraChecks:
    """Our own checks, reported as violations only when a threshold is set (None = off)."""

    psi_threshold: float | None = None
    js_threshold: float | None = None
    null_rate_threshold: float | None = None  # largest allowed rise in the share of missing


def feature_drift(baseline: dict | None, current: dict, baseline_type: str | None, cfg: dict,
                  extra: ExtraChecks | None = None) -> dict:
    """The drift report entry of one feature (see the module docstring)."""
    dist_cfg = cfg.get("distribution_constraints") or {}
    report = {"name": current["name"], "baseline_type": baseline_type,
              "current_type": current.get("inferred_type"), "compared": False, "method": None,
              "distance": None, "threshold": None, "drifted": False, "psi": None, "js": None,
              "null_rate": _null_rates(baseline, current), "top_movers": [], "note": ""}
    if baseline is None:
        report["note"] = "The feature is not in the baseline statistics."
        return report
    method = str(dist_cfg.get("comparison_method", "Robust"))
    if "numerical_statistics" in baseline and "numerical_statistics" in current:
        _numeric(report, baseline, current, method, dist_cfg)
    elif "string_statistics" in baseline and "string_statistics" in current:
        _categorical(report, baseline, current, method, dist_cfg)
    else:
        report["note"] = "Baseline and current values are of different kinds; not compared."
    if report["compared"] and str(dist_cfg.get("perform_comparison", "Enabled")) == "Disabled":
        report["note"] = "perform_comparison is Disabled."
    elif report["compared"]:
        report["drifted"] = _exceeds(report)
    report["extra_violations"] = _extra_violations(report, extra)
    return report


def report_document(drift: dict[str, dict], *, window_start: str | None,
                    window_end: str | None) -> dict:
    """The ``drift_report.json`` document: our format, versioned, features in order."""
    features = [{k: v for k, v in entry.items() if k != "extra_violations"}
                for entry in drift.values()]
    return {"version": REPORT_VERSION, "window_start": window_start, "window_end": window_end,
            "features": features}


def dumps_report(document: dict) -> str:
    """The report as indented JSON; NaN and infinities (never valid JSON) become null."""
    return json.dumps(_finite(document), indent=2, ensure_ascii=False)


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _numeric(report, baseline, current, method, dist_cfg) -> None:
    base_num, cur_num = baseline["numerical_statistics"], current["numerical_statistics"]
    base_kll = (base_num.get("distribution") or {}).get("kll") or {}
    cur_kll = (cur_num.get("distribution") or {}).get("kll") or {}
    base_map = drift.rank_map((base_kll.get("sketch") or {}).get("data") or [])
    cur_map = drift.rank_map((cur_kll.get("sketch") or {}).get("data") or [])
    if not base_map.total or not cur_map.total:
        report["note"] = "No values to compare."
        return
    if base_kll.get("buckets"):
        base, cur, edges = drift.bucket_counts(base_kll["buckets"], cur_map)
        report["psi"], report["js"] = drift.psi(base, cur), drift.js_distance(base, cur)
        report["top_movers"] = drift.top_movers([_bin_label(e, i == len(edges) - 2)
                                                 for i, e in enumerate(edges)], base, cur)
    if report["baseline_type"] != report["current_type"]:
        # Deequ compares distributions only for a matching type; the real churn execution
        # shows it: Churn (Integral) got probabilities and a data_type_check, but no drift
        report["note"] = (f"Not compared: the window is {report['current_type']}, the baseline "
                          f"{report['baseline_type']}.")
        return
    report.update(compared=True, method=method,
                  distance=drift.numeric_distance(base_map, cur_map, method),
                  threshold=float(dist_cfg.get("comparison_threshold", 0.1)))


def _categorical(report, baseline, current, method, dist_cfg) -> None:
    base_counts, cur_counts = _categories(baseline), _categories(current)
    if not base_counts or not cur_counts:
        report["note"] = "No categories to compare."
        return
    labels = list(dict.fromkeys([*base_counts, *cur_counts]))
    base = np.array([base_counts.get(k, 0) for k in labels], dtype=float)
    cur = np.array([cur_counts.get(k, 0) for k in labels], dtype=float)
    report["psi"], report["js"] = drift.psi(base, cur), drift.js_distance(base, cur)
    report["top_movers"] = drift.top_movers(labels, base, cur)
    kind = str(dist_cfg.get("categorical_drift_method", "LInfinity"))
    threshold = dist_cfg.get("categorical_comparison_threshold",
                             dist_cfg.get("comparison_threshold", 0.1))
    if kind == "ChiSquared":
        distance = drift.chi_squared(cur_counts, base_counts, method)
    else:
        kind, distance = "LInfinity", drift.categorical_distance(base_counts, cur_counts, method)
    report.update(compared=True, method=kind, robust=(method == "Robust"), distance=distance,
                  threshold=float(threshold))


def _exceeds(report: dict) -> bool:
    distance, threshold = report["distance"], report["threshold"]
    if distance is None or math.isnan(distance):
        return False
    if report["method"] == "ChiSquared" and report.get("robust", True):
        return distance < threshold  # a p-value: small means the mix changed (our reading)
    return distance > threshold


def _extra_violations(report: dict, extra: ExtraChecks | None) -> list[tuple[str, str]]:
    if extra is None:
        return []
    out = []
    for check, key, threshold in ((PSI_CHECK, "psi", extra.psi_threshold),
                                  (JS_CHECK, "js", extra.js_threshold)):
        value = report.get(key)
        if threshold is not None and value is not None and value > threshold:
            out.append((check, f"{key.upper()} drift: {value!r} exceeds threshold: "
                               f"{float(threshold)!r}"))
    change = (report.get("null_rate") or {}).get("change")
    if extra.null_rate_threshold is not None and change is not None and \
            change > extra.null_rate_threshold:
        out.append((NULL_RATE_CHECK, f"Missing values rose by {change:.2%} (from "
                                     f"{report['null_rate']['baseline']:.2%} to "
                                     f"{report['null_rate']['current']:.2%}); allowed rise: "
                                     f"{extra.null_rate_threshold:.2%}"))
    return out


def _null_rates(baseline: dict | None, current: dict) -> dict:
    base, cur = _null_rate(baseline), _null_rate(current)
    change = cur - base if base is not None and cur is not None else None
    return {"baseline": base, "current": cur, "change": change}


def _null_rate(feature: dict | None) -> float | None:
    if not feature:
        return None
    if feature.get("inferred_type") == "Unknown":
        return 1.0  # Unknown: every value is missing (and there is no statistics block)
    block = feature.get("numerical_statistics") or feature.get("string_statistics") or {}
    common = block.get("common") or {}
    present, missing = common.get("num_present", 0), common.get("num_missing", 0)
    return missing / (present + missing) if present + missing else None


def _categories(feature: dict) -> dict[str, int]:
    stats = feature.get("string_statistics") or {}
    buckets = ((stats.get("distribution") or {}).get("categorical") or {}).get("buckets") or []
    return {str(b["value"]): int(b["count"]) for b in buckets}


def _bin_label(edge: tuple, last_inner: bool) -> str:
    low, high = edge
    if low is None:
        return f"< {high:.6g}"
    if high is None:
        return f"> {low:.6g}"
    return f"[{low:.6g}, {high:.6g}{']' if last_inner else ')'}"
