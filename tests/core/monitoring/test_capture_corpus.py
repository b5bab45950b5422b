"""Every case of the bad-capture corpus fails its execution with its sentence, leaving nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.monitoring.execution import MonitoringRequest, run_monitoring
from tests.core.monitoring.helpers import SCHEDULED

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "capture"
CASES = [line.split("\t", 1) for line in
         (CORPUS / "expected.tsv").read_text(encoding="utf-8").splitlines() if line]


def test_the_corpus_is_complete():
    assert len(CASES) >= 25
    assert sorted(name for name, _ in CASES) == sorted(p.name for p in CORPUS.glob("*.jsonl"))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus-baseline")
    (folder / "train.csv").write_text("y,a,b\n" + "".join(f"0.{i % 9},{i},{i * 3}\n"
                                                          for i in range(30)))
    result = suggest_baseline(DatasetSpec(str(folder / "train.csv")), folder / "out")
    return result.statistics_path, result.constraints_path


@pytest.mark.parametrize(("name", "sentence"), CASES, ids=[name for name, _ in CASES])
def test_each_bad_capture_case_fails_with_its_sentence(tmp_path, baseline, name, sentence):
    hour = tmp_path / "capture" / "2024" / "03" / "05" / "10"
    hour.mkdir(parents=True)
    shutil.copy(CORPUS / name, hour / name)
    request = MonitoringRequest(*baseline, tmp_path / "out", None, "adhoc", SCHEDULED,
                                capture_root=tmp_path / "capture")
    result = run_monitoring(request)
    assert result.status == "Failed" and sentence in result.failure_reason
    assert result.capture_errors >= 1 and "\n" not in result.failure_reason
    leftovers = list((tmp_path / "out").rglob("*")) if (tmp_path / "out").exists() else []
    assert leftovers == []  # no report, no .partial folder, no empty folder tree
