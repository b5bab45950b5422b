"""What a correct ``--self-test`` run prints, shared by the source and installed-app tests.

A check whose engine module has not been written yet must FAIL loudly and name the missing
module; every other check must be OK, and the exit status is 0 only when all are OK.
"""

from __future__ import annotations

import importlib.util

# check name -> engine modules it runs through
CHECKS: dict[str, tuple[str, ...]] = {
    "Qt starts offscreen": (),
    "main window shown": (),
    "demo workspace": ("core.demo",),
    "baseline": ("core.demo", "core.baseline", "core.datasets"),
    "monitoring execution": ("core.demo", "core.baseline", "core.datasets",
                             "core.monitoring.execution"),
    "execution in a worker process": ("core.demo", "core.baseline", "core.datasets",
                                      "core.monitoring.execution", "core.monitoring.worker"),
    "local endpoint": ("core.demo", "core.serving.lifecycle", "core.traffic"),
    "SageMaker image URIs (offline)": ("core.backends.aws.images",),
    "main window with the demo workspace": ("core.demo",),
    "tab 'Deployment' renders": (),
    "tab 'Live traffic' renders": (),
    "tab 'Baselines' renders": (),
    "tab 'Executions' renders": (),
}


def missing_modules(names: tuple[str, ...]) -> list[str]:
    return [name for name in names if importlib.util.find_spec(name) is None]


def assert_self_test_output(returncode: int, stdout: str, stderr: str = "") -> None:
    """Each check is OK, or FAIL exactly when one of its engine modules is missing."""
    report = f"{stdout}\n--- stderr (tail) ---\n{stderr[-4000:]}"
    lines = {line.split(":", 1)[0][5:]: line for line in stdout.splitlines()
             if line.startswith(("OK   ", "FAIL "))}
    all_landed = True
    for check, modules in CHECKS.items():
        missing = missing_modules(modules)
        assert check in lines, f"no line for check {check!r} in:\n{report}"
        line = lines[check]
        if missing:
            all_landed = False
            assert line.startswith("FAIL"), f"{check!r} passed without {missing}:\n{report}"
        else:
            assert line.startswith("OK"), f"{check!r} failed:\n{report}"
    assert (returncode == 0) == all_landed, f"exit status {returncode}:\n{report}"
    assert "checks passed" in stdout.splitlines()[-1]
