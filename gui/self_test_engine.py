"""The self-test's engine checks: the real core on the demo workspace, no Qt.

Each returns ``(value, detail)`` for ``gui.self_test.Report.run`` and raises on failure.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

WORKER_TIMEOUT_S = 120


def run_checks(report: Any, folder: Path) -> Path | None:
    """Demo workspace, baseline, two executions, an endpoint; returns the workspace if made."""
    workspace = report.run("demo workspace", lambda: create_demo(folder / "workspace"))
    if workspace is None:
        for name in ("baseline", "monitoring execution", "execution in a worker process",
                     "local endpoint"):
            report.fail(name, "needs the demo workspace")
        return None
    baseline = report.run("baseline", lambda: make_baseline(workspace, folder / "baseline"))
    if baseline is None:
        report.fail("monitoring execution", "needs a baseline")
        report.fail("execution in a worker process", "needs a baseline")
    else:
        report.run("monitoring execution",
                   lambda: run_execution(workspace, baseline, folder / "reports"))
        # The scheduler runs executions in a spawned child: in a frozen build that child is
        # the app's own executable, which must divert into the worker instead of a window.
        report.run("execution in a worker process",
                   lambda: run_execution(workspace, baseline, folder / "worker-reports",
                                         in_worker=True))
    report.run("local endpoint", lambda: serve_one_request(workspace))
    return workspace


def sagemaker_images() -> tuple[None, str]:
    """The AWS backend's image URIs come from JSON tables shipped in the sagemaker package:
    offline, and in a frozen build only if the packaging collected them."""
    from core.backends.aws.images import MODEL_MONITOR, XGBOOST, XGBOOST_VERSION, image_uri

    monitor = image_uri(MODEL_MONITOR, "eu-west-1")
    xgboost = image_uri(XGBOOST, "eu-west-1", XGBOOST_VERSION)
    return None, f"{monitor.split('/', 1)[1]}, {xgboost.split('/', 1)[1]} (eu-west-1)"


def create_demo(folder: Path) -> tuple[Path, str]:
    from core.demo.workspace import create_demo_workspace
    from core.progress import never_cancelled, no_progress

    path = Path(create_demo_workspace(folder, progress=no_progress, cancel=never_cancelled()))
    captured = sorted((path / "capture").rglob("*.jsonl"))
    if not captured:
        raise RuntimeError(f"no captured traffic under {path / 'capture'}")
    return path, f"{len(captured)} capture files in {path.name}"


def make_baseline(workspace: Path, output_dir: Path) -> tuple[Any, str]:
    from core.baseline.run import suggest_baseline
    from core.datasets.reader import DatasetSpec
    from core.progress import never_cancelled, no_progress

    training = _training_set(workspace)
    result = suggest_baseline(DatasetSpec(str(training)), output_dir,
                              progress=no_progress, cancel=never_cancelled())
    for path in (result.statistics_path, result.constraints_path):
        if not Path(path).is_file():
            raise RuntimeError(f"the baseline did not write {path}")
    if result.feature_count < 1 or result.item_count < 1:
        raise RuntimeError(f"empty baseline: {result.item_count} rows, {result.feature_count} features")
    return result, (f"{result.item_count} rows x {result.feature_count} features "
                    f"from {training.name}")


def _training_set(workspace: Path) -> Path:
    from core.demo.workspace import TRAINING_CSV

    training = workspace / TRAINING_CSV
    if not training.is_file():
        raise RuntimeError(f"the demo workspace has no training set at {training}")
    return training


def run_execution(workspace: Path, baseline: Any, output_root: Path,
                   in_worker: bool = False) -> tuple[Any, str]:
    from core.monitoring.execution import MonitoringRequest, run_monitoring
    from core.progress import never_cancelled, no_progress

    capture_root = workspace / "capture"
    endpoint, start, end = _captured_window(capture_root)
    request = MonitoringRequest(
        statistics_path=baseline.statistics_path, constraints_path=baseline.constraints_path,
        output_root=output_root, endpoint_name=endpoint, schedule_name="self-test",
        scheduled_time=end, window_start=start, window_end=end, capture_root=capture_root)
    if in_worker:
        result = _run_in_worker(request)
    else:
        result = run_monitoring(request, progress=no_progress, cancel=never_cancelled())
    if result.status not in ("Completed", "CompletedWithViolations"):
        raise RuntimeError(f"status {result.status}: {result.failure_reason or result.status_message}")
    report_dir = Path(result.report_dir)
    if not (report_dir / "statistics.json").is_file():
        raise RuntimeError(f"no statistics.json in {report_dir}")
    return result, f"{result.status}, {result.violation_count} violations"


def _run_in_worker(request: Any) -> Any:
    from core.scheduling.worker import RESULT, ExecutionWorker

    worker = ExecutionWorker()
    try:
        outcome = worker.run(request, timeout_s=WORKER_TIMEOUT_S, should_stop=lambda: False)
    finally:
        worker.close()
    if outcome.kind != RESULT:
        raise RuntimeError(f"the worker process ended with {outcome.kind}: {outcome.message}")
    return outcome.result


def serve_one_request(workspace: Path) -> tuple[None, str]:
    """Deploy the demo model (a child process: the app's own executable when frozen), send it
    one row, stop it, and find the request in the data capture."""
    from core.demo.workspace import ENDPOINT, MODEL_TAR, TRAFFIC_CSV
    from core.serving.config import CaptureConfig
    from core.serving.lifecycle import deploy_local, undeploy
    from core.serving.traffic import HttpInvoker
    from core.workspace.store import Workspace

    row = (workspace / TRAFFIC_CSV).read_text().splitlines()[0].encode()
    with Workspace.open(workspace) as opened:
        capture_dir = opened.capture_dir / ENDPOINT
        before = sum(len(p.read_bytes().splitlines()) for p in capture_dir.rglob("*.jsonl"))
        capture = CaptureConfig(enable=True, destination=str(opened.capture_dir))
        record = deploy_local(opened, ENDPOINT, workspace / MODEL_TAR, capture)
        try:
            answer = HttpInvoker(record.url, ENDPOINT, timeout=30)(row, "text/csv", None)
        finally:
            undeploy(opened, ENDPOINT)
        after = sum(len(p.read_bytes().splitlines()) for p in capture_dir.rglob("*.jsonl"))
    probability = float(answer.decode().strip().split(",")[0])
    if not 0.0 <= probability <= 1.0:
        raise RuntimeError(f"the model answered {answer!r}, not a probability")
    if after != before + 1:
        raise RuntimeError(f"expected one new capture record, found {after - before}")
    return None, f"answered {probability:.3f}, request captured"


def _captured_window(capture_root: Path) -> tuple[str, datetime, datetime]:
    """The endpoint and the hours its captured files cover ({endpoint}/{variant}/y/m/d/h/)."""
    hours = []
    for path in capture_root.rglob("*.jsonl"):
        parts = path.relative_to(capture_root).parts
        if len(parts) == 7:
            endpoint, _variant, y, m, d, h, _name = parts
            hours.append((endpoint, datetime(int(y), int(m), int(d), int(h), tzinfo=timezone.utc)))
    if not hours:
        raise RuntimeError(f"no capture files in the SageMaker layout under {capture_root}")
    endpoint = hours[0][0]
    times = [t for name, t in hours if name == endpoint]
    return endpoint, min(times), max(times) + timedelta(hours=1)
