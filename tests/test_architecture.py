"""The engine and the command line never import Qt, pyqtgraph or the GUI."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

FORBIDDEN = ("PySide6", "pyqtgraph", "shiboken6", "gui")


def _modules(package: str) -> list[str]:
    root = PROJECT_ROOT / package
    names = [package]
    for info in pkgutil.walk_packages([str(root)], prefix=f"{package}."):
        names.append(info.name)
    return names


def test_core_and_cli_import_without_qt():
    modules = _modules("core") + _modules("cli")
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"core/cli imported: {result.stdout.strip()}"


def test_import_linter_contracts_hold():
    lint = shutil.which("lint-imports", path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which(
        "lint-imports")
    assert lint, "import-linter is a test dependency (requirements.lock)"
    result = subprocess.run([lint, "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
