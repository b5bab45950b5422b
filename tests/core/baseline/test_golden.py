"""Golden: the churn baseline is the one SageMaker's analyzer wrote, to the byte."""

from __future__ import annotations

import json

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.formats import jackson

# Keys the newer container adds to monitoring_config (the 2021 sample predates them).
NEWER_KEYS = (',\n      "categorical_comparison_threshold" : 0.1,'
              '\n      "categorical_drift_method" : "LInfinity"')


def _baseline(samples, tmp_path):
    dataset = samples / "churn-data" / "training-dataset-with-header.csv"
    return suggest_baseline(DatasetSpec(str(dataset)), tmp_path / "baseline")


def test_constraints_are_byte_identical_to_the_analyzers(samples, tmp_path):
    result = _baseline(samples, tmp_path)
    ours = result.constraints_path.read_text()
    expected = (samples / "data-quality" / "churn-baseline-constraints.2021.json").read_text()
    assert NEWER_KEYS in ours
    assert ours.replace(NEWER_KEYS, "") == expected


def test_statistics_match_the_analyzers_for_the_first_29_features(samples, tmp_path):
    result = _baseline(samples, tmp_path)
    ours = json.loads(result.statistics_path.read_text())
    golden_path = samples / "data-quality" / "churn-baseline-statistics.2021.first29features.json"
    expected = json.loads(golden_path.read_text())
    assert ours["dataset"] == expected["dataset"] == {"item_count": 2333}
    assert len(ours["features"]) == 70
    for mine, theirs in zip(ours["features"], expected["features"]):
        assert mine == theirs, mine["name"]  # sketch data, buckets, sums, means, std devs
    ours["features"] = ours["features"][:29]
    assert jackson.dumps(ours) == golden_path.read_text()  # and the exact bytes
    assert (result.item_count, result.feature_count) == (2333, 70)
