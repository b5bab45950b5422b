"""TableProfiler: text batches, typed batches, merging, and the statistics document."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from core.errors import Cancelled, ValidationError
from core.profiling import numeric
from core.profiling.profiler import TableProfiler, profile_dataset
from core.datasets.reader import DatasetSpec
from core.progress import CancelToken


def _features(profiler):
    return {f["name"]: f for f in profiler.result().statistics["features"]}


def _spark_welford(values):
    n = avg = m2 = 0.0
    for x in values:
        n += 1.0
        delta = x - avg
        delta_n = delta / n
        avg += delta_n
        m2 += delta * (delta - delta_n)
    return (m2 / n) ** 0.5


def test_string_batches_profile_like_the_csv_file(samples):
    dataset = samples / "churn-data" / "training-dataset-with-header.csv"
    from_file = profile_dataset(DatasetSpec(str(dataset)))
    lines = dataset.read_text().splitlines()
    names = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    profiler = TableProfiler(names)
    for start in range(0, len(rows), 500):  # capture-sized batches of text
        part = rows[start:start + 500]
        profiler.update(pa.table({n: pa.array([r[i] for r in part]) for i, n in enumerate(names)}))
    assert profiler.result().statistics == from_file.statistics
    assert profiler.result().type_counts == from_file.type_counts


def test_merged_profiles_equal_one_profile_of_everything():
    table = pa.table({"x": pa.array([str(i % 17) for i in range(5_000)]),
                      "c": pa.array(["a", "b", "b", None] * 1_250)})
    whole = TableProfiler(["x", "c"])
    whole.update(table)
    first, second = TableProfiler(["x", "c"]), TableProfiler(["x", "c"])
    first.update(table.slice(0, 1_000))
    second.update(table.slice(1_000))
    merged = first.merge(second).result()
    expected = whole.result()
    assert merged.item_count == 5_000
    x_merged, x_whole = (_features_of(merged)["x"], _features_of(expected)["x"])
    assert x_merged["numerical_statistics"]["sum"] == x_whole["numerical_statistics"]["sum"]
    assert x_merged["numerical_statistics"]["std_dev"] == pytest.approx(
        x_whole["numerical_statistics"]["std_dev"], rel=1e-12)
    assert _features_of(merged)["c"] == _features_of(expected)["c"]


def _features_of(result):
    return {f["name"]: f for f in result.statistics["features"]}


def test_string_unknown_and_boolean_columns():
    profiler = TableProfiler(["city", "empty", "flag"])
    profiler.update(pa.table({"city": ["Oslo", "Rome", "Oslo", ""],
                              "empty": pa.array([None, "", None, None], pa.string()),
                              "flag": ["true", "false", "true", "true"]}))
    features = _features(profiler)
    city = features["city"]["string_statistics"]
    assert features["city"]["inferred_type"] == "String"
    assert city["common"] == {"num_present": 3, "num_missing": 1}
    assert city["distinct_count"] == 2.0
    assert city["distribution"]["categorical"]["buckets"] == [
        {"value": "Oslo", "count": 2}, {"value": "Rome", "count": 1}]
    assert features["empty"] == {"name": "empty", "inferred_type": "Unknown"}
    assert features["flag"]["inferred_type"] == "String"
    assert profiler.result().type_counts["flag"].boolean == 4


def test_a_late_text_value_turns_a_numeric_column_into_string():
    profiler = TableProfiler(["v"])
    profiler.update(pa.table({"v": ["1", "2"]}))
    profiler.update(pa.table({"v": ["N/A"]}))
    feature = _features(profiler)["v"]
    assert feature["inferred_type"] == "String"
    assert feature["string_statistics"]["distinct_count"] == 3.0


def test_std_dev_is_sparks_welford_exactly_then_partition_merges(monkeypatch):
    monkeypatch.setattr(numeric, "EXACT_MOMENTS_LIMIT", 1_000)
    values = np.random.default_rng(4).normal(50, 9, 3_000).round(3)
    exact, merged = numeric.NumericSummary(), numeric.NumericSummary()
    exact.update(values[:1_000])
    assert exact.std_dev == _spark_welford(values[:1_000].tolist())
    merged.update(values)
    assert merged.std_dev == pytest.approx(np.std(values), rel=1e-13)
    assert merged.sum == sum(values.tolist())  # file-order double sum


def test_kll_buckets_split_min_to_max_in_ten_and_count_every_value():
    summary = numeric.NumericSummary()
    summary.update(np.arange(0.0, 100.0))
    buckets = summary.buckets()
    assert [b["count"] for b in buckets] == [10.0] * 10
    assert buckets[0]["lower_bound"] == 0.0 and buckets[-1]["upper_bound"] == 99.0


def test_rejects_a_batch_with_other_columns():
    with pytest.raises(ValidationError):
        TableProfiler(["a"]).update(pa.table({"a": ["1"], "b": ["2"]}))


def test_profile_dataset_reports_progress_and_stops_when_cancelled(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n" + "1,x\n" * 100)
    seen = []
    result = profile_dataset(DatasetSpec(str(path)), progress=seen.append)
    assert result.item_count == 100 and seen and seen[-1].done == seen[-1].total
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        profile_dataset(DatasetSpec(str(path)), cancel=token)


def test_a_column_turning_string_after_many_rows_gets_exact_counts_from_a_second_pass(
        tmp_path, monkeypatch):
    from core.datasets import csv_files as dataset_csv
    from core.profiling import profiler as profiler_module
    monkeypatch.setattr(profiler_module, "NUMERIC_TEXT_ROWS", 10)
    monkeypatch.setattr(dataset_csv, "CHUNK_BYTES", 16)  # many chunks
    recounts = []
    original = profiler_module._recount_text
    monkeypatch.setattr(profiler_module, "_recount_text",
                        lambda *a: (recounts.append(a[2]), original(*a)))
    path = tmp_path / "late.csv"
    path.write_text("v\n" + "1\n2\n" * 20 + "N/A\n")
    feature = profile_dataset(DatasetSpec(str(path))).statistics["features"][0]
    assert feature["inferred_type"] == "String"
    assert feature["string_statistics"]["distribution"]["categorical"]["buckets"] == [
        {"value": "1", "count": 20}, {"value": "2", "count": 20}, {"value": "N/A", "count": 1}]
    assert recounts == [[0]]
