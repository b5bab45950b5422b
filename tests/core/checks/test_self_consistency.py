"""A baseline never violates itself: any table, profiled, suggested, then monitored against
itself, gives no violation, for every column type the profiler can produce.

Tables are generated (hypothesis) from integers, fractions, booleans, strings, empty cells
and odd spellings, mixed within and across columns, and profiled in arbitrary chunks. The
statistics and constraints go through their JSON files, as a later execution reads them.
"""

from __future__ import annotations

import csv
import io
import json
import string
import tempfile
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.baseline.run import suggest_baseline
from core.baseline.suggest import suggest_constraints
from core.checks.evaluate import evaluate_constraints
from core.datasets.reader import DatasetSpec
from core.formats.constraints import dumps_constraints, read_constraints
from core.formats.statistics import dumps_statistics, read_statistics
from core.monitoring.execution import MonitoringRequest, run_monitoring
from core.profiling.profiler import ProfileResult, TableProfiler
from tests.core.checks import sagemaker_helper as helper
from tests.core.monitoring.helpers import SCHEDULED

ODD = ["+5", "- 5", "+ 5", " 5", "007", "-0", "1e5", "1E-05", ".5", "5.", "NaN", "Infinity",
       "0x1F", "1,000", "\uff15", "\u0661", "True", "TRUE", " ", "5 ", "NullValue", "-0.0",
       "99999999999999999999", "-9223372036854775809", "9223372036854775807", "1.e5", "- 1.5"]

integers = st.integers(-(10**6), 10**6).map(str)
fractions = st.one_of(
    st.floats(min_value=-1e150, max_value=1e150).map(repr),
    st.decimals(places=2, min_value=-1000, max_value=1000).map(str))
booleans = st.sampled_from(["true", "false"])
words = st.text(string.ascii_letters + string.digits + " ,;\"'-_.\u00e9\u4e2d", min_size=1,
                max_size=8)
empties = st.sampled_from(["", None])
odd = st.sampled_from(ODD)
KINDS = {"int": integers, "frac": fractions, "bool": booleans, "word": words,
         "empty": empties, "odd": odd}


@st.composite
def tables(draw, max_rows: int = 40) -> dict[str, list]:
    n_rows = draw(st.integers(1, max_rows))
    columns = {}
    for i in range(draw(st.integers(1, 5))):
        kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=3,
                              unique=True))
        values = st.one_of(*[KINDS[k] for k in kinds])
        if draw(st.booleans()):  # few distinct values, so domains get suggested
            pool = draw(st.lists(values, min_size=1, max_size=4))
            values = st.sampled_from(pool)
        columns[f"c{i}"] = draw(st.lists(values, min_size=n_rows, max_size=n_rows))
    return columns


def _profile(table: dict[str, list], cuts: list[int], constraints: dict | None = None
             ) -> ProfileResult:
    domains = {f["name"]: f["string_constraints"]["domains"]
               for f in (constraints or {}).get("features", []) if "string_constraints" in f}
    profiler = TableProfiler(list(table), domains)
    n = len(next(iter(table.values())))
    bounds = sorted({0, n, *[c % (n + 1) for c in cuts]})
    for lo, hi in zip(bounds, bounds[1:]):
        profiler.update(pa.table({k: pa.array(v[lo:hi], pa.string()) for k, v in table.items()}))
    return profiler.result()


def _round_trip(profile: ProfileResult) -> tuple[dict, dict]:
    """The baseline as a later execution reads it: through its JSON files."""
    with tempfile.TemporaryDirectory() as folder:
        stats, cons = Path(folder, "statistics.json"), Path(folder, "constraints.json")
        stats.write_text(dumps_statistics(profile.statistics))
        cons.write_text(dumps_constraints(suggest_constraints(profile)))
        return read_statistics(stats), read_constraints(cons)


def _blocks_match_types(statistics: dict) -> None:
    block_of = {"Integral": "numerical_statistics", "Fractional": "numerical_statistics",
                "String": "string_statistics", "Unknown": None}
    for feature in statistics["features"]:
        blocks = [k for k in ("numerical_statistics", "string_statistics") if k in feature]
        wanted = block_of[feature["inferred_type"]]
        assert blocks == ([wanted] if wanted else []), feature
        if wanted:
            assert set(feature[wanted]["common"]) == {"num_present", "num_missing"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), cuts=st.lists(st.integers(0, 40), max_size=3),
       other_cuts=st.lists(st.integers(0, 40), max_size=3))
def test_a_table_checked_against_its_own_baseline_has_no_violation(table, cuts, other_cuts):
    baseline = _profile(table, cuts)
    statistics, constraints = _round_trip(baseline)
    window = _profile(table, other_cuts, constraints)  # chunking never changes statistics
    assert window.statistics == baseline.statistics
    evaluation = evaluate_constraints(statistics, constraints, window.statistics,
                                      window.type_counts, domain_counts=window.domain_counts)
    assert evaluation.violations == []
    # without the exact domain counts the window's categorical buckets decide, alike
    assert evaluate_constraints(statistics, constraints, window.statistics,
                                window.type_counts).violations == []
    for name, entry in evaluation.drift.items():
        assert not entry["drifted"] and entry["distance"] in (None, 0.0), (name, entry)
    _blocks_match_types(window.statistics)
    if all(f["inferred_type"] != "Unknown" for f in window.statistics["features"]):
        # SageMaker's example helper reads the report (it fails on Unknown features, as on
        # the analyzer's own output)
        table_view = helper.violation_table(statistics, window.statistics, [])
        assert list(table_view.index) == sorted(table)
        helper.show_distributions(helper.get_features(window.statistics),
                                  helper.get_features(statistics))


@settings(max_examples=100, deadline=None)
@given(table=tables(), keep=st.lists(st.booleans(), min_size=40, max_size=40))
def test_a_sample_of_the_baseline_rows_has_no_type_or_domain_violation(table, keep):
    n = len(next(iter(table.values())))
    rows = [i for i in range(n) if keep[i]] or [0]
    sample = {k: [v[i] for i in rows] for k, v in table.items()}
    statistics, constraints = _round_trip(_profile(table, []))
    window = _profile(sample, [], constraints)
    evaluation = evaluate_constraints(statistics, constraints, window.statistics,
                                      window.type_counts, domain_counts=window.domain_counts)
    for violation in evaluation.violations:
        check, name = violation["constraint_check_type"], violation["feature_name"]
        counts = window.type_counts[name]
        # a sample may miss more values (completeness) and move the distribution (drift);
        # its values always fit the baseline's type and domain, unless it has none at all
        assert check in ("completeness_check", "baseline_drift_check") or (
            check == "data_type_check" and counts.present == 0), violation


def _csv_text(table: dict[str, list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table)
    for row in zip(*table.values()):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(table=tables(max_rows=15))
def test_end_to_end_a_csv_file_monitored_against_its_own_baseline_completes(tmp_path, table):
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        data = Path(folder, "data.csv")
        data.write_text(_csv_text(table), encoding="utf-8")
        base = suggest_baseline(DatasetSpec(str(data)), Path(folder, "baseline"))
        result = run_monitoring(MonitoringRequest(
            base.statistics_path, base.constraints_path, Path(folder, "reports"), None,
            "self", SCHEDULED, dataset=DatasetSpec(str(data))))
        assert result.status_message == \
            "Completed: Job completed successfully with no violations.", result.violations
        written = json.loads((result.report_dir / "constraint_violations.json").read_text())
        assert written == {"violations": []}
