"""What a correct ``--self-test`` run prints, shared by the source and installed-app tests."""

from __future__ import annotations

CHECKS = (
    "Qt starts offscreen",
    "main window shown",
    "demo workspace",
    "baseline",
    "monitoring execution",
    "execution in a worker process",
    "local endpoint",
    "SageMaker image URIs (offline)",
    "main window with the demo workspace",
    "tab 'Deployment' renders",
    "tab 'Live traffic' renders",
    "tab 'Baselines' renders",
    "tab 'Executions' renders",
)


def assert_self_test_output(returncode: int, stdout: str, stderr: str = "") -> None:
    """Every check printed its line, every one is OK, and the exit status says so."""
    report = f"{stdout}\n--- stderr (tail) ---\n{stderr[-4000:]}"
    lines = {line.split(":", 1)[0][5:]: line for line in stdout.splitlines()
             if line.startswith(("OK   ", "FAIL "))}
    for check in CHECKS:
        assert check in lines, f"no line for check {check!r} in:\n{report}"
        assert lines[check].startswith("OK"), f"{check!r} failed:\n{report}"
    assert set(lines) == set(CHECKS), f"unexpected checks {set(lines) - set(CHECKS)}:\n{report}"
    assert returncode == 0, f"exit status {returncode}:\n{report}"
    assert stdout.splitlines()[-1].startswith(f"self-test: {len(CHECKS)}/{len(CHECKS)} checks passed")
