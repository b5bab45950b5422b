"""The deployment tab against the demo workspace: a real endpoint is deployed and undeployed."""

from __future__ import annotations

import urllib.error
import urllib.request

from PySide6.QtCore import Qt

from gui.tabs.deployment_tab import DeploymentTab


def _tab(qtbot, runner, workspace):
    tab = DeploymentTab(runner)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_workspace(workspace)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    return tab


def test_lists_the_demo_endpoint_and_fills_the_form(qtbot, runner, demo_workspace, qtmodeltester):
    tab = _tab(qtbot, runner, demo_workspace)
    qtmodeltester.check(tab.model)
    assert tab.proxy.index(0, 0).data() == "demo-churn-xgb"
    assert tab.proxy.index(0, 1).data() == "OutOfService"
    assert tab.proxy.index(0, 4).data() == "100% request+response"
    rect = tab.table.visualRect(tab.proxy.index(0, 0))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.name_edit.text() == "demo-churn-xgb"
    assert tab.model_edit.text().endswith("model.tar.gz")
    assert tab.capture_enabled.isChecked()


def test_invalid_name_is_refused_inline(qtbot, runner, demo_workspace):
    tab = _tab(qtbot, runner, demo_workspace)
    qtbot.keyClicks(tab.name_edit, "bad_name!")
    assert tab.name_hint.text() == "invalid name"
    qtbot.mouseClick(tab.deploy_button, Qt.MouseButton.LeftButton)
    assert tab.banner.level == "error"
    assert "not valid" in tab.banner.text()
    assert not tab.progress.busy


def test_deploy_then_undeploy_a_real_endpoint(qtbot, runner, demo_workspace):
    tab = _tab(qtbot, runner, demo_workspace)
    model = str(demo_workspace.models_dir / "demo-churn-xgb" / "model.tar.gz")
    qtbot.keyClicks(tab.model_edit, model)
    qtbot.keyClicks(tab.name_edit, "gui-test-ep")
    tab.sampling.setValue(50.0)
    with qtbot.waitSignal(tab.endpoints_changed, timeout=60000):
        qtbot.mouseClick(tab.deploy_button, Qt.MouseButton.LeftButton)
    assert "InService" in tab.banner.text(), tab.banner.text()
    record = demo_workspace.get_endpoint("gui-test-ep")
    assert record.capture_config["sampling_percentage"] == 50.0
    with urllib.request.urlopen(record.url + "/ping", timeout=5) as reply:
        assert reply.status == 200
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=5000)
    row = next(r for r in range(tab.proxy.rowCount()) if tab.proxy.record_at(r).name == "gui-test-ep")
    rect = tab.table.visualRect(tab.proxy.index(row, 0))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.undeploy_button.isEnabled()
    with qtbot.waitSignal(tab.endpoints_changed, timeout=60000):
        qtbot.mouseClick(tab.undeploy_button, Qt.MouseButton.LeftButton)
    assert demo_workspace.get_endpoint("gui-test-ep").status == "Deleted"


def test_unwritable_capture_shows_degraded_with_counts_and_modes(qtbot, runner, demo_workspace,
                                                                tmp_path):
    tab = _tab(qtbot, runner, demo_workspace)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the capture folder should be")
    qtbot.keyClicks(tab.model_edit,
                    str(demo_workspace.models_dir / "demo-churn-xgb" / "model.tar.gz"))
    qtbot.keyClicks(tab.name_edit, "gui-degraded")
    qtbot.keyClicks(tab.destination, str(blocker / "capture"))
    tab.synchronous.setChecked(True)
    tab.refuse_when_failing.setChecked(True)
    try:
        with qtbot.waitSignal(tab.endpoints_changed, timeout=60000):
            qtbot.mouseClick(tab.deploy_button, Qt.MouseButton.LeftButton)
        assert tab.banner.level == "warning" and "Degraded" in tab.banner.text()
        record = demo_workspace.get_endpoint("gui-degraded")
        assert record.capture_config["synchronous"] is True
        assert record.capture_config["refuse_when_failing"] is True
        request = urllib.request.Request(record.url + "/invocations", data=b"1," * 68 + b"1",
                                         headers={"Content-Type": "text/csv"})
        try:
            urllib.request.urlopen(request, timeout=5)
            raise AssertionError("a request was answered while capture fails")
        except urllib.error.HTTPError as error:
            assert error.code == 503
        from core.serving.lifecycle import capture_health

        qtbot.waitUntil(lambda: capture_health(demo_workspace, "gui-degraded")["refused"] == 1,
                        timeout=10000)  # the server notes its counts every second
        tab.refresh()

        def row():
            for r in range(tab.proxy.rowCount()):
                if tab.proxy.index(r, 0).data() == "gui-degraded":
                    return r
            return None

        qtbot.waitUntil(lambda: row() is not None and "refused 1" in (tab.proxy.index(
            row(), 5).data(Qt.ItemDataRole.ToolTipRole) or ""), timeout=10000)
        assert tab.proxy.index(row(), 1).data() == "Degraded"
        assert "sync, refuse" in tab.proxy.index(row(), 4).data()
        assert tab.proxy.index(row(), 6).data() == "0"  # captured
    finally:
        from core.serving.lifecycle import undeploy

        undeploy(demo_workspace, "gui-degraded")
