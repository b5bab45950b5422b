"""The demo workspace: complete, deterministic, offline, and quick."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime

import numpy as np

from core.demo.workspace import (
    BASELINE,
    DRIFT_CSV,
    ENDPOINT,
    MODEL_TAR,
    SCHEDULE,
    TRAFFIC_CSV,
    TRAINING_CSV,
    create_demo_workspace,
)
from core.demo.data import COLUMNS
from core.serving.model import load_model
from core.workspace.store import Workspace

NOW = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
EXPECTED_HEADER = (
    "Churn,Account Length,VMail Message,Day Mins,Day Calls,Eve Mins,Eve Calls,Night Mins,"
    "Night Calls,Intl Mins,Intl Calls,CustServ Calls," + ",".join(
        f"State_{s}" for s in "AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD "
        "ME MI MN MO MS MT NC ND NE NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI "
        "WV WY".split()) + ",Area Code_408,Area Code_415,Area Code_510,Int'l Plan_no,"
    "Int'l Plan_yes,VMail Plan_no,VMail Plan_yes")


def _digest(root) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "workspace.db" not in p.name}


def test_demo_is_complete_deterministic_and_quick(tmp_path):
    started = time.monotonic()
    first = create_demo_workspace(tmp_path / "a", now=NOW)
    assert time.monotonic() - started < 20
    second = create_demo_workspace(tmp_path / "b", now=NOW)
    assert _digest(first) == _digest(second)

    lines = (first / TRAINING_CSV).read_text().splitlines()
    assert lines[0] == EXPECTED_HEADER and len(COLUMNS) == 70
    table = np.loadtxt(first / TRAINING_CSV, delimiter=",", skiprows=1)
    assert table.shape[1] == 70 and set(np.unique(table[:, 0])) == {0.0, 1.0}
    assert 0.08 < table[:, 0].mean() < 0.25  # churn rate like the classic data (14%)
    assert (table[:, 12:63].sum(axis=1) == 1).all()  # one state per customer
    assert 150 < table[:, 3].mean() < 210  # day minutes in the real file's range

    model = load_model(first / MODEL_TAR)
    assert model.num_features == 69
    normal = np.loadtxt(first / TRAFFIC_CSV, delimiter=",")
    assert normal.shape[1] == 69 and 0.0 < model.predict(normal.astype(np.float32)).mean() < 0.5


def test_drift_file_has_shifted_minutes_new_plan_mix_and_malformed_rows(tmp_path):
    root = create_demo_workspace(tmp_path / "ws", now=NOW)
    drift_lines = (root / DRIFT_CSV).read_text().splitlines()
    malformed = [ln for ln in drift_lines
                 if len(ln.split(",")) != 69 or "n/a" in ln or ",," in ln]
    assert 3 <= len(malformed) <= 20
    good = np.array([[float(v) for v in ln.split(",")] for ln in drift_lines
                     if ln not in malformed])
    normal = np.loadtxt(root / TRAFFIC_CSV, delimiter=",")
    assert good[:, 2].mean() > normal[:, 2].mean() * 1.15  # Day Mins shifted
    assert good[:, 66].mean() > normal[:, 66].mean() + 0.2  # Int'l Plan_yes much more common


def test_captured_history_and_registered_endpoint(tmp_path):
    root = create_demo_workspace(tmp_path / "ws", now=NOW)
    files = sorted((root / "capture" / ENDPOINT / "AllTraffic").rglob("*.jsonl"))
    hours = [f.parent.relative_to(root / "capture").as_posix() for f in files]
    assert hours == [f"{ENDPOINT}/AllTraffic/2024/05/01/{h}" for h in ("08", "09", "10", "11")]
    records = [json.loads(ln) for f in files for ln in f.read_text().splitlines()]
    assert len(records) > 700
    for record in records:
        assert record["eventMetadata"]["inferenceTime"][:13] in {
            f"2024-05-01T{h}" for h in ("08", "09", "10", "11")}
        assert float(record["captureData"]["endpointOutput"]["data"]) >= 0
    with Workspace.open(root) as ws:
        endpoint = ws.get_endpoint(ENDPOINT)
        baseline = ws.get_baseline(BASELINE)
        schedule = ws.get_schedule(SCHEDULE)
    assert endpoint.model_path.endswith("model.tar.gz") and endpoint.capture_config["enable"]
    assert endpoint.status == "OutOfService"
    assert baseline.item_count == 3000 and baseline.feature_count == 70
    assert (root / "baselines" / BASELINE / "constraints.json").is_file()
    assert schedule.endpoint == ENDPOINT and schedule.baseline == BASELINE
    assert schedule.expression == "cron(0 * ? * * *)"


def test_demo_refresh_keeps_the_workspace_usable(tmp_path):
    root = create_demo_workspace(tmp_path / "ws", now=NOW)
    again = create_demo_workspace(tmp_path / "ws", now=NOW, force=True)  # refreshes in place
    assert again == root
    with Workspace.open(root) as ws:
        assert [s.name for s in ws.list_schedules()] == [SCHEDULE]
        assert [b.name for b in ws.list_baselines()] == [BASELINE]
