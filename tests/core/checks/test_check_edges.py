"""The six data-quality checks at their edges: thresholds met exactly, empty windows, overrides,
violation order and description text (spec section 4.2), each against values worked out by hand
or by a plain restatement of the rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.checks.drift_report import ExtraChecks
from core.profiling.deequ_types import TypeCounts
from core.checks.evaluate import (
    BASELINE_DRIFT,
    CATEGORICAL_VALUES,
    COMPLETENESS,
    DATA_TYPE,
    EXTRA_COLUMN,
    MISSING_COLUMN,
    _drift_violations,
    evaluate_constraints,
)


def _counts(integral=0, fractional=0, boolean=0, string=0):
    return TypeCounts(integral=integral, fractional=fractional, boolean=boolean, string=string)


def _numeric(name, values=(1.0, 2.0, 3.0), *, present=None, missing=0, kind="Integral",
             buckets=None):
    common = {"num_present": len(values) if present is None else present,
              "num_missing": missing}
    kll = {"sketch": {"data": [list(values)]}}
    if buckets is not None:
        kll["buckets"] = buckets
    return {"name": name, "inferred_type": kind,
            "numerical_statistics": {"common": common, "distribution": {"kll": kll}}}


def _string(name, counts: dict, *, missing=0, present=None):
    common = {"num_present": sum(counts.values()) if present is None else present,
              "num_missing": missing}
    buckets = [{"value": v, "count": c} for v, c in counts.items()]
    return {"name": name, "inferred_type": "String",
            "string_statistics": {"common": common,
                                  "distribution": {"categorical": {"buckets": buckets}}}}


def _constraint(name, kind="Integral", **extra):
    return {"name": name, "inferred_type": kind, **extra}


def _run(features, constraint_features, current_features, type_counts=None, config=None,
         extra=None):
    constraints = {"version": 0.0, "features": constraint_features}
    if config is not None:
        constraints["monitoring_config"] = config
    return evaluate_constraints({"features": features}, constraints,
                                {"features": current_features}, type_counts or {}, extra=extra)


def _types(result):
    return [(v["feature_name"], v["constraint_check_type"]) for v in result.violations]


# -- column counts -------------------------------------------------------------------------


@given(st.integers(0, 6), st.integers(0, 6))
@settings(max_examples=25, deadline=None)
def test_column_count_checks_compare_current_columns_with_constraint_features(n_base, n_cur):
    constraints = [_constraint(f"b{i}") for i in range(n_base)]
    current = [_numeric(f"c{i}") for i in range(n_cur)]
    result = _run([], constraints, current)
    counts = (f"Number of columns in current dataset: {n_cur}, "
              f"Number of columns in baseline constraints: {n_base}")
    # The names differ on both sides, so every baseline column is missing, every current one
    # extra; the violation names the first and lists them (docs/check-wording.md).
    missing, extra = [f"b{i}" for i in range(n_base)], [f"c{i}" for i in range(n_cur)]
    if n_cur < n_base:
        expected = [{"feature_name": missing[0], "constraint_check_type": MISSING_COLUMN,
                     "description": "There are missing columns in current dataset: "
                                    f"{', '.join(missing)}. {counts}"}]
    elif n_cur > n_base:
        expected = [{"feature_name": extra[0], "constraint_check_type": EXTRA_COLUMN,
                     "description": "There are extra columns in current dataset: "
                                    f"{', '.join(extra)}. {counts}"}]
    else:
        expected = []
    assert result.violations == expected


def test_disabled_evaluation_turns_off_every_violation_but_keeps_the_drift_report():
    base = [_numeric("x", [float(i) for i in range(200)])]
    cur = [_numeric("x", [float(i + 1000) for i in range(200)]), _numeric("extra")]
    cons = [_constraint("x", completeness=1.0)]
    enabled = _run(base, cons, cur, {"x": _counts(string=5)})
    assert {t for _, t in _types(enabled)} == {EXTRA_COLUMN, DATA_TYPE, BASELINE_DRIFT}
    for spelling in ("Disabled", "disabled", "DISABLED"):
        result = _run(base, cons, cur, {"x": _counts(string=5)},
                      config={"evaluate_constraints": spelling})
        assert result.violations == []
        assert result.drift["x"]["drifted"] is True  # still computed and reported


def test_a_feature_override_disables_only_that_feature():
    base = [_numeric("a"), _numeric("b")]
    cons = [_constraint("a", monitoringConfigOverrides={"evaluate_constraints": "Disabled"}),
            _constraint("b")]
    cur = [_numeric("a"), _numeric("b")]
    result = _run(base, cons, cur, {"a": _counts(string=1), "b": _counts(string=1)})
    assert _types(result) == [("b", DATA_TYPE)]
    assert list(result.drift) == ["a", "b"]


def test_a_constraint_feature_absent_from_the_window_is_skipped_without_an_entry():
    cons = [_constraint("gone", completeness=1.0), _constraint("here")]
    result = _run([_numeric("gone"), _numeric("here")], cons, [_numeric("here")],
                  {"gone": _counts(string=3)})
    assert _types(result) == [("gone", MISSING_COLUMN)]
    assert list(result.drift) == ["here"]


# -- data_type_check -----------------------------------------------------------------------


def test_data_type_description_matches_the_analyzers_text():
    # a real churn execution: 1970 of 1977 values Integral (spec section 4.2)
    result = _run([_numeric("Day Calls")], [_constraint("Day Calls")], [_numeric("Day Calls")],
                  {"Day Calls": _counts(integral=1970, fractional=7)})
    assert result.violations == [{
        "feature_name": "Day Calls", "constraint_check_type": DATA_TYPE,
        "description": "Data type match requirement is not met. Expected data type: Integral, "
                       "Expected match: 100.0%. Observed: Only 99.64592817400101% of data is "
                       "Integral."}]


@given(kind=st.sampled_from(["Integral", "Fractional", "String"]),
       integral=st.integers(0, 30), fractional=st.integers(0, 30), boolean=st.integers(0, 30),
       string=st.integers(0, 30), threshold=st.sampled_from([None, 0.0, 0.25, 0.5, 0.9, 1.0]))
@settings(max_examples=60, deadline=None)
def test_data_type_check_fires_exactly_when_the_matching_share_is_below_the_threshold(
        kind, integral, fractional, boolean, string, threshold):
    counts = _counts(integral, fractional, boolean, string)
    config = None if threshold is None else {"datatype_check_threshold": threshold}
    result = _run([_numeric("f")], [_constraint("f", kind)], [_numeric("f", kind=kind)],
                  {"f": counts}, config=config)
    non_null = integral + fractional + boolean + string  # booleans count in the denominator
    # What a column of the kind can hold: Integral only integers, Fractional integers and
    # fractions, String every class (no baseline buckets narrow it here). Deequ's ratio is 0.0
    # when nothing is present (Constraint.scala ratioTypes).
    matching = {"Integral": integral, "Fractional": integral + fractional,
                "String": non_null}[kind]
    limit = 1.0 if threshold is None else threshold
    fires = (matching / non_null if non_null else 0.0) < limit
    assert [t for _, t in _types(result)] == ([DATA_TYPE] if fires else [])


def test_an_unknown_baseline_fires_once_the_window_has_values():
    result = _run([_numeric("f")], [_constraint("f", "Unknown")], [_numeric("f")],
                  {"f": _counts(string=9)})
    assert DATA_TYPE in [t for _, t in _types(result)]


@pytest.mark.parametrize("kind", ["Boolean", None])
def test_no_data_type_check_without_a_checkable_baseline_type(kind):
    cons = [{"name": "f"} if kind is None else _constraint("f", kind)]
    result = _run([_numeric("f")], cons, [_numeric("f")], {"f": _counts(string=9)})
    assert DATA_TYPE not in [t for _, t in _types(result)]


def test_no_data_type_check_without_type_counts_for_the_column():
    result = _run([_numeric("f")], [_constraint("f")], [_numeric("f")], {"g": _counts(string=9)})
    assert result.violations == []


def test_a_threshold_below_one_reads_in_the_description():
    result = _run([_numeric("f")], [_constraint("f", "Fractional")], [_numeric("f")],
                  {"f": _counts(fractional=1, string=1)},
                  config={"datatype_check_threshold": 0.75})
    assert result.violations[0]["description"] == (
        "Data type match requirement is not met. Expected data type: Fractional, Expected "
        "match: 75.0%. Observed: Only 50.0% of data is Fractional.")


# -- completeness_check --------------------------------------------------------------------


@given(present=st.integers(0, 40), missing=st.integers(0, 40),
       wanted=st.sampled_from([0.0, 0.5, 0.8, 0.9, 1.0]), numeric=st.booleans())
@settings(max_examples=60, deadline=None)
def test_completeness_fires_exactly_when_the_window_is_less_complete(present, missing, wanted,
                                                                      numeric):
    if numeric:
        now = _numeric("f", [1.0] * present, missing=missing)
        cons = _constraint("f", completeness=wanted)
    else:
        now = _string("f", {"a": present} if present else {}, missing=missing)
        cons = _constraint("f", "String", completeness=wanted)
    result = _run([now], [cons], [now])
    total = present + missing
    fires = total > 0 and present / total < wanted
    assert _types(result) == ([("f", COMPLETENESS)] if fires else [])


def test_completeness_description_and_no_check_without_a_completeness_constraint():
    now = _numeric("f", [1.0, 2.0, 3.0], missing=1)
    result = _run([now], [_constraint("f", completeness=0.9)], [now])
    assert result.violations == [{
        "feature_name": "f", "constraint_check_type": COMPLETENESS,
        "description": "Value: 0.75 does not meet the constraint requirement! "}]
    assert _run([now], [_constraint("f")], [now]).violations == []


def test_completeness_of_a_feature_without_statistics_blocks_is_not_checked():
    bare = {"name": "f", "inferred_type": "Integral"}
    result = _run([], [_constraint("f", completeness=1.0)], [bare])
    assert result.violations == []


# -- categorical_values_check --------------------------------------------------------------


@given(inside=st.integers(0, 30), outside=st.integers(0, 30), unlisted=st.integers(0, 5),
       threshold=st.sampled_from([None, 0.0, 0.5, 0.8, 1.0]))
@settings(max_examples=60, deadline=None)
def test_domain_share_counts_values_inside_the_domain_over_present_values(
        inside, outside, unlisted, threshold):
    # ``unlisted``: present values without a bucket (the sketch's tail), never inside
    now = _string("f", {"a": inside, "zz": outside}, present=inside + outside + unlisted)
    cons = _constraint("f", "String", string_constraints={"domains": ["a", "b"]})
    config = None if threshold is None else {"domain_content_threshold": threshold}
    result = _run([now], [cons], [now], config=config)
    present = inside + outside + unlisted
    limit = 1.0 if threshold is None else threshold
    fires = present > 0 and inside / present < limit
    checks = [t for _, t in _types(result) if t == CATEGORICAL_VALUES]
    assert checks == ([CATEGORICAL_VALUES] if fires else [])


def test_domain_values_compare_as_text_and_the_description_reads_the_share():
    now = _string("f", {1: 3, "x": 1})  # a bucket value parsed as a number still matches "1"
    cons = _constraint("f", "String", string_constraints={"domains": ["1"]})
    result = _run([now], [cons], [now], config={"domain_content_threshold": 0.8})
    assert result.violations == [{
        "feature_name": "f", "constraint_check_type": CATEGORICAL_VALUES,
        "description": "Value: 0.75 does not meet the constraint requirement! "}]


def test_no_domain_check_without_domains_or_string_statistics():
    cons = _constraint("f", "String", string_constraints={"domains": ["a"]})
    numeric_now = _numeric("f", [1.0])
    assert _run([numeric_now], [cons], [numeric_now]).violations == []
    now = _string("f", {"b": 4})
    for empty in ({}, {"domains": []}, None):
        assert _run([now], [_constraint("f", "String", string_constraints=empty)],
                    [now]).violations == []


# -- baseline_drift_check and the order of violations --------------------------------------


def _drifting_pair(name):
    buckets = [{"lower_bound": 30.0 * i, "upper_bound": 30.0 * (i + 1), "count": 30.0}
               for i in range(10)]
    base = _numeric(name, [float(i) for i in range(300)], kind="Fractional", buckets=buckets)
    cur = _numeric(name, [float(i + 150) for i in range(300)], kind="Fractional")
    return base, cur


def test_drift_violations_follow_every_feature_check_in_feature_order():
    base_a, cur_a = _drifting_pair("a")
    base_b, cur_b = _drifting_pair("b")
    cons = [_constraint("a", "Fractional", completeness=1.0),
            _constraint("b", "Fractional", completeness=1.0)]
    cur_a["numerical_statistics"]["common"]["num_missing"] = 5
    cur_b["numerical_statistics"]["common"]["num_missing"] = 5
    result = _run([base_a, base_b], cons, [cur_a, cur_b, _numeric("c")],
                  {"a": TypeCounts(string=1, missing=5), "b": TypeCounts(string=1, missing=5)},
                  extra=ExtraChecks(psi_threshold=0.01))
    assert _types(result) == [
        ("c", EXTRA_COLUMN),
        ("a", DATA_TYPE), ("a", COMPLETENESS), ("b", DATA_TYPE), ("b", COMPLETENESS),
        ("a", BASELINE_DRIFT), ("a", "psi_drift_check"),
        ("b", BASELINE_DRIFT), ("b", "psi_drift_check"),
    ]


def test_numeric_drift_description_reads_distance_and_threshold():
    base, cur = _drifting_pair("x")
    result = _run([base], [_constraint("x", "Fractional")], [cur],
                  config={"distribution_constraints": {"comparison_method": "Simple"}})
    # half of the current values lie above every baseline value: the CDFs differ by 0.5
    assert result.violations == [{
        "feature_name": "x", "constraint_check_type": BASELINE_DRIFT,
        "description": "Baseline drift distance: 0.5 exceeds threshold: 0.1"}]


def test_robust_chi_squared_reads_as_a_p_value_below_the_threshold():
    base = _string("c", {"a": 500, "b": 500})
    cur = _string("c", {"a": 90, "b": 10})
    config = {"distribution_constraints": {"categorical_drift_method": "ChiSquared",
                                           "categorical_comparison_threshold": 0.05}}
    robust = _run([base], [_constraint("c", "String")], [cur], config=config)
    assert len(robust.violations) == 1
    text = robust.violations[0]["description"]
    # the p-value, then restated as 1 - p over 1 - threshold (docs/check-wording.md)
    assert text.startswith("ChiSquared p-value: ") and " is below threshold: 0.05. " in text
    assert text.endswith(" exceeds threshold: 0.95")
    config["distribution_constraints"]["comparison_method"] = "Simple"
    simple = _run([base], [_constraint("c", "String")], [cur], config=config)
    # the Simple path reports the statistic: (90-50)^2/50 + (10-50)^2/50 = 64
    assert simple.violations[0]["description"] == (
        "Baseline drift distance: 64.0 exceeds threshold: 0.05")


def test_a_drifted_report_without_a_robust_flag_reads_as_a_p_value():
    # drift reports read back from older files carry no "robust" key: Robust is the default
    report = {"drifted": True, "method": "ChiSquared", "distance": 0.01, "threshold": 0.05}
    assert _drift_violations("c", report)[0]["description"] == (
        "ChiSquared p-value: 0.01 is below threshold: 0.05. Baseline drift distance: 0.99 "
        "exceeds threshold: 0.95")


def test_absent_counts_in_a_partial_statistics_block_read_as_zero():
    # hand-edited or truncated window statistics: no num_present means nothing was present
    now = {"name": "f", "inferred_type": "String",
           "string_statistics": {"common": {"num_missing": 2}, "distribution": {
               "categorical": {"buckets": [{"value": "a", "count": 1}]}}}}
    cons = _constraint("f", "String", completeness=0.5, string_constraints={"domains": ["b"]})
    result = _run([now], [cons], [now])
    assert _types(result) == [("f", COMPLETENESS)]
    assert result.violations[0]["description"] == (
        "Value: 0.0 does not meet the constraint requirement! ")


def test_documents_without_features_check_nothing_but_the_column_count():
    assert evaluate_constraints({}, {}, {}, {}).violations == []
    result = evaluate_constraints({}, {}, {"features": [_numeric("x")]}, {})
    assert _types(result) == [("x", EXTRA_COLUMN)]
    result = evaluate_constraints({}, {"features": [_constraint("x")]}, {}, {})
    assert _types(result) == [("x", MISSING_COLUMN)] and result.drift == {}


def test_our_drift_checks_carry_their_description_into_the_violation():
    base, cur = _drifting_pair("a")
    result = _run([base], [_constraint("a", "Fractional")], [cur],
                  extra=ExtraChecks(js_threshold=0.01))
    assert result.violations[-1] == {
        "feature_name": "a", "constraint_check_type": "js_drift_check",
        "description": f"JS drift: {result.drift['a']['js']!r} exceeds threshold: 0.01"}
