"""constraint_violations.json: byte-exact writing, lenient reading."""

from __future__ import annotations

import json

import pytest

from core.errors import FormatError, InputError
from core.formats.violations import read_violations, violation, write_violations

REAL = "data-quality/churn-execution-constraint_violations.2021-12-01.first10of60.json"


def test_round_trip_of_the_real_file_is_byte_identical(samples, tmp_path):
    real = samples / REAL
    entries = read_violations(real)
    assert len(entries) == 10
    out = write_violations(tmp_path / "constraint_violations.json", entries)
    assert out.read_bytes() == real.read_bytes()


def test_sdk_fixture_in_legacy_layout_reads(samples):
    entries = read_violations(samples / "sdk-test-fixtures" / "constraint_violations.json")
    assert entries and all("constraint_check_type" in e for e in entries)


def test_no_violations_is_an_empty_array(tmp_path):
    path = write_violations(tmp_path / "v.json", [])
    assert path.read_text() == '{\n  "violations" : [ ]\n}'
    assert read_violations(path) == []


def test_entries_keep_the_container_key_order(tmp_path):
    path = write_violations(tmp_path / "v.json", [violation("a", "data_type_check", "d")])
    assert list(json.loads(path.read_text())["violations"][0]) == [
        "feature_name", "constraint_check_type", "description"]


def test_bad_files_name_the_problem(tmp_path):
    with pytest.raises(InputError, match="missing.json"):
        read_violations(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"violations": [1, 2]}')
    with pytest.raises(FormatError, match="violations"):
        read_violations(bad)
    bad.write_text("{oops")
    with pytest.raises(FormatError, match="not JSON"):
        read_violations(bad)
