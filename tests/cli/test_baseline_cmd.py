"""``main.py baseline`` end to end in a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def _run(*args):
    return subprocess.run([sys.executable, "main.py", "baseline", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def test_baseline_writes_both_files_and_a_one_line_summary(tmp_path):
    data = tmp_path / "train.csv"
    data.write_text("label,amount,city\n0,1.5,Oslo\n1,2.25,Rome\n0,,Oslo\n1,3,Rome\n0,4.5,Oslo\n")
    result = _run("--dataset", str(data), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "5 rows, 3 features" in result.stdout
    constraints = json.loads((tmp_path / "out" / "constraints.json").read_text())
    assert [f["inferred_type"] for f in constraints["features"]] == \
        ["Integral", "Fractional", "String"]
    assert constraints["features"][2]["string_constraints"]["domains"] == ["Oslo", "Rome"]
    stats = json.loads((tmp_path / "out" / "statistics.json").read_text())
    assert stats["features"][1]["numerical_statistics"]["common"]["num_missing"] == 1


def test_no_header_and_a_bad_row_give_a_one_line_error(tmp_path):
    data = tmp_path / "train.csv"
    data.write_text("1,2\n3,4\n5\n")
    result = _run("--dataset", str(data), "--no-header", "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: {data}, line 3: ragged row: "
                                     "expected 2 columns, got 1")
    assert not (tmp_path / "out").exists()
