"""Shared fixtures. Qt runs offscreen in tests; golden files come from ../shared when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT.parent / "shared" / "reference" / "sagemaker-samples"


MISSING_SAMPLES = (f"SageMaker reference samples not found at {SAMPLES}: the golden tests "
                   "need ../shared/reference/sagemaker-samples beside the project checkout")


@pytest.fixture(scope="session")
def samples() -> Path:
    """The real SageMaker sample files.

    Without them a golden test fails under CI (``CI`` set), so compatibility can never pass by
    vanishing; a local run skips it and the summary line says how many were skipped.
    """
    if not SAMPLES.is_dir():
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(MISSING_SAMPLES, pytrace=False)
        pytest.skip(MISSING_SAMPLES)
    return SAMPLES


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if MISSING_SAMPLES in str(getattr(r, "longrepr", ""))]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} golden tests SKIPPED: {MISSING_SAMPLES} (under CI they fail).",
            yellow=True, bold=True)
