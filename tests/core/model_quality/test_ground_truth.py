"""Ground-truth records: the real files read, uploads round-trip, bad label files write nothing."""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.model_quality.ground_truth import (
    find_ground_truth_files,
    read_ground_truth,
    upload_labels,
)
from tests.conftest import SAMPLES


def test_reads_the_real_ground_truth_files_and_the_sdk_fixture():
    files = find_ground_truth_files(SAMPLES / "ground-truth")
    truth = read_ground_truth(files)
    assert len(truth) == 6 and truth.duplicates == 0
    names = sorted(p.stem for p in files)
    assert sorted(truth.latest_labels()) == names  # each file labels its own id
    fixture = read_ground_truth([SAMPLES / "sdk-test-fixtures" / "actuals.jsonl"])
    assert len(fixture) == fixture.records_read


def _write_labels(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


ids = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)\
    .filter(lambda s: s.strip() and s == s.strip())


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(ids, st.sampled_from(["0", "1", "2.5", "cat"]), min_size=1, max_size=30))
def test_upload_round_trips_any_ids_into_the_hour_folder(tmp_path, labels):
    source = tmp_path / "labels.csv"
    _write_labels(source, [["inference_id", "label"], *labels.items()])
    root = Path(tempfile.mkdtemp(dir=tmp_path))  # one fresh root per example
    when = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    result = upload_labels(source, id_column="inference_id", label_column="label",
                           destination=root, when=when)
    assert result.path.parent == root / "2026" / "03" / "04" / "05"
    first = json.loads(result.path.read_text(encoding="utf-8").splitlines()[0])
    assert list(first) == ["groundTruthData", "eventMetadata", "eventVersion"]
    assert first["groundTruthData"]["encoding"] == "CSV" and first["eventVersion"] == "0"
    truth = read_ground_truth(find_ground_truth_files(root))
    assert truth.latest_labels() == labels


def test_a_second_upload_never_replaces_the_first_and_later_labels_win(tmp_path):
    source = tmp_path / "labels.csv"
    when = datetime(2026, 1, 1, 10, tzinfo=UTC)
    _write_labels(source, [["id", "y"], ["a", "0"], ["b", "1"]])
    upload_labels(source, id_column="id", label_column="y", destination=tmp_path / "gt",
                  when=when)
    _write_labels(source, [["id", "y"], ["a", "1"]])
    upload_labels(source, id_column="id", label_column="y", destination=tmp_path / "gt",
                  when=when.replace(hour=11))
    truth = read_ground_truth(find_ground_truth_files(tmp_path / "gt"))
    assert truth.latest_labels() == {"a": "1", "b": "1"}
    assert truth.duplicates == 1
    window = find_ground_truth_files(tmp_path / "gt", start=when, end=when.replace(hour=11))
    assert len(window) == 1  # the hour folders select what was collected in the window


@pytest.mark.parametrize(("rows", "message"), [
    ([["id", "label"], ["a", "1"]], "no column 'y'"),
    ([["id", "y"], ["a", "1"], ["", "0"]], "line 3, field 'id': empty value"),
    ([["id", "y"], ["a", "1"], ["b", ""]], "line 3, field 'y': empty value"),
    ([["id", "y"], ["a", "1"], ["b", "0"], ["a", "0"]],
     "line 4, field 'id': duplicate id 'a' (first on line 2)"),
])
def test_bad_label_files_name_the_line_and_write_nothing(tmp_path, rows, message):
    source = tmp_path / "labels.csv"
    _write_labels(source, rows)
    with pytest.raises(InputError) as caught:
        upload_labels(source, id_column="id", label_column="y", destination=tmp_path / "gt")
    assert message in str(caught.value) and str(source) in str(caught.value)
    assert not (tmp_path / "gt").exists()


@pytest.mark.parametrize(("line", "field"), [
    ('{"groundTruthData": {"data": 1, "encoding": "CSV"}, "eventMetadata": {"eventId": "a"}}',
     "groundTruthData"),
    ('{"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {}}',
     "eventMetadata.eventId"),
    ('{"groundTruthData": {"data": "1", "encoding": "XML"}, "eventMetadata": {"eventId": "a"}}',
     "groundTruthData.encoding"),
    ('{"groundTruthData": {"data": "1"', None),
])
def test_a_bad_record_names_file_line_and_field(tmp_path, line, field):
    path = tmp_path / "2026" / "01" / "01" / "00" / "x.jsonl"
    path.parent.mkdir(parents=True)
    good = ('{"groundTruthData": {"data": "0", "encoding": "CSV"}, '
            '"eventMetadata": {"eventId": "z"}}')
    path.write_text(good + "\n" + line + "\n")
    with pytest.raises(InputError) as caught:
        read_ground_truth(find_ground_truth_files(tmp_path))
    text = str(caught.value)
    assert f"{path}, line 2" in text
    if field:
        assert f"field {field!r}" in text
