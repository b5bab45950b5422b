"""The app starts offscreen in a real process and shows its four tabs."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def test_main_window_has_the_four_tabs(qtbot):
    from gui.jobs import JobRunner
    from gui.main_window import MainWindow

    runner = JobRunner()
    window = MainWindow(runner)
    qtbot.addWidget(window)
    window.show()
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["Deployment", "Live traffic", "Baselines", "Executions"]
    window.close()


def test_cli_help_lists_subcommands():
    result = subprocess.run([sys.executable, "main.py", "--help"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert "baseline" in result.stdout
