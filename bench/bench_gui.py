"""Desktop app timings: start-up to a shown window (with the demo workspace loaded), and the
time to display an execution with 500 features (targets: under 2 s and under 1 s).

Run: ``.venv/bin/python bench/bench_gui.py`` (offscreen; about a minute). Each start-up run is
a fresh process, so imports are measured as a user pays them. Results go to
``bench/results/gui.json`` and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
STARTUP_RUNS = 5
DISPLAY_RUNS = 5
WIDE_FEATURES = 500
WIDE_ROWS = 2000


def process_age() -> float:
    """Seconds since this process was created (Linux /proc), interpreter start-up included."""
    start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def _offscreen_app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    gc.disable()  # as the app does: no collection on a job's thread (gui/app.py)
    settings_dir = tempfile.mkdtemp(prefix="bench-gui-settings-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    return app


def _wait(app, predicate, timeout_s: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not settle in time")
        app.processEvents()
        time.sleep(0.002)


def child_startup(workspace: str) -> dict:
    """In a fresh process: build the app as ``gui.app.run_gui`` does and time the milestones."""
    app = _offscreen_app()
    from gui.app import GC_INTERVAL_S
    from gui.errors import install_excepthook
    from gui.gc_guard import GuiThreadCollector
    from gui.jobs import JobRunner
    from gui.main_window import MainWindow
    from gui.resources import app_icon

    imported = time.perf_counter()
    app.setWindowIcon(app_icon())
    install_excepthook()
    collector = GuiThreadCollector(GC_INTERVAL_S)  # all as gui.app.run_gui does
    runner = JobRunner()
    window = MainWindow(runner, workspace=Path(workspace))
    window.show()
    app.processEvents()
    shown_age = process_age()
    shown = time.perf_counter()
    # The in-app scheduler's job runs for the whole session: it is not start-up work.
    _wait(app, lambda: window.workspace is not None and not window.busy_jobs())
    loaded = time.perf_counter()
    window.close()
    collector.stop()
    return {"process_age_at_shown_s": shown_age, "script_to_shown_s": shown - T0,
            "imports_s": imported - T0, "shown_to_workspace_loaded_s": loaded - shown}


def bench_startup(workspace: Path) -> dict:
    runs = []
    for _ in range(STARTUP_RUNS):
        out = subprocess.run([sys.executable, __file__, "--child-startup", str(workspace)],
                             capture_output=True, text=True, timeout=120, cwd=ROOT,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = runs[0].keys()
    return {k: statistics.median(r[k] for r in runs) for k in keys} | {"runs": len(runs)}


def make_wide_report(folder: Path) -> tuple[Path, Path]:
    """A real 500-feature baseline and a drifted execution of it, made by the engine."""
    import numpy as np

    from core.baseline.run import suggest_baseline
    from core.datasets.reader import DatasetSpec
    from core.monitoring.execution import MonitoringRequest, run_monitoring
    from datetime import UTC, datetime

    rng = np.random.default_rng(500)
    header = ",".join(f"f{i:03d}" for i in range(WIDE_FEATURES))
    for name, shift in (("train.csv", 0.0), ("window.csv", 0.4)):
        table = rng.normal(shift, 1.0, size=(WIDE_ROWS, WIDE_FEATURES))
        lines = [header] + [",".join(f"{v:.4f}" for v in row) for row in table]
        (folder / name).write_text("\n".join(lines) + "\n")
    base = suggest_baseline(DatasetSpec(str(folder / "train.csv")), folder / "baseline")
    when = datetime(2026, 1, 1, 12, tzinfo=UTC)
    result = run_monitoring(MonitoringRequest(
        base.statistics_path, base.constraints_path, folder / "reports", None, "wide", when,
        dataset=DatasetSpec(str(folder / "window.csv")), publish_metrics=False))
    return Path(result.report_dir), Path(base.statistics_path)


def bench_display(report_dir: Path, baseline: Path) -> dict:
    """Open the execution's report in the executions tab: load on a worker, fill, paint."""
    app = _offscreen_app()
    from gui.jobs import JobRunner
    from gui.tabs.executions_tab import ExecutionsTab

    runner = JobRunner()
    tab = ExecutionsTab(runner)
    tab.resize(1280, 800)
    tab.show()
    app.processEvents()
    times = []
    for _ in range(DISPLAY_RUNS):
        tab.report.clear()
        app.processEvents()
        start = time.perf_counter()
        tab.show_results([str(report_dir)], str(baseline))
        _wait(app, lambda: tab.report.violations.model.rowCount() == WIDE_FEATURES
              and runner.active_count == 0)
        tab.repaint()  # the first paint of the table and the selected feature's chart
        app.processEvents()
        times.append(time.perf_counter() - start)
    runner.shutdown()
    return {"features": WIDE_FEATURES, "median_s": statistics.median(times),
            "max_s": max(times), "runs": len(times)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child-startup")
    args = parser.parse_args()
    if args.child_startup:
        print(json.dumps(child_startup(args.child_startup)))
        return 0
    from core.demo.workspace import create_demo_workspace

    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        demo = create_demo_workspace(Path(tmp) / "demo")
        startup = bench_startup(demo)
        report_dir, baseline = make_wide_report(Path(tmp))
        display = bench_display(report_dir, baseline)
    result = {"startup": startup, "display_500_features": display}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gui.json").write_text(json.dumps(result, indent=2))
    print("| measure | median | target |\n|---|---|---|")
    print(f"| process start to shown window | {startup['process_age_at_shown_s']:.2f} s | < 2 s |")
    print(f"| shown window to demo workspace loaded | "
          f"{startup['shown_to_workspace_loaded_s']:.2f} s | |")
    print(f"| display an execution with {WIDE_FEATURES} features | {display['median_s']:.2f} s "
          f"(max {display['max_s']:.2f} s) | < 1 s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
