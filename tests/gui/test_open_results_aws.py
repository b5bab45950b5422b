"""Open results from S3 in the executions tab when AWS is set up (a loopback AWS server)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gui.dialogs.open_results_dialog import OpenResultsDialog
from gui.tabs.executions_tab import ExecutionsTab
from tests.aws.conftest import aws_env, moto_url, settings  # noqa: F401 (fixtures)


def test_open_an_s3_report_folder(qtbot, runner, settings, samples, tmp_path,  # noqa: F811
                                  monkeypatch):
    from core.backends.aws.session import client
    from core.config import save_settings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    save_settings(settings)
    s3 = client(settings, "s3")
    folder = "monitor/reports/ep/sched/2021/12/01/10"
    quality = samples / "data-quality"
    for name, source in (("statistics.json", "churn-baseline-statistics.2021.first29features.json"),
                         ("constraint_violations.json",
                          "churn-execution-constraint_violations.2021-12-01.first10of60.json")):
        s3.put_object(Bucket=settings.bucket, Key=f"{folder}/{name}",
                      Body=(quality / source).read_bytes())
    tab = ExecutionsTab(runner)
    qtbot.addWidget(tab)
    tab.show()

    def fill():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, OpenResultsDialog)
        assert "s3://" in dialog.location.placeholderText()
        qtbot.keyClicks(dialog.location, f"s3://{settings.bucket}/{folder}")
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Open),
                         Qt.MouseButton.LeftButton)
    QTimer.singleShot(50, fill)
    qtbot.mouseClick(tab.open_results_button, Qt.MouseButton.LeftButton)
    view = tab.report.violations
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 or tab.banner.level == "error",
                    timeout=30000)
    assert tab.banner.level != "error", tab.banner.text()
    flagged = {r.feature for r in view.model.rows() if r.has_violation}
    assert "State_WV" in flagged and len(flagged) == 10
    assert tab.report.title.text().endswith(f"s3://{settings.bucket}/{folder}")
