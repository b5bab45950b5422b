"""Shared fixtures. Qt runs offscreen in tests; golden files come from ../shared when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT.parent / "shared" / "reference" / "sagemaker-samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    """The real SageMaker sample files; tests that need them skip when ../shared is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"SageMaker reference samples not found at {SAMPLES} (../shared is absent)")
    return SAMPLES
