"""Builds the application: logging, QApplication, job runner, main window (run by ``main.py``)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

# pyqtgraph picks whichever binding is importable first; pin ours before it is imported.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

log = logging.getLogger(__name__)

APP_NAME = "Model Monitor Desktop"
ORG_NAME = "ModelMonitorDesktop"
GC_INTERVAL_S = 1.0


def gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", add_help=False, exit_on_error=False)
    parser.add_argument("--workspace", type=Path, default=None,
                        help="workspace folder to open (default: the last one used)")
    parser.add_argument("--demo", action="store_true",
                        help="create the demo workspace in --workspace if it is empty")
    return parser


def gui_args_or_none(argv: list[str]) -> argparse.Namespace | None:
    """The GUI's options, or None when ``argv`` holds anything else (then it is no GUI call)."""
    try:
        args, extra = gui_parser().parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    return None if extra else args


def parse_gui_args(argv: list[str]) -> argparse.Namespace:
    args = gui_args_or_none(argv)
    if args is None:
        raise SystemExit(f"main.py: not options of the desktop app: {' '.join(argv)}")
    return args


def run_gui(argv: list[str]) -> int:
    args = parse_gui_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gui.errors import install_excepthook
    from gui.jobs import JobRunner
    from gui.main_window import MainWindow
    from gui.resources import app_icon

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)
    app.setWindowIcon(app_icon())
    install_excepthook()
    # Python's cyclic GC may run on a worker thread and free Qt objects there, which crashes;
    # collect only on the GUI thread, on a timer.
    from gui.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(GC_INTERVAL_S)
    runner = JobRunner()
    window = MainWindow(runner, workspace=args.workspace, demo=args.demo)
    window.show()
    # Let Ctrl-C in the terminal close the app: Python only sees signals between Qt events.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    idle = QTimer()
    idle.start(250)
    idle.timeout.connect(lambda: None)
    try:
        return app.exec()
    finally:
        collector.stop()
