"""``main.py screenshot`` renders every tab of a populated demo workspace to PNG."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from tests.conftest import PROJECT_ROOT

PICTURES = ("deployment", "live-traffic", "baselines", "baselines-constraints",
            "baselines-distribution", "executions", "executions-distributions",
            "executions-history")


@pytest.mark.slow
def test_screenshot_command_writes_every_tab(tmp_path):
    out = tmp_path / "shots"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    result = subprocess.run([sys.executable, "main.py", "screenshot", "--out", str(out)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                            env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in PICTURES:
        image = QImage(str(out / f"{name}.png"))
        assert not image.isNull(), name
        assert image.width() >= 1200 and image.height() >= 800, name
        # A populated tab is not one flat colour.
        colours = {image.pixel(x, y) for x in range(0, image.width(), 37)
                   for y in range(0, image.height(), 37)}
        assert len(colours) > 5, name
