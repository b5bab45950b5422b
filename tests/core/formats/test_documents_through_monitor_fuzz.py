"""Any statistics/constraints pair that passes the schemas can drive ``monitor``: the execution
completes or fails with one sentence, never an exception, whatever the features' types,
thresholds, methods, overrides and names (present in the window or not)."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.formats.schemas import FEATURE_TYPES
from core.monitoring.execution import FAILED, MonitoringRequest, run_monitoring
from tests.core.monitoring.helpers import SCHEDULED

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
switch = st.sampled_from(["Enabled", "Disabled"])
fraction = st.sampled_from([0.0, 1.0, 0.5, 0.1, 1e-9]) | st.floats(0, 1)
distribution = st.fixed_dictionaries({}, optional={
    "perform_comparison": switch, "comparison_threshold": fraction,
    "comparison_method": st.sampled_from(["Robust", "Simple"]),
    "categorical_comparison_threshold": fraction,
    "categorical_drift_method": st.sampled_from(["LInfinity", "ChiSquared"])})
config = st.fixed_dictionaries({}, optional={
    "evaluate_constraints": switch, "emit_metrics": switch,
    "datatype_check_threshold": fraction, "domain_content_threshold": fraction,
    "distribution_constraints": distribution})


@pytest.fixture(scope="module")
def window(tmp_path_factory):
    folder = tmp_path_factory.mktemp("window")
    data = folder / "data.csv"
    data.write_text("a,b,c,d\n" + "".join(f"{i},{i * 0.25},{'xyz'[i % 3]},{'' if i % 4 else i}\n"
                                          for i in range(80)))
    result = suggest_baseline(DatasetSpec(str(data)), folder / "baseline")
    return (data, json.loads(result.statistics_path.read_text()),
            json.loads(result.constraints_path.read_text()))


@FUZZ
@given(data=st.data())
def test_schema_valid_documents_drive_monitor_without_exceptions(window, data):
    dataset, statistics, constraints = window
    statistics, constraints = copy.deepcopy(statistics), copy.deepcopy(constraints)
    features = constraints["features"]
    for feature in features:
        feature["inferred_type"] = data.draw(st.sampled_from(FEATURE_TYPES))
        if data.draw(st.booleans()):
            feature["completeness"] = data.draw(fraction)
        if data.draw(st.booleans()):
            feature["string_constraints"] = {"domains": data.draw(
                st.lists(st.sampled_from(["x", "y", "z", "1", ""]), max_size=3))}
        if data.draw(st.booleans()):
            feature["monitoringConfigOverrides"] = data.draw(config)
    if data.draw(st.booleans()):
        features[0]["name"] = "not-in-the-window"
    keep = data.draw(st.integers(1, len(features)))
    constraints["features"] = features[:keep]
    constraints["monitoring_config"] = data.draw(config)
    if data.draw(st.booleans()):  # a baseline feature retyped, its statistics block kept
        statistics["features"][1]["inferred_type"] = data.draw(st.sampled_from(
            ["Integral", "Fractional"]))
    with tempfile.TemporaryDirectory() as folder:
        stats_path, limits_path = Path(folder) / "s.json", Path(folder) / "c.json"
        stats_path.write_text(json.dumps(statistics))
        limits_path.write_text(json.dumps(constraints))
        result = run_monitoring(MonitoringRequest(
            stats_path, limits_path, Path(folder) / "reports", None, "fuzz", SCHEDULED,
            dataset=DatasetSpec(str(dataset))))
        if result.status == FAILED:
            assert result.failure_reason and "\n" not in result.failure_reason
        else:
            assert result.report_dir.is_dir()
            assert isinstance(result.violations, list)


def test_a_broken_document_fails_the_execution_with_its_sentence(window):
    """A sanity check of the fuzz above: a broken document really fails, with a sentence."""
    dataset, statistics, constraints = window
    with tempfile.TemporaryDirectory() as folder:
        limits_path = Path(folder) / "c.json"
        limits_path.write_text(json.dumps({**constraints, "monitoring_config": {
            "datatype_check_threshold": "high"}}))
        stats_path = Path(folder) / "s.json"
        stats_path.write_text(json.dumps(statistics))
        result = run_monitoring(MonitoringRequest(
            stats_path, limits_path, Path(folder) / "reports", None, "fuzz", SCHEDULED,
            dataset=DatasetSpec(str(dataset))))
        assert result.status == FAILED
        assert "c.json: at $.monitoring_config.datatype_check_threshold: expected a number " \
               "from 0 to 1" in result.failure_reason
