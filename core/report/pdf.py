"""Print an HTML report to PDF in a child process of the app's own entry point.

The PDF is drawn by Qt's printing support, which lives in the GUI layer (``gui/report_pdf.py``);
a child process keeps Qt out of the engine and the command line, and off the app's GUI thread.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.errors import AppError

_PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 300


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, progress=None, cancel=None) -> Path:
    """Write ``pdf_path`` from the report at ``html_path``.

    Raises:
        AppError: the printer process failed; the sentence is its last line of output.
    """
    if getattr(sys, "frozen", False):  # a packaged app runs its own executable
        command = [sys.executable, "report-pdf"]
    else:
        command = [sys.executable, str(_PROJECT_ROOT / "main.py"), "report-pdf"]
    try:
        done = subprocess.run([*command, str(html_path), str(pdf_path)], capture_output=True,
                              text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise AppError(f"The PDF was not printed within {TIMEOUT_S} s.") from error
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["the printer gave no reason"])[-1]
        raise AppError(f"The PDF could not be printed: {reason}")
    return Path(pdf_path)
