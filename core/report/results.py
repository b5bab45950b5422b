"""What an execution report shows, as plain data: the violations table, per-feature
distributions and summary statistics, and the documents of a results folder.

Mirrors the AWS example helper ``show_violation_df`` / ``show_distributions`` (spec section 10),
without its crash on features missing from the latest statistics.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import FormatError, InputError
from core.formats.display_json import read_for_display

NAN = float("nan")
MODEL_QUALITY_KEYS = ("binary_classification_metrics", "multiclass_classification_metrics",
                      "regression_metrics")
TOP_CATEGORIES = 10

# report column -> the constraint_check_type that colours it (spec section 10)
CHECK_OF_COLUMN = {
    "data_type": "data_type_check",
    "completeness": "completeness_check",
    "baseline_drift": "baseline_drift_check",
    "categorical_values": "categorical_values_check",
}
_DRIFT_RE = re.compile(r"distance:\s*(\S+?)\s+exceeds")
_LEGACY_VALUE_RE = re.compile(r"Value:\s*(\S+)\s+does not meet the constraint requirement")
# The current engine's wording; a percentage, shown as a fraction like the legacy value.
_DOMAIN_SHARE_RE = re.compile(r"Observed: Only (\S+)% of data is within the baseline domain")


@dataclass(frozen=True)
class ViolationRow:
    """One feature of the violations table; percentages are fractions (NaN shows as N/A)."""

    feature: str
    data_type: str
    completeness: float
    baseline_drift: float
    categorical_values: float
    descriptions: tuple[tuple[str, str], ...] = ()  # (check type, description)

    @property
    def checks(self) -> frozenset[str]:
        return frozenset(check for check, _ in self.descriptions)

    @property
    def has_violation(self) -> bool:
        return bool(self.descriptions)

    def violates(self, column: str) -> bool:
        return CHECK_OF_COLUMN.get(column, "") in self.checks

    def description(self, column: str | None = None) -> str:
        """Descriptions of the violations (all, or those of one column), one per line."""
        check = CHECK_OF_COLUMN.get(column) if column else None
        return "\n".join(f"{c}: {d}" for c, d in self.descriptions if check in (None, c))


@dataclass(frozen=True)
class Distribution:
    """Bars of one feature: numeric buckets (centers, width) or categorical values."""

    kind: str  # "numeric" | "categorical" | "none"
    keys: tuple[Any, ...] = ()  # bucket centers, or category values
    frequencies: tuple[float, ...] = ()
    width: float = 0.0
    counts: tuple[float, ...] = ()


@dataclass
class ResultSet:
    """The documents of one monitoring result (any may be missing), plus where they came from."""

    source: str = ""
    statistics: dict | None = None
    baseline_statistics: dict | None = None
    constraints: dict | None = None
    violations: list[dict] = field(default_factory=list)
    drift: dict[str, dict] = field(default_factory=dict)
    has_violations_file: bool = False
    model_quality: dict | None = None  # a model-quality statistics.json (``*_metrics`` block)


def feature_map(doc: dict | None) -> dict[str, dict]:
    """name -> feature entry of a statistics or constraints document (empty when absent)."""
    if not doc:
        return {}
    return {f["name"]: f for f in doc.get("features", []) if isinstance(f, dict) and "name" in f}


def stats_block(feature: dict | None) -> dict:
    if not feature:
        return {}
    return feature.get("numerical_statistics") or feature.get("string_statistics") or {}


def completeness(feature: dict | None) -> float:
    common = stats_block(feature).get("common") or {}
    present = _num(common.get("num_present"))
    missing = _num(common.get("num_missing"))
    total = present + missing
    return present / total if total > 0 else NAN


def build_violation_rows(baseline: dict | None, latest: dict | None,
                         violations: list[dict]) -> list[ViolationRow]:
    """The violations table: one row per feature, alphabetical like ``create_violation_df``."""
    base, cur = feature_map(baseline), feature_map(latest)
    by_feature: dict[str, list[tuple[str, str]]] = {}
    for v in violations:
        if "metric_name" in v and "feature_name" not in v:
            continue  # a model-quality violation: shown with its metric, not as a feature
        name = str(v.get("feature_name", ""))
        by_feature.setdefault(name, []).append((str(v.get("constraint_check_type", "")),
                                                str(v.get("description", ""))))
    rows = []
    for name in sorted(set(base) | set(cur) | set(by_feature)):
        found = by_feature.get(name, [])
        feature = cur.get(name)
        rows.append(ViolationRow(
            feature=name,
            data_type=str(feature.get("inferred_type", "")) if feature else "",
            completeness=completeness(feature),
            baseline_drift=_parse(found, "baseline_drift_check", _DRIFT_RE),
            categorical_values=_categorical_value(found),
            descriptions=tuple(found),
        ))
    return rows


def summary_stats(feature: dict | None) -> dict[str, float]:
    """``_summary_stats``: present/missing plus mean, sum, std_dev, min, max or distinct_count."""
    block = stats_block(feature)
    common = block.get("common") or {}
    out = {"num_present": _num(common.get("num_present")),
           "num_missing": _num(common.get("num_missing"))}
    for key in ("mean", "sum", "std_dev", "min", "max", "distinct_count"):
        if key in block:
            out[key] = _num(block[key])
    return out


def is_categorical(feature: dict | None) -> bool:
    return bool(feature) and (feature.get("inferred_type") == "String"
                              or "string_statistics" in feature)


def distribution(feature: dict | None, top: int = TOP_CATEGORIES) -> Distribution:
    """``_extract_dist``: frequencies of the KLL buckets, or of the top categorical values."""
    dist = stats_block(feature).get("distribution") or {}
    if "kll" in dist:
        buckets = dist["kll"].get("buckets") or []
        lows = [_num(b.get("lower_bound")) for b in buckets]
        highs = [_num(b.get("upper_bound")) for b in buckets]
        counts = [_num(b.get("count")) for b in buckets]
        total = sum(counts)
        if not buckets or total <= 0:
            return Distribution("none")
        return Distribution("numeric", tuple((lo + hi) / 2 for lo, hi in zip(lows, highs)),
                            tuple(c / total for c in counts), highs[0] - lows[0], tuple(counts))
    if "categorical" in dist:
        buckets = dist["categorical"].get("buckets") or []
        pairs = sorted(((str(b.get("value")), _num(b.get("count"))) for b in buckets),
                       key=lambda p: -p[1])
        total = sum(c for _, c in pairs)
        if total <= 0:
            return Distribution("none")
        pairs = pairs[:top]
        return Distribution("categorical", tuple(v for v, _ in pairs),
                            tuple(c / total for _, c in pairs), 0.35, tuple(c for _, c in pairs))
    return Distribution("none")


def category_shifts(baseline: dict | None, current: dict | None,
                    top: int = 5) -> list[tuple[str, float, float]]:
    """Categories whose share moved most: (value, baseline share, current share)."""
    def shares(feature: dict | None) -> dict[str, float]:
        dist = (stats_block(feature).get("distribution") or {}).get("categorical") or {}
        counts = {str(b.get("value")): _num(b.get("count")) for b in dist.get("buckets") or []}
        total = sum(counts.values())
        return {k: c / total for k, c in counts.items()} if total > 0 else {}

    base, cur = shares(baseline), shares(current)
    moves = [(v, base.get(v, 0.0), cur.get(v, 0.0)) for v in set(base) | set(cur)]
    moves.sort(key=lambda m: (-abs(m[2] - m[1]), m[0]))
    return moves[:top]


@dataclass(frozen=True)
class FeatureRow:
    """One feature of the distributions list: type, drift distance, means and completeness."""

    feature: str
    inferred_type: str
    drift: float
    baseline_mean: float
    current_mean: float
    completeness: float
    violated: bool


def build_feature_rows(result: ResultSet) -> list[FeatureRow]:
    """Every feature of the baseline or the current statistics, alphabetical."""
    base, cur = feature_map(result.baseline_statistics), feature_map(result.statistics)
    violated = {str(v.get("feature_name")) for v in result.violations}
    drift_of = {r.feature: r.baseline_drift for r in
                build_violation_rows(None, None, result.violations)}
    rows = []
    for name in sorted(set(base) | set(cur)):
        feature = cur.get(name) or base.get(name) or {}
        distance = drift_distance(result.drift.get(name))
        if math.isnan(distance):
            distance = drift_of.get(name, NAN)
        rows.append(FeatureRow(
            feature=name, inferred_type=str(feature.get("inferred_type", "")), drift=distance,
            baseline_mean=summary_stats(base.get(name)).get("mean", NAN),
            current_mean=summary_stats(cur.get(name)).get("mean", NAN),
            completeness=completeness(cur.get(name)), violated=name in violated))
    return rows


def drift_distance(entry: dict | None) -> float:
    """The distance of one feature's drift-report entry (NaN when absent)."""
    if not entry:
        return NAN
    for key in ("distance", "drift", "linf"):
        if entry.get(key) is not None:
            return _num(entry[key])
    return NAN


def load_results(*paths: str | Path, baseline_statistics: str | Path | None = None,
                 progress=None, cancel=None) -> ResultSet:
    """Read a results folder and/or single JSON files, telling documents apart by content.

    A folder's ``statistics.json`` is the latest statistics; a statistics file whose name says
    "baseline" is the baseline, unless ``baseline_statistics`` names it explicitly.
    ``progress``/``cancel`` are accepted so the GUI's job runner can call this directly.
    """
    result = ResultSet(source=", ".join(str(p) for p in paths))
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.glob("*.json")))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError("No such file or folder.", path=str(p))
    recognised = False
    for path in files:
        recognised |= _classify(result, path)
    if baseline_statistics:
        doc = read_for_display(baseline_statistics)
        if not (isinstance(doc, dict) and "features" in doc):
            raise FormatError("This is not a statistics document.", path=str(baseline_statistics))
        result.baseline_statistics = doc
        recognised = True
    if not recognised:
        raise FormatError("No SageMaker monitoring documents (statistics, constraints or "
                          "constraint violations) were found.", path=result.source)
    return result


def _classify(result: ResultSet, path: Path) -> bool:
    doc = read_for_display(path)
    if not isinstance(doc, dict):
        return False
    name = path.name.lower()
    if any(key in doc for key in MODEL_QUALITY_KEYS):
        result.model_quality = doc
    elif isinstance(doc.get("violations"), list):
        result.violations = [v for v in doc["violations"] if isinstance(v, dict)]
        result.has_violations_file = True
    elif "monitoring_config" in doc or name.endswith("constraints.json") and "statistics" not in name:
        result.constraints = doc
    elif "features" in doc and "dataset" in doc:
        if "baseline" in name:
            result.baseline_statistics = doc
        else:
            result.statistics = doc
    elif isinstance(doc.get("features"), (list, dict)) and "drift" in name:
        result.drift = _drift_map(doc)
    else:
        return False
    return True


def model_quality_rows(result: ResultSet) -> list[tuple[str, float, float, str]]:
    """(metric, value, standard deviation, violation description or "") of a model-quality
    result; curves and the confusion matrix are not single numbers and are left out."""
    doc = result.model_quality or {}
    block = next((doc[k] for k in MODEL_QUALITY_KEYS if isinstance(doc.get(k), dict)), {})
    said = {}
    for v in result.violations:
        name = str(v.get("metric_name", ""))
        said[name] = str(v.get("description", ""))
        said[re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()] = said[name]  # camelCase too
    rows = []
    for name, entry in sorted(block.items()):
        if isinstance(entry, dict) and "value" in entry:
            rows.append((name, _num(entry.get("value")), _num(entry.get("standard_deviation")),
                         said.get(name, "")))
    return rows


def _drift_map(doc: dict) -> dict[str, dict]:
    features = doc.get("features")
    if isinstance(features, dict):
        return {str(k): v for k, v in features.items() if isinstance(v, dict)}
    return {str(f.get("name")): f for f in features if isinstance(f, dict)}


def _categorical_value(found: list[tuple[str, str]]) -> float:
    legacy = _parse(found, "categorical_values_check", _LEGACY_VALUE_RE)
    if not math.isnan(legacy):
        return legacy
    return _parse(found, "categorical_values_check", _DOMAIN_SHARE_RE) / 100.0


def _parse(found: list[tuple[str, str]], check: str, pattern: re.Pattern) -> float:
    for kind, text in found:
        if kind == check:
            match = pattern.search(text)
            if match:
                return _num(match.group(1))
    return NAN


def _num(value: Any) -> float:
    if value is None:
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return NAN


@dataclass(frozen=True)
class StatisticsRow:
    """One feature of a statistics document, as the baselines tab lists it."""

    feature: str
    inferred_type: str
    num_present: float
    num_missing: float
    mean: float
    std_dev: float
    min: float
    max: float
    distinct_count: float


def statistics_rows(doc: dict | None) -> list[StatisticsRow]:
    """One row per feature in document order (numeric fields NaN where they do not apply)."""
    rows = []
    for name, feature in feature_map(doc).items():
        stats = summary_stats(feature)
        rows.append(StatisticsRow(name, str(feature.get("inferred_type", "")),
                                  stats["num_present"], stats["num_missing"],
                                  *(stats.get(k, NAN) for k in ("mean", "std_dev", "min", "max",
                                                               "distinct_count"))))
    return rows
