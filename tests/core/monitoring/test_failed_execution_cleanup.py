"""A failed execution leaves nothing behind: no ``.partial`` staging folder and no empty
``{endpoint}/{schedule}/yyyy/mm/dd`` tree, whichever step it fails at; folders that existed
before (the user's reports root, earlier reports) stay as they were."""

from __future__ import annotations

import json
import os

import pytest

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.errors import Cancelled
from core.monitoring.execution import MonitoringRequest, report_folder, run_monitoring
from tests.core.monitoring.helpers import SCHEDULED, WINDOW, write_capture

ROWS = [(f"{i % 50},{'ab'[i % 2]}", str(i % 2)) for i in range(120)]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    data = folder / "train.csv"
    data.write_text("label,x,color\n" + "".join(f"{o},{i}\n" for i, o in ROWS))
    result = suggest_baseline(DatasetSpec(str(data)), folder / "out")
    return result.statistics_path, result.constraints_path


def _request(tmp_path, baseline, reports, **options) -> MonitoringRequest:
    capture = tmp_path / "capture"
    if not capture.exists():
        write_capture(capture, ROWS)
    statistics, constraints = options.pop("paths", baseline)
    start, end = options.pop("window_start", WINDOW[0]), options.pop("window_end", WINDOW[1])
    return MonitoringRequest(statistics, constraints, reports, "ep", "hourly", SCHEDULED,
                             start, end, capture_root=capture, **options)


def _everything_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() \
        else None


class Boom(RuntimeError):
    """A bug surfacing mid-run (not an AppError): the exception escapes, the cleanup must not."""


def _count_progress_calls(tmp_path, baseline) -> int:
    calls = []
    result = run_monitoring(_request(tmp_path, baseline, tmp_path / "probe"),
                            progress=calls.append)
    assert result.status in ("Completed", "CompletedWithViolations")
    return len(calls)


@pytest.mark.parametrize("failure", [Boom, Cancelled])
def test_failing_at_every_progress_point_leaves_no_folder(tmp_path, baseline, failure):
    total = _count_progress_calls(tmp_path, baseline)
    assert total >= 3
    for point in range(total):
        reports = tmp_path / f"reports-{failure.__name__}-{point}"
        calls = []

        def progress(update, calls=calls, point=point):
            calls.append(update)
            if len(calls) > point:
                raise failure(f"injected at progress call {point}")

        with pytest.raises(failure):
            run_monitoring(_request(tmp_path, baseline, reports), progress=progress)
        assert not reports.exists(), (point, _everything_under(reports))


def test_failing_to_publish_leaves_no_folder(tmp_path, baseline, monkeypatch):
    """The last step, renaming the staging folder into place, fails (a full disk)."""
    for name in ("replace", "rename"):  # whichever the publishing step moves folders with
        real = getattr(os, name)

        def refuse(source, target, *args, real=real, **kwargs):
            if str(source).endswith(".partial"):
                raise OSError(28, "No space left on device", str(target))
            return real(source, target, *args, **kwargs)

        monkeypatch.setattr(os, name, refuse)
    reports = tmp_path / "reports"
    result = run_monitoring(_request(tmp_path, baseline, reports))
    assert result.status == "Failed" and "No space left on device" in result.failure_reason
    assert not reports.exists(), _everything_under(reports)


@pytest.mark.parametrize("damage", ["bad statistics", "no data", "failing postprocessor",
                                    "bad constraints"])
def test_failed_executions_keep_what_existed_and_add_nothing(tmp_path, baseline, damage):
    reports = tmp_path / "reports"
    earlier = report_folder(reports, "ep", "hourly", WINDOW[0])  # an earlier hour's report
    earlier.mkdir(parents=True)
    (earlier / "statistics.json").write_text("{}")
    (reports / "notes.txt").write_text("mine")
    before = _everything_under(reports)
    options = {}
    if damage == "bad statistics":
        bad = tmp_path / "statistics.json"
        bad.write_text(json.dumps({"features": [{"name": "x", "inferred_type": "Bogus"}]}))
        options["paths"] = (bad, baseline[1])
    elif damage == "bad constraints":
        options["paths"] = (baseline[0], baseline[0])
    elif damage == "no data":
        options["window_start"] = WINDOW[0].replace(year=2020)
        options["window_end"] = WINDOW[1].replace(year=2020)
    else:
        post = tmp_path / "post.py"
        post.write_text("def postprocess_handler():\n    raise RuntimeError('boom')\n")
        options["postprocessor_path"] = post
    result = run_monitoring(_request(tmp_path, baseline, reports, **options))
    assert result.status == "Failed"
    assert _everything_under(reports) == before
