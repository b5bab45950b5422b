"""``python main.py screenshot --out DIR``: every tab rendered offscreen to PNG, populated from
the demo workspace after monitoring executions, a live endpoint and some traffic."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

log = logging.getLogger(__name__)

WINDOW_SIZE = (1440, 900)
TRAFFIC_SECONDS = 4.0
TRAFFIC_RATE = 40.0
SETTLE_TIMEOUT_S = 180.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py screenshot",
                                     description="Render every tab to PNG, offscreen.")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="workspace to show (default: a fresh demo in a temporary folder)")
    return parser.parse_args(argv)


def run_screenshot(argv: list[str]) -> int:
    args = parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="mmd-screenshot-") as tmp:
        folder = args.workspace or Path(tmp) / "demo-workspace"
        prepare_workspace(folder)
        written = render_tabs(folder, args.out, Path(tmp) / "settings")
    for path in written:
        print(path)
    return 0


def prepare_workspace(folder: Path) -> None:
    """The demo (when the folder is empty), a schedule, and one execution per captured hour."""
    from core.demo.workspace import BASELINE, ENDPOINT, SCHEDULE, create_demo_workspace
    from core.scheduling.scheduler import Scheduler
    from core.workspace.store import Workspace
    from core.workspace.alerts import AlertRule
    from core.workspace.schedules import ScheduleRecord
    from gui.workspace_loader import is_empty_folder

    if is_empty_folder(folder):
        create_demo_workspace(folder)
    with Workspace.open(folder) as workspace:
        schedule = workspace.get_schedule(SCHEDULE)
        if schedule is None:
            schedule = workspace.create_schedule(ScheduleRecord(
                name=SCHEDULE, endpoint=ENDPOINT, expression="cron(0 * ? * * *)",
                statistics_path="", constraints_path="", baseline=BASELINE))
        if not workspace.list_alert_rules(SCHEDULE):
            workspace.create_alert_rule(AlertRule("drift-above-threshold",
                                                  "feature_baseline_drift_{f}", ">", 0.1,
                                                  schedule=SCHEDULE))
        if not workspace.list_executions(SCHEDULE):
            for hour in _captured_hours(workspace.capture_dir / ENDPOINT):
                workspace.add_execution(schedule, hour + timedelta(hours=1))
            with Scheduler(workspace) as scheduler:
                done = scheduler.tick()
            log.info("ran %d executions: %s", len(done), [e.status for e in done])


def _captured_hours(root: Path) -> list:
    from datetime import UTC, datetime

    hours = set()
    for path in root.rglob("*.jsonl"):
        y, m, d, h = path.parent.parts[-4:]
        hours.add(datetime(int(y), int(m), int(d), int(h), tzinfo=UTC))
    return sorted(hours)


def render_tabs(folder: Path, out: Path, settings_dir: Path) -> list[Path]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.app import APP_NAME, ORG_NAME
    from gui.jobs import JobRunner
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)  # never the user's own settings
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    out.mkdir(parents=True, exist_ok=True)
    # As in the app: Python's cyclic GC only on the GUI thread (gui/gc_guard.py says why).
    from gui.app import GC_INTERVAL_S
    from gui.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(GC_INTERVAL_S)
    runner = JobRunner()
    window = MainWindow(runner, workspace=folder)
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app, window, lambda: window.workspace is not None)
    written: list[Path] = []
    try:
        endpoint = _deploy_demo_endpoint(app, window)
        for shot, prepare in _shots(app, window):
            prepare()
            _settle(app, window)
            written.append(_grab(window, out / f"{shot}.png"))
        if endpoint is not None:
            from core.serving.lifecycle import undeploy

            undeploy(window.workspace, endpoint)
    finally:
        window.close()
        collector.stop()
    return written


def _shots(app, window):
    """(file name, how to set the window up) for each picture, in tab order."""
    execs = window.executions_tab

    def live():
        window.tabs.setCurrentWidget(window.live_traffic_tab)
        _send_traffic(app, window)

    def executions(page):
        def show():
            window.tabs.setCurrentWidget(execs)
            _settle(app, window, lambda: execs.report.violations.model.rowCount() > 0)
            execs.report.pages.setCurrentIndex(page)
            if page == 1:
                execs.report.distributions.table.selectRow(0)  # the most drifted feature
        return show

    def baselines(page):
        def show():
            window.tabs.setCurrentWidget(window.baselines_tab)
            _settle(app, window, lambda: window.baselines_tab.statistics.rowCount() > 0)
            tab = window.baselines_tab
            if page == 2:  # a feature with a shape worth seeing
                for row in range(tab.statistics_proxy.rowCount()):
                    if tab.statistics_proxy.record_at(row).inferred_type == "Fractional":
                        tab.statistics_table.selectRow(row)
                        break
            tab.pages.setCurrentIndex(page)
        return show

    return [("deployment", lambda: window.tabs.setCurrentWidget(window.deployment_tab)),
            ("live-traffic", live),
            ("baselines", baselines(0)), ("baselines-constraints", baselines(1)),
            ("baselines-distribution", baselines(2)),
            ("executions", executions(0)), ("executions-distributions", executions(1)),
            ("executions-history", executions(2))]


def _deploy_demo_endpoint(app, window) -> str | None:
    """Deploy the demo model through the Deployment tab, as a user would."""
    from core.demo.workspace import ENDPOINT

    tab = window.deployment_tab
    window.tabs.setCurrentWidget(tab)
    _settle(app, window, lambda: tab.model.rowCount() > 0)
    for row in range(tab.proxy.rowCount()):
        if tab.proxy.record_at(row).name == ENDPOINT:
            tab.table.selectRow(row)
    tab.deploy_button.click()
    _settle(app, window, lambda: not tab.progress.busy)
    _settle(app, window)
    return ENDPOINT if "InService" in tab.banner.text() else None


def _send_traffic(app, window) -> None:
    tab = window.live_traffic_tab
    _settle(app, window, lambda: tab.endpoint.count() > 0)
    drift = sorted((Path(window.workspace.root) / "datasets").glob("*drift*.csv"))
    if drift:
        tab.dataset.setText(str(drift[0]))
    tab.rate.setValue(TRAFFIC_RATE)
    tab.start_button.click()
    _settle(app, window, lambda: tab.traffic is not None)
    end = time.monotonic() + TRAFFIC_SECONDS
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    tab.stop_button.click()
    _settle(app, window, lambda: tab.traffic is None)
    capture = sorted(window.workspace.capture_dir.rglob("*.jsonl"))
    if capture:
        tab.browser.open_file(capture[-1])
        _settle(app, window, lambda: tab.browser.records.rowCount() > 0)
        tab.browser.table.selectRow(0)


def _settle(app, window, condition=lambda: True) -> None:
    """Process events until ``condition`` holds and no job (but the scheduler) is running."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while not (condition() and not window.busy_jobs()):
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not settle")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):  # let queued layouts and repaints run
        app.processEvents()


def _grab(window, path: Path) -> Path:
    if not window.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    return path
