"""A 500-feature result opens quickly and builds one chart, not one per feature."""

from __future__ import annotations

import json
import time

import numpy as np

from gui.tabs.executions_tab import ExecutionsTab
from gui.widgets.distribution_plot import DistributionPlot

FEATURES = 500


def _statistics(rng, shift: float) -> dict:
    features = []
    for i in range(FEATURES):
        values = rng.normal(shift, 1.0, 400)
        counts, edges = np.histogram(values, bins=10)
        features.append({"name": f"f{i:03d}", "inferred_type": "Fractional",
                         "numerical_statistics": {
                             "common": {"num_present": 400, "num_missing": 0},
                             "mean": float(values.mean()), "sum": float(values.sum()),
                             "std_dev": float(values.std()), "min": float(values.min()),
                             "max": float(values.max()),
                             "distribution": {"kll": {"buckets": [
                                 {"lower_bound": float(lo), "upper_bound": float(hi),
                                  "count": float(c)}
                                 for lo, hi, c in zip(edges[:-1], edges[1:], counts)],
                                 "sketch": {"parameters": {"c": 0.64, "k": 2048.0},
                                            "data": [values.tolist()]}}}}})
    return {"version": 0.0, "dataset": {"item_count": 400}, "features": features}


def test_open_500_features(qtbot, runner, tmp_path):
    rng = np.random.default_rng(5)
    report = tmp_path / "report"
    report.mkdir()
    (report / "statistics.json").write_text(json.dumps(_statistics(rng, 0.5)))
    (tmp_path / "baseline.json").write_text(json.dumps(_statistics(rng, 0.0)))
    (report / "constraint_violations.json").write_text(json.dumps({"violations": [
        {"feature_name": f"f{i:03d}", "constraint_check_type": "baseline_drift_check",
         "description": f"Baseline drift distance: 0.{i % 9 + 1} exceeds threshold: 0.1"}
        for i in range(0, FEATURES, 3)]}))
    tab = ExecutionsTab(runner)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    start = time.perf_counter()
    tab.show_results([str(report)], str(tmp_path / "baseline.json"))
    qtbot.waitUntil(lambda: tab.report.violations.model.rowCount() == FEATURES, timeout=20000)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0  # about 0.3 s here; generous for a loaded CI machine
    assert "167 with violations" in tab.report.violations.summary.text()
    tab.report.pages.setCurrentWidget(tab.report.distributions)
    for row in range(5):
        tab.report.distributions.table.selectRow(row)
    assert len(tab.findChildren(DistributionPlot)) == 1
    assert tab.report.distributions.proxy.record_at(0).drift == 0.7  # most drifted first
