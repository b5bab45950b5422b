"""``create_demo_workspace``: a complete, deterministic, offline example workspace.

A synthetic churn training set, an XGBoost model packaged as ``model.tar.gz``, traffic files
(normal and drifted), a few hours of captured traffic (the last one drifted), and, when the
baseline engine and scheduler are present, a baseline and an hourly schedule.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import shutil
import tarfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import xgboost

from core import atomic, permissions
from core.demo.capture import history_start, write_capture_history
from core.demo.data import COLUMNS, FEATURE_COLUMNS, churn_table, format_rows
from core.errors import AppError
from core.progress import CancelToken, Progress, ProgressFn, no_progress
from core.serving.config import CaptureConfig
from core.serving.model import MODEL_MEMBER, Model
from core.workspace.lock import WorkspaceLock
from core.workspace.store import EndpointRecord, Workspace

log = logging.getLogger(__name__)

ENDPOINT = "demo-churn-xgb"
BASELINE = "demo-baseline"
SCHEDULE = "demo-hourly"
TRAINING_CSV = "datasets/churn-training.csv"
TRAFFIC_CSV = "datasets/churn-traffic.csv"
DRIFT_CSV = "datasets/churn-traffic-drift.csv"
MODEL_TAR = f"models/{ENDPOINT}/model.tar.gz"
HOURLY = "cron(0 * ? * * *)"  # SageMaker's hourly expression
NOT_DEPLOYED = "OutOfService"  # known to the workspace, no server running: Deploy starts it
IN_USE = ("The workspace {folder} is in use by an app or a scheduler{who}; `demo init` does "
          "not touch a workspace in use, even with --force.")


def create_demo_workspace(folder: str | Path, *, force: bool = False, now: datetime | None = None,
                          progress: ProgressFn = no_progress,
                          cancel: CancelToken | None = None) -> Path:
    """Create the demo workspace in ``folder`` (new or empty); returns its root.

    Args:
        folder: the workspace folder; created if missing.
        force: also refresh the demo files in a folder that already holds files (the demo
            endpoint's old capture is moved to ``backups/``, never deleted). Even then a
            workspace that an app or scheduler holds, or whose endpoint is serving, is refused.
        now: the clock for the captured history (the last complete hours before it);
            the current time when None. Equal ``now`` gives byte-identical files.

    Returns:
        The workspace root folder.

    Raises:
        AppError: the folder holds files and ``force`` is not set, or the workspace is in use.
    """
    root = Path(folder).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise AppError(f"{root} is a file, not a folder for the demo workspace.")
    fresh = not root.exists() or not any(root.iterdir())
    if not fresh and not force:
        raise AppError(f"{root} already holds files; `demo init` fills only a new or empty "
                       f"folder (pass --force to refresh the demo files in this workspace).")
    made_root = not root.exists()
    permissions.make_private_dirs(root)
    lock = WorkspaceLock(root, refusal=IN_USE)
    try:
        lock.acquire()
    except AppError:
        if made_root:
            root.rmdir()
        raise
    try:
        if not fresh:
            _refuse_serving_endpoints(root)
        _fill_demo_workspace(root, (now or datetime.now(UTC)).astimezone(UTC), progress,
                             cancel or CancelToken())
    except BaseException:
        if fresh:  # nothing of the user's was there: leave no half-made workspace behind
            _empty(root, remove=made_root)
        raise
    finally:
        lock.release()
    return root


def _fill_demo_workspace(root: Path, now: datetime, progress: ProgressFn,
                         cancel: CancelToken) -> None:
    steps = 6
    with Workspace.open(root) as workspace:
        progress(Progress(0, steps, "Writing the training set and traffic files"))
        train = churn_table(3000, seed=20240101)
        _write_csv(root / TRAINING_CSV, format_rows(train, COLUMNS), header=COLUMNS)
        _write_csv(root / TRAFFIC_CSV, format_rows(churn_table(1000, seed=7)[:, 1:],
                                                   FEATURE_COLUMNS))
        _write_csv(root / DRIFT_CSV, drifted_traffic_lines(1000, seed=8))
        cancel.raise_if_cancelled()
        progress(Progress(1, steps, "Training the XGBoost model"))
        booster = train_model(train)
        write_model_tar(root / MODEL_TAR, booster)
        cancel.raise_if_cancelled()
        progress(Progress(2, steps, "Registering the demo endpoint"))
        capture = CaptureConfig(enable=True, sampling_percentage=100.0,
                                destination=str(workspace.capture_dir))
        _register_endpoint(workspace, root / MODEL_TAR, capture)
        progress(Progress(3, steps, "Writing captured traffic"))
        _move_old_capture(workspace, now)
        write_capture_history(workspace.capture_dir, ENDPOINT, Model(booster, MODEL_TAR),
                              normal=churn_table(600, seed=11)[:, 1:],
                              drifted=drifted_traffic_lines(200, seed=12), now=now)
        cancel.raise_if_cancelled()
        progress(Progress(4, steps, "Suggesting the baseline"))
        _suggest_baseline(workspace, root / TRAINING_CSV, cancel)
        progress(Progress(5, steps, "Scheduling hourly monitoring"))
        _create_schedule(workspace, history_start(now))
        progress(Progress(steps, steps, "Demo workspace ready"))


def _refuse_serving_endpoints(root: Path) -> None:
    """An endpoint server writes capture into the workspace: refresh none while one runs."""
    import psutil

    with Workspace.open(root) as workspace:
        serving = [e.name for e in workspace.list_endpoints()
                   if e.backend == "local" and e.status in ("Creating", "InService")
                   and e.pid and psutil.pid_exists(e.pid)]
    if serving:
        raise AppError(f"The endpoint {', '.join(serving)} of the workspace {root} is serving; "
                       f"`demo init` does not touch a workspace in use, even with --force "
                       f"(undeploy it first).")


def _move_old_capture(workspace: Workspace, now: datetime) -> None:
    old = workspace.capture_dir / ENDPOINT
    if not old.exists():
        return
    aside = permissions.make_private_dirs(workspace.backups_dir, top=workspace.root)
    target = aside / f"demo-capture-replaced-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    os.replace(old, target)
    log.info("the demo endpoint's earlier capture was moved to %s", target)


def _empty(root: Path, *, remove: bool) -> None:
    if remove:
        shutil.rmtree(root, ignore_errors=True)
        return
    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def drifted_traffic_lines(rows: int, seed: int) -> list[str]:
    """Drifted input rows, with a few malformed ones the endpoint must reject or flag.

    Every 97th row (from row 40) is damaged in turn: an empty field (a missing value the
    endpoint accepts), a word where a number belongs, and a row one field short.
    """
    lines = format_rows(churn_table(rows, seed, drift=True)[:, 1:], FEATURE_COLUMNS)
    for n, index in enumerate(range(40, rows, 97)):
        fields = lines[index].split(",")
        if n % 3 == 0:
            fields[4] = ""
        elif n % 3 == 1:
            fields[2] = "n/a"
        else:
            fields = fields[:-1]
        lines[index] = ",".join(fields)
    return lines


def train_model(table: np.ndarray) -> xgboost.Booster:
    """A small binary:logistic booster on ``table`` (label in column 0), deterministic."""
    data = xgboost.DMatrix(table[:, 1:], label=table[:, 0])
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.2, "nthread": 1,
              "seed": 0, "tree_method": "hist", "eval_metric": "auc"}
    return xgboost.train(params, data, num_boost_round=40)


def write_model_tar(path: Path, booster: xgboost.Booster) -> Path:
    """``model.tar.gz`` holding ``xgboost-model`` (UBJ), byte-identical for equal models."""
    raw = bytes(booster.save_raw("ubj"))
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w") as tar:
            info = tarfile.TarInfo(MODEL_MEMBER)
            info.size, info.mode, info.mtime = len(raw), 0o644, 0
            tar.addfile(info, io.BytesIO(raw))
    return atomic.write_bytes(path, buffer.getvalue())


def _write_csv(path: Path, lines: list[str], header: tuple[str, ...] | None = None) -> None:
    text = "\n".join(([",".join(header)] if header else []) + lines) + "\n"
    atomic.write_text(path, text)


def _register_endpoint(workspace: Workspace, model_path: Path, capture: CaptureConfig) -> None:
    current = workspace.get_endpoint(ENDPOINT)
    if current is not None and current.status in ("Creating", "InService"):
        return  # a running demo endpoint stays as it is
    workspace.upsert_endpoint(EndpointRecord(
        name=ENDPOINT, backend="local", status=NOT_DEPLOYED, model_path=str(model_path),
        capture_config=capture.to_dict()))


def _suggest_baseline(workspace: Workspace, training: Path, cancel: CancelToken) -> None:
    try:
        from core.baseline.run import suggest_baseline
        from core.datasets.reader import DatasetSpec
    except ImportError:
        log.info("baseline engine not available; the demo has no baseline")
        return
    from core.workspace.store import BaselineRecord

    result = suggest_baseline(DatasetSpec(str(training)), workspace.baselines_dir / BASELINE,
                              cancel=cancel)
    workspace.add_baseline(BaselineRecord(
        BASELINE, str(training), str(result.statistics_path), str(result.constraints_path),
        result.item_count, result.feature_count))


def _create_schedule(workspace: Workspace, created_at: datetime) -> None:
    """An hourly data-quality schedule of the demo endpoint against the demo baseline.

    It is dated from the start of the captured history, so the first scheduler to see it
    catches up one execution per captured hour and the app opens on a populated history.
    """
    try:
        from core.workspace.schedules import ScheduleRecord
    except ImportError:
        log.info("schedules not available; the demo has no schedule")
        return
    if workspace.get_baseline(BASELINE) is None or workspace.get_schedule(SCHEDULE) is not None:
        return
    workspace.create_schedule(ScheduleRecord(
        name=SCHEDULE, endpoint=ENDPOINT, expression=HOURLY, statistics_path="",
        constraints_path="", baseline=BASELINE, created_at=created_at))
