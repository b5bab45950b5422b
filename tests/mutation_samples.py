"""pytest plugin for `make mutation` (loaded with ``-p tests.mutation_samples``).

mutmut runs the tests inside its copy of the tree, ``mutants/``, where ``tests/conftest.py``
looks for the SageMaker samples beside ``mutants/`` rather than beside the checkout. The golden
tests would then skip and kill no mutant; this points them at the checkout's samples instead.
Property tests run derandomized, so two runs over the same code give the same score.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import settings

# mutants/tests/mutation_samples.py -> the checkout is three levels up, its samples beside it.
_CHECKOUT = Path(__file__).resolve().parents[2]
_SAMPLES = _CHECKOUT.parent / "shared" / "reference" / "sagemaker-samples"

settings.register_profile("mutation", derandomize=True, database=None)
settings.load_profile("mutation")


def pytest_sessionstart(session):
    conftest = sys.modules.get("tests.conftest")
    if conftest is not None and not conftest.SAMPLES.is_dir() and _SAMPLES.is_dir():
        conftest.SAMPLES = _SAMPLES
