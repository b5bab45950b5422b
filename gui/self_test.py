"""``--self-test``: start offscreen, run the real engine on a demo workspace, render every tab.

It checks an installed or frozen build on a machine with no display: one line per check,
OK or FAIL, and exit status 0 only when every check passed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float


class Report:
    """Runs named checks, prints each outcome as it happens and keeps the tally."""

    def __init__(self, out=None) -> None:
        self._out = out
        self.log_file: Path | None = None  # a copy of the output, for builds with no console
        self.results: list[CheckResult] = []

    def run(self, name: str, check: Callable[[], tuple[Any, str]]) -> Any:
        """Run ``check`` (returning ``(value, detail)``); a raised exception is a FAIL."""
        started = time.perf_counter()
        try:
            value, detail = check()
        except Exception as error:  # noqa: BLE001 (every failure must become a FAIL line)
            self._record(name, False, f"{type(error).__name__}: {error}", started)
            self._write(traceback.format_exc())
            return None
        self._record(name, True, detail, started)
        return value

    def fail(self, name: str, detail: str) -> None:
        self._record(name, False, detail, time.perf_counter())

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    def _record(self, name: str, ok: bool, detail: str, started: float) -> None:
        result = CheckResult(name, ok, detail, time.perf_counter() - started)
        self.results.append(result)
        self._write(f"{'OK  ' if ok else 'FAIL'} {name}: {detail} ({result.seconds:.2f} s)\n")

    def _write(self, text: str) -> None:
        if self.log_file is not None:
            with self.log_file.open("a", encoding="utf-8") as log:
                log.write(text)
        out = self._out or sys.stdout
        if out is None:  # a windowed build on Windows has no console
            return
        out.write(text)
        out.flush()


def process_age() -> float | None:
    """Seconds since this process started (Linux), so start-up includes the frozen bootloader."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def run_self_test(argv: list[str] | None = None) -> int:
    # Before anything imports Qt: no display is needed, on any machine.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    report = Report()
    keep = _kept_folder(argv or [])
    if keep is not None:  # the workspace, reports and tab screenshots stay for a look
        keep.mkdir(parents=True, exist_ok=True)
        report.log_file = keep / "self-test.txt"
        report.log_file.unlink(missing_ok=True)
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    report._write(f"Model Monitor Desktop self-test ({frozen}, Python {sys.version.split()[0]})\n")
    if keep is not None:
        _run_checks(report, keep)
    else:
        with tempfile.TemporaryDirectory(prefix="model-monitor-self-test-") as tmp:
            _run_checks(report, Path(tmp))
    failed = [r.name for r in report.results if not r.ok]
    summary = "all checks passed" if report.passed else f"FAILED: {', '.join(failed)}"
    report._write(f"self-test: {len(report.results) - len(failed)}/{len(report.results)} "
                  f"checks passed; {summary}\n")
    return 0 if report.passed else 1


def _kept_folder(argv: list[str]) -> Path | None:
    """``--self-test-dir DIR``: work in DIR and keep it, instead of a temporary folder."""
    if "--self-test-dir" in argv:
        index = argv.index("--self-test-dir")
        if index + 1 < len(argv):
            return Path(argv[index + 1]).resolve()
    return None


def _run_checks(report: Report, folder: Path) -> None:
    from gui import self_test_engine as engine

    app = report.run("Qt starts offscreen", lambda: _start_qt(folder / "settings"))
    if app is None:
        engine.run_checks(report, folder)  # the engine needs no Qt: still worth knowing
        report.run("SageMaker image URIs (offline)", engine.sagemaker_images)
        return
    # As in the app: Python's cyclic GC only on the GUI thread, so it never frees Qt objects
    # on a worker thread.
    from pyqtgraph.util.garbage_collector import GarbageCollector

    from gui.app import GC_INTERVAL_S

    collector = GarbageCollector(interval=GC_INTERVAL_S)
    errors: list[str] = []
    _trap_errors(errors)
    report.run("main window shown", lambda: _show_window(app, None, errors))
    workspace = engine.run_checks(report, folder)
    report.run("SageMaker image URIs (offline)", engine.sagemaker_images)
    _render_tabs(report, app, workspace, folder / "screens", errors)
    collector.timer.stop()


def _start_qt(settings_dir: Path) -> tuple[Any, str]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.app import APP_NAME, ORG_NAME
    from gui.resources import app_icon

    # Remembered window state and workspace go to the temp folder, never the user's settings.
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)
    icon = app_icon()
    if icon.isNull():
        raise RuntimeError("the bundled application icon did not load")
    app.setWindowIcon(icon)
    return app, f"platform {app.platformName()}, icon loaded"


# The window ###############################################################################

WINDOW_IDLE_TIMEOUT_S = 60


def _trap_errors(errors: list[str]) -> None:
    """Exceptions raised in Qt slots reach sys.excepthook; the self-test turns them into FAILs."""

    def hook(kind, error, tb) -> None:
        errors.append(f"{kind.__name__}: {error}")
        traceback.print_exception(kind, error, tb)

    sys.excepthook = hook


def _show_window(app: Any, workspace: Path | None, errors: list[str]) -> tuple[Any, str]:
    """Build the main window exactly as the app does, show it and wait for its jobs to settle."""
    from gui.jobs import JobRunner
    from gui.main_window import MainWindow

    runner = JobRunner(error_handler=lambda e: errors.append(f"{type(e).__name__}: {e}"))
    window = MainWindow(runner, workspace=workspace)
    window.show()
    _wait_idle(app, window)
    age = process_age()
    shown = f"{age:.2f} s after process start" if age is not None else "shown"
    if workspace is None:
        window.close()
    if errors:
        raise RuntimeError("; ".join(errors))
    return window, f"{window.tabs.count()} tabs, {shown}"


def _wait_idle(app: Any, window: Any) -> None:
    """Let the window's loading jobs finish (the scheduler's long-lived job keeps running)."""
    deadline = time.monotonic() + WINDOW_IDLE_TIMEOUT_S
    app.processEvents()
    while window.busy_jobs() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    if window.busy_jobs():
        raise RuntimeError(f"jobs still running after {WINDOW_IDLE_TIMEOUT_S} s: "
                           f"{', '.join(window.busy_jobs())}")
    app.processEvents()


def _render_tabs(report: Report, app: Any, workspace: Path | None, folder: Path,
                 errors: list[str]) -> None:
    label = "main window with the demo workspace"
    if workspace is None:
        report.fail(label, "needs the demo workspace; rendering the tabs without one")
        label = "main window (no workspace)"
    window = report.run(label, lambda: _show_window(app, workspace, errors))
    if window is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    tabs = window.tabs
    for index in range(tabs.count()):
        title = tabs.tabText(index)
        report.run(f"tab {title!r} renders",
                   lambda: _render_tab(app, window, index, folder / f"tab-{index}.png", errors))
    window.close()
    app.processEvents()


def _render_tab(app: Any, window: Any, index: int, png: Path, errors: list[str]) -> tuple[None, str]:
    window.tabs.setCurrentIndex(index)
    app.processEvents()
    pixmap = window.grab()
    if pixmap.isNull() or not pixmap.save(str(png)):
        raise RuntimeError(f"could not grab and save {png.name}")
    if errors:
        raise RuntimeError("; ".join(errors))
    image = pixmap.toImage()
    distinct, painted = _ink(image)
    if distinct < 3 or painted < 0.002:
        raise RuntimeError(f"the tab looks blank ({distinct} colours, {painted:.2%} painted)")
    return None, f"{image.width()}x{image.height()}, {distinct} colours, {painted:.1%} painted"


def _ink(image: Any) -> tuple[int, float]:
    """How many colours an image has and the share of pixels unlike its background colour."""
    import numpy as np
    from PySide6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height = rgb.width(), rgb.height()
    rows = np.frombuffer(rgb.constBits(), dtype=np.uint32, count=rgb.sizeInBytes() // 4)
    pixels = rows.reshape(height, rgb.bytesPerLine() // 4)[:, :width]
    colours, counts = np.unique(pixels, return_counts=True)
    return len(colours), 1.0 - counts.max() / pixels.size
