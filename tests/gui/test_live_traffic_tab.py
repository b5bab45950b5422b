"""The live traffic tab sends real requests to a real demo endpoint, charts them live, and
browses the captured records."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.serving.config import CaptureConfig
from core.serving.lifecycle import deploy_local, undeploy
from gui.tabs.live_traffic_tab import LiveTrafficTab


@pytest.fixture
def endpoint(demo_workspace):
    model = demo_workspace.models_dir / "demo-churn-xgb" / "model.tar.gz"
    record = deploy_local(demo_workspace, "live-test", model, CaptureConfig(enable=True))
    yield record
    undeploy(demo_workspace, "live-test")


def _tab(qtbot, runner, workspace):
    tab = LiveTrafficTab(runner)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_workspace(workspace)
    qtbot.waitUntil(lambda: tab.endpoint.count() > 0, timeout=5000)
    return tab


def test_start_sends_traffic_and_charts_it_live(qtbot, runner, demo_workspace, endpoint):
    tab = _tab(qtbot, runner, demo_workspace)
    assert tab.endpoint.itemText(0) == "live-test"  # InService endpoints come first
    assert tab.dataset.text().endswith("churn-traffic.csv")  # the normal traffic first
    tab.rate.clear()
    qtbot.keyClicks(tab.rate, "200")
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.traffic is not None and tab.traffic.snapshot().sent >= 40,
                    timeout=20000)
    qtbot.waitUntil(lambda: tab.rps_plot.count >= 2, timeout=5000)
    qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.traffic is None, timeout=15000)
    assert tab.start_button.isEnabled() and not tab.stop_button.isEnabled()
    assert "errors 0" in tab.counters.text()
    _t, rates = tab.rps_plot.data(0)
    assert rates.max() > 0
    _t, p95 = tab.latency_plot.data(1)
    assert p95.max() > 0


def test_start_without_a_running_endpoint_is_refused_inline(qtbot, runner, demo_workspace):
    tab = _tab(qtbot, runner, demo_workspace)
    assert "OutOfService" in tab.endpoint.currentText()
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert tab.banner.level == "error" and "deploy it first" in tab.banner.text()


def test_capture_browser_pretty_prints_a_record(qtbot, runner, demo_workspace, qtmodeltester):
    tab = _tab(qtbot, runner, demo_workspace)
    assert tab.browser.files.rootPath().endswith("capture/demo-churn-xgb")  # the chosen endpoint's
    first = sorted(demo_workspace.capture_dir.rglob("*.jsonl"))[0]
    tab.browser.open_file(first)
    qtbot.waitUntil(lambda: tab.browser.records.rowCount() > 0, timeout=5000)
    assert "records" in tab.browser.file_label.text()
    qtmodeltester.check(tab.browser.records)
    assert tab.browser.proxy.record_at(0).line == 1  # file order until a header is clicked
    row = 2
    rect = tab.browser.table.visualRect(tab.browser.proxy.index(row, 0))
    qtbot.mouseClick(tab.browser.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    text = tab.browser.record_text.toPlainText()
    assert text.startswith("{\n  \"captureData\"")
    assert tab.browser.proxy.record_at(row).event_id in text
