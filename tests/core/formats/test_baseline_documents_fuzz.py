"""statistics.json / constraints.json readers under fuzzing: any bytes, any JSON document, and
any one-leaf edit of a good document give a document or a ``core.errors.AppError`` (never
another exception). And everything SageMaker and we write is accepted."""

from __future__ import annotations

import copy
import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import AppError, FormatError
from core.formats.constraints import monitoring_config, read_constraints, write_constraints
from core.formats.json_doc import nesting_depth
from core.formats.statistics import read_statistics, write_statistics

SAMPLE_STATISTICS = ["data-quality/churn-baseline-statistics.2021.first29features.json",
                     "sdk-test-fixtures/statistics.json"]
SAMPLE_CONSTRAINTS = ["data-quality/churn-baseline-constraints.2021.json",
                      "sdk-test-fixtures/constraints.json"]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_leaves = (st.none() | st.booleans() | st.integers(-10**6, 10**6)
               | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
json_values = st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=25)
KEYS = ["version", "dataset", "item_count", "features", "name", "inferred_type", "completeness",
        "num_constraints", "string_constraints", "domains", "monitoring_config",
        "monitoringConfigOverrides", "monitoring_config_overrides", "numerical_statistics",
        "string_statistics", "common", "num_present", "num_missing", "distribution", "kll",
        "buckets", "sketch", "data", "categorical", "value", "count", "evaluate_constraints",
        "distribution_constraints", "comparison_method", "comparison_threshold"]
# documents shaped like ours, with SageMaker's keys, so the fuzz gets past the first check
shaped = st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
                      max_leaves=30)


def _read_either(reader, path: Path):
    try:
        return reader(path)
    except AppError as error:
        assert str(error).startswith(str(path)), error  # the sentence names the file
        assert "\n" not in str(error)
        return None


def _write(folder: str, data: bytes) -> Path:
    path = Path(folder) / "doc.json"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("reader", [read_statistics, read_constraints])
@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_give_a_document_or_an_app_error(reader, data):
    with tempfile.TemporaryDirectory() as folder:
        _read_either(reader, _write(folder, data))


@pytest.mark.parametrize("reader", [read_statistics, read_constraints])
@FUZZ
@given(doc=json_values | shaped)
def test_any_json_document_gives_a_document_or_an_app_error(reader, doc):
    with tempfile.TemporaryDirectory() as folder:
        _read_either(reader, _write(folder, json.dumps(doc).encode()))


def _leaf_paths(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaf_paths(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value[:3]):
            yield from _leaf_paths(item, (*path, index))
    else:
        yield path


def _good(samples, name):
    return json.loads((samples / name).read_text())


@pytest.mark.parametrize("name", SAMPLE_CONSTRAINTS + SAMPLE_STATISTICS[1:])
@FUZZ
@given(data=st.data())
def test_one_edited_leaf_of_a_real_document_gives_a_document_or_an_app_error(samples, name,
                                                                            data):
    doc = _good(samples, name)
    paths = list(_leaf_paths(doc))
    path = data.draw(st.sampled_from(paths))
    edited = copy.deepcopy(doc)
    target = edited
    for part in path[:-1]:
        target = target[part]
    new = data.draw(json_values)
    if path:
        target[path[-1]] = new
    reader = read_constraints if "constraints" in name else read_statistics
    with tempfile.TemporaryDirectory() as folder:
        result = _read_either(reader, _write(folder, json.dumps(edited).encode()))
        if result is not None and reader is read_constraints:
            for feature in result["features"][:3]:  # what the checks do with it works too
                config = monitoring_config(result, feature["name"])
                assert 0 <= float(config["datatype_check_threshold"]) <= 1
                limits = config["distribution_constraints"]
                assert math.isfinite(float(limits["comparison_threshold"]))


@pytest.mark.parametrize("name", SAMPLE_STATISTICS)
def test_every_sample_statistics_file_is_accepted_and_rewritten_readably(samples, name,
                                                                        tmp_path):
    doc = read_statistics(samples / name)
    read_statistics(write_statistics(tmp_path / "statistics.json", doc))
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(json.loads((samples / name).read_text())))  # Python's layout
    assert read_statistics(compact) == doc


@pytest.mark.parametrize("name", SAMPLE_CONSTRAINTS)
def test_every_sample_constraints_file_is_accepted_and_rewritten_readably(samples, name,
                                                                         tmp_path):
    doc = read_constraints(samples / name)
    assert read_constraints(write_constraints(tmp_path / "constraints.json", doc)) == doc


def test_every_documented_variant_is_accepted(tmp_path):
    """Spec sections 2-3: NaN as Jackson's string and Python's literal, ints for doubles,
    legacy keys, the three override places, Unknown features, both categorical methods."""
    statistics = {"version": 0, "dataset": {"item_count": 3.0}, "features": [
        {"name": "n", "inferred_type": "Integral", "numerical_statistics": {
            "common": {"num_present": 3, "num_missing": 0.0}, "mean": 2, "sum": 6,
            "std_dev": "NaN", "min": "-Infinity", "max": float("inf"),
            "distribution": {"kll": {"buckets": [{"lower_bound": 1, "upper_bound": 3,
                                                  "count": 3}],
                                     "sketch": {"parameters": {"c": 0.64, "k": 2048},
                                                "data": [[1, 2, 3], []]}}}}},
        {"name": "s", "inferred_type": "String", "string_statistics": {
            "common": {"num_present": 3, "num_missing": 0}, "distinct_count": 2,
            "distribution": {"categorical": {"buckets": [{"value": "a", "count": 2}]}}}},
        {"name": "u", "inferred_type": "Unknown"}]}
    path = tmp_path / "statistics.json"
    path.write_text(json.dumps(statistics))
    assert [f["name"] for f in read_statistics(path)["features"]] == ["n", "s", "u"]
    constraints = {"version": 0.0, "features": [
        {"name": "n", "inferred_type": "Integral", "completeness": 1,
         "num_constraints": {"is_non_negative": False},
         "monitoringConfigOverrides": {"datatype_check_threshold": 0.5}},
        {"name": "s", "inferred_type": "String", "string_constraints": {
            "domains": ["a"], "monitoring_config_overrides": {"evaluate_constraints": "Disabled"}}},
        {"name": "u", "inferred_type": "Unknown",
         "monitoring_config_overrides": {"emit_metrics": "Disabled"}}],
        "monitoring_config": {"evaluate_constraints": "Enabled", "emit_metrics": "Enabled",
                              "datatype_check_threshold": 1, "domain_content_threshold": 1.0,
                              "distribution_constraints": {
                                  "perform_comparison": "Disabled", "comparison_threshold": 0,
                                  "comparion_method": "Simple", "enable_comparisons": True,
                                  "min_domain_mass": 1.0, "categorical_drift_method": "ChiSquared",
                                  "categorical_comparison_threshold": 0.05}}}
    path = tmp_path / "constraints.json"
    path.write_text(json.dumps(constraints))
    doc = read_constraints(path)
    assert monitoring_config(doc, "n")["datatype_check_threshold"] == 0.5
    assert monitoring_config(doc, "s")["evaluate_constraints"] == "Disabled"
    assert monitoring_config(doc)["distribution_constraints"]["comparison_method"] == "Simple"


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "statistics.json"
    with open(path, "wb") as handle:  # sparse: 300 MB on paper, no disk used
        handle.truncate(300 << 20)
    with pytest.raises(AppError, match=r"statistics.json: the statistics file is 300 MB, more "
                                       r"than the 256 MB"):
        read_statistics(path)


@pytest.mark.parametrize("depth", [65, 1000, 200_000])
def test_deep_nesting_is_refused_before_parsing_at_any_depth(tmp_path, depth):
    path = tmp_path / "constraints.json"
    path.write_text('{"features": ' + "[" * depth + "]" * depth + "}")
    with pytest.raises(FormatError, match=rf"line 1: JSON nested {depth + 1} levels deep"):
        read_constraints(path)


@FUZZ
@given(doc=json_values, noise=st.text(alphabet='[]{}"\\', max_size=20))
def test_nesting_depth_ignores_brackets_inside_strings(doc, noise):
    text = json.dumps({"k": noise, "v": doc}).encode()
    depth, _line = nesting_depth(text)
    assert depth == 1 + _depth(doc)


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def test_the_display_reader_has_the_same_limits(tmp_path):
    from core.formats.display_json import read_for_display

    path = tmp_path / "constraint_violations.json"
    path.write_text('{"violations": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(FormatError, match=r"line 1: JSON nested 100001 levels deep"):
        read_for_display(path)


def test_every_json_sample_loads_as_its_kind_or_is_named_for_what_it_is(samples):
    """Each real file: a data-quality document loads as what it is, and given as the other
    kind it is refused with a sentence saying what it is instead."""
    seen = 0
    for path in sorted(samples.rglob("*.json")):
        text = path.read_text()
        kind = ("statistics" if "statistics" in path.name and "mq-" not in path.name
                else "constraints" if path.name.endswith("constraints.json")
                or "baseline-constraints" in path.name else None)
        for reader, reader_kind in ((read_statistics, "statistics"),
                                    (read_constraints, "constraints")):
            if kind == reader_kind:
                assert reader(path)["features"], path
                continue
            with pytest.raises(FormatError) as refused:
                reader(path)
            message = str(refused.value)
            assert message.startswith(f"{path}: ") and "\n" not in message
            if "violations" in text[:200]:
                assert "this is a constraint violations document" in message
            elif path.name.startswith("mq-"):
                assert "this is a model-quality" in message
            elif kind is not None:
                assert f"this is a {kind} document" in message
            seen += 1
    assert seen >= 8
