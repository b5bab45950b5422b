"""Streaming: peak memory of a baseline does not grow with the number of rows.

Chunks are shrunk to 1 MB (and KLL runs to 16k values) so the steady state, reached after a
few chunks, shows on small files: five times the rows must not need more memory.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

_RUN = """
import sys
from core.datasets import csv_files as dataset_csv
from core.profiling import numeric
dataset_csv.CHUNK_BYTES = 1 << 20
numeric.KLL_BATCH = 1 << 14
from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
suggest_baseline(DatasetSpec(sys.argv[1]), sys.argv[2])
"""


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_churnlike", PROJECT_ROOT / "bench" / "gen_churnlike.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def _peak_rss_mb(dataset, out) -> float:
    process = subprocess.Popen([sys.executable, "-c", _RUN, str(dataset), str(out)],
                               cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    assert status == 0, process.stderr.read().decode()
    return usage.ru_maxrss / 1024


@pytest.mark.slow
def test_five_times_the_rows_needs_no_more_memory(tmp_path):
    generate = _generator()
    small = generate(100_000, tmp_path / "small.csv")
    large = generate(500_000, tmp_path / "large.csv")
    small_mb = _peak_rss_mb(small, tmp_path / "out-small")
    large_mb = _peak_rss_mb(large, tmp_path / "out-large")
    assert large.stat().st_size > 4.5 * small.stat().st_size
    assert large_mb < 1.3 * small_mb, (small_mb, large_mb)
