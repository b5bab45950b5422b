"""How SageMaker's example visualization helper reads a report, restated for our tests.

Source: aws/amazon-sagemaker-examples, ``archived/visualization/utils.py`` (spec section 10).
Only its reading of ``statistics.json`` and ``constraint_violations.json`` is restated here,
function by function and with the same pandas calls, expressions and dictionary lookups, so
our outputs meet the same failure points (a KeyError on a missing block, a ValueError from
``float()`` on a badly parsed description); its HTML styling and matplotlib drawing are left
out. The helper itself is not part of the project.
"""

from __future__ import annotations

import re
from enum import Enum

import numpy as np
import pandas as pd


class FeatureType(Enum):
    INTEGRAL = "Integral"
    FRACTIONAL = "Fractional"
    STRING = "String"
    UNKNOWN = "Unknown"


# -- the violations table: group_by_feature ... create_violation_df, style_violation_df


def group_by_feature(baseline, latest, violations) -> dict:
    features: dict = {}
    for key, doc in (("baseline", baseline), ("latest", latest)):
        if doc:
            for feature in doc["features"]:
                features.setdefault(feature["name"], {})[key] = feature
    for violation in violations or []:
        features.setdefault(violation["feature_name"], {}).setdefault(
            "violations", []).append(violation)
    return features


def violation_exists(feature: dict, check_type: str) -> bool:
    return "violations" in feature and check_type in {
        v["constraint_check_type"] for v in feature["violations"]}


def get_completeness(feature: dict) -> float:
    if feature["inferred_type"] in ("Fractional", "Integral"):
        common = feature["numerical_statistics"]["common"]
    elif feature["inferred_type"] == "String":
        common = feature["string_statistics"]["common"]
    else:
        raise ValueError(f"Unknown `inferred_type` {feature['inferred_type']}.")
    return common["num_present"] / (common["num_present"] + common["num_missing"])


def _parsed(feature: dict, check_type: str, expression: str) -> float:
    for violation in feature.get("violations", []):
        if violation["constraint_check_type"] == check_type:
            matches = re.search(expression, violation["description"])
            if matches:
                return float(matches.group(1))
    return np.nan


def get_baseline_drift(feature: dict) -> float:
    return _parsed(feature, "baseline_drift_check", "distance: (.+) exceeds")


def get_categorical_values(feature: dict) -> float:
    return _parsed(feature, "categorical_values_check",
                   "Value: (.+) does not meet the constraint requirement!")


def violation_table(baseline, latest, violations) -> pd.DataFrame:
    """``create_violation_df`` then the percentage formatting of ``style_violation_df``."""
    features = group_by_feature(baseline, latest, violations)
    names = sorted(features)
    columns = {
        "data_type": lambda f: f["latest"]["inferred_type"],
        "completeness": lambda f: get_completeness(f["latest"]),
        "baseline_drift": get_baseline_drift,
        "categorical_values": get_categorical_values,
    }
    frames, styles = [], []
    for column, value in columns.items():
        check = "completeness_check" if column == "completeness" else f"{column}_check"
        frames.append(pd.DataFrame([[value(features[n])] for n in names], index=names,
                                   columns=[column]))
        styles.append(pd.DataFrame([[violation_exists(features[n], check)] for n in names],
                                   index=names, columns=[column]))
    df, df_style = pd.concat(frames, axis=1), pd.concat(styles, axis=1)
    assert df_style.shape == df.shape
    for column in ("completeness", "baseline_drift", "categorical_values"):
        df[column] = df[column].apply(
            lambda v: "N/A" if np.isnan(v) else "{:.2%}".format(v))
    return df


# -- the distributions: get_features, show_distributions, _summary_stats, _get_charts,
#    _extract_dist and the data preparation of _display_charts


def get_features(raw: dict) -> dict:
    return {feature["name"]: feature for feature in raw["features"]}


def _stats_key(feature: dict) -> str:
    is_string = FeatureType(feature["inferred_type"]) == FeatureType.STRING
    return "string_statistics" if is_string else "numerical_statistics"


def summary_stats(feature: dict) -> pd.DataFrame:
    block = feature[_stats_key(feature)]
    common = pd.DataFrame(block["common"], index=[feature["name"]])
    specific = pd.DataFrame({k: v for k, v in block.items() if k not in ("common",
                                                                         "distribution")},
                            index=[feature["name"]])
    return pd.concat([common, specific], axis=1)


def extract_dist(feature: dict) -> pd.DataFrame:
    try:
        is_string = FeatureType(feature["inferred_type"]) == FeatureType.STRING
        kind = "categorical" if is_string else "kll"
        table = pd.DataFrame(feature[_stats_key(feature)]["distribution"][kind]["buckets"])
        table["frequency"] = table["count"] / table["count"].sum()
        table["key"] = [feature["name"]] * len(table)
    except KeyError:
        table = pd.DataFrame()
    return table


def _chart_data(chart: tuple, numerical: bool) -> None:
    current = chart[0]
    if numerical:
        c = current.sort_values(by=["lower_bound"])
        _ = c.upper_bound.values[0] - c.lower_bound.values[0]
        _ = 0.5 * (c.upper_bound.values + c.lower_bound.values)
    else:
        c = current.sort_values(by=["frequency"], ascending=False).iloc[:10]
        _ = np.arange(len(c.value.values))
        _ = [label[:10] if len(label) > 10 else label for label in c.value.values]
    if len(chart) > 1:
        if numerical:
            b = chart[1].sort_values(by=["lower_bound"])
            _ = b.upper_bound.values[0] - b.lower_bound.values[0]
            _ = 0.5 * (b.upper_bound.values + b.lower_bound.values)
        else:
            _ = c.merge(chart[1], how="left", on=["value"]).frequency_y
    _ = c.key.values[0]


def show_distributions(features: dict, baselines: dict | None = None) -> dict[str, int]:
    """Everything ``show_distributions`` computes before drawing; returns chart counts."""
    strings = [n for n, f in features.items()
               if FeatureType(f["inferred_type"]) == FeatureType.STRING]
    numbers = [n for n in features if n not in strings]
    shown = {}
    for names, numerical in ((numbers, True), (strings, False)):
        if not names:
            continue
        pd.concat([summary_stats(features[n]) for n in names], axis=0)
        charts = [(extract_dist(features[n]), extract_dist(baselines[n])) if baselines
                  is not None else (extract_dist(features[n]),) for n in names]
        charts = [chart for chart in charts if not chart[0].empty]
        for chart in charts:
            _chart_data(chart, numerical)
        shown["numerical" if numerical else "string"] = len(charts)
    return shown
