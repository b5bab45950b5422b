"""Create or edit a monitoring schedule: endpoint, baseline, a cron helper that shows the next
five run times, the analysis window and optional pre/post-processing scripts. Validation comes
from ``core.formats.cron``; the dialog only shows its verdict."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from core.errors import AppError
from core.names import is_valid_name, validate_name
from core.formats.cron import CronExpressionGenerator, next_runs, parse_expression, validate_window

PRESETS = ("Hourly", "Daily at hour", "Every N hours", "Every N minutes", "Now (once)", "Custom")
NEXT_RUNS = 5


class ScheduleDialog(QDialog):
    """``values()`` returns the fields of a ``ScheduleRecord`` after ``exec()`` accepts."""

    def __init__(self, endpoints: list[str], baselines: list, existing=None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._baselines = {b.name: b for b in baselines}
        self._existing = existing
        self.setWindowTitle("Edit schedule" if existing else "New schedule")
        self.setMinimumWidth(560)
        self._build_ui(endpoints)
        self._connect_signals()
        if existing is not None:
            self._load(existing)
        self._on_preset_changed()

    def _build_ui(self, endpoints: list[str]) -> None:
        self.name = QLineEdit()
        self.endpoint = QComboBox()
        self.endpoint.addItems(endpoints)
        self.baseline = QComboBox()
        self.baseline.addItems(list(self._baselines))
        self.preset = QComboBox()
        self.preset.addItems(PRESETS)
        self.number = QSpinBox()
        self.number.setRange(0, 59)
        self.expression = QLineEdit(CronExpressionGenerator.hourly())
        self.next_runs = QLabel()
        self.next_runs.setWordWrap(True)
        self.window_start = QLineEdit("-PT1H")
        self.window_end = QLineEdit("-PT0H")
        self.preprocessor = QLineEdit()
        self.postprocessor = QLineEdit()
        self.pre_browse, self.post_browse = QPushButton("Browse…"), QPushButton("Browse…")
        self.error = QLabel()
        self.error.setStyleSheet("color:#a01c1c;")
        self.error.setWordWrap(True)
        cron_row = QHBoxLayout()
        cron_row.addWidget(self.preset)
        cron_row.addWidget(self.number)
        cron_row.addWidget(self.expression, 1)
        window_row = QHBoxLayout()
        window_row.addWidget(QLabel("from"))
        window_row.addWidget(self.window_start)
        window_row.addWidget(QLabel("to"))
        window_row.addWidget(self.window_end)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Endpoint:", self.endpoint)
        form.addRow("Baseline:", self.baseline)
        form.addRow("Schedule:", cron_row)
        form.addRow("Next runs (UTC):", self.next_runs)
        form.addRow("Analysis window:", window_row)
        form.addRow("Preprocessor:", self._pair(self.preprocessor, self.pre_browse))
        form.addRow("Postprocessor:", self._pair(self.postprocessor, self.post_browse))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    @staticmethod
    def _pair(edit: QLineEdit, button: QPushButton) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        row.addWidget(button)
        return holder

    def _connect_signals(self) -> None:
        self.preset.currentIndexChanged.connect(self._on_preset_changed)
        self.number.valueChanged.connect(self._on_preset_changed)
        self.expression.textChanged.connect(self._on_inputs_changed)
        for edit in (self.name, self.window_start, self.window_end):
            edit.textChanged.connect(self._on_inputs_changed)
        self.pre_browse.clicked.connect(lambda: self._browse(self.preprocessor))
        self.post_browse.clicked.connect(lambda: self._browse(self.postprocessor))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _load(self, rec) -> None:
        self.name.setText(rec.name)
        self.name.setReadOnly(True)
        self.endpoint.setCurrentText(rec.endpoint)
        self.baseline.setCurrentText(rec.baseline)
        self.preset.setCurrentText("Custom")
        self.expression.setText(rec.expression)
        self.window_start.setText(rec.window_start)
        self.window_end.setText(rec.window_end)
        self.preprocessor.setText(rec.preprocessor_path)
        self.postprocessor.setText(rec.postprocessor_path)

    def values(self) -> dict:
        base = self._baselines.get(self.baseline.currentText())
        return {"name": self.name.text().strip(), "endpoint": self.endpoint.currentText(),
                "expression": self.expression.text().strip(),
                "baseline": base.name if base else "",
                "statistics_path": base.statistics_path if base else "",
                "constraints_path": base.constraints_path if base else "",
                "window_start": self.window_start.text().strip(),
                "window_end": self.window_end.text().strip(),
                "preprocessor_path": self.preprocessor.text().strip(),
                "postprocessor_path": self.postprocessor.text().strip()}

    def _on_preset_changed(self, *_args) -> None:
        preset, n = self.preset.currentText(), self.number.value()
        self.number.setVisible(preset in ("Daily at hour", "Every N hours", "Every N minutes"))
        self.number.setRange(*{"Daily at hour": (0, 23), "Every N hours": (1, 24),
                               "Every N minutes": (1, 59)}.get(preset, (0, 59)))
        n = self.number.value()
        text = {"Hourly": CronExpressionGenerator.hourly,
                "Daily at hour": lambda: CronExpressionGenerator.daily(n),
                "Every N hours": lambda: CronExpressionGenerator.daily_every_x_hours(n),
                "Every N minutes": lambda: CronExpressionGenerator.every_x_minutes(n),
                "Now (once)": CronExpressionGenerator.now}.get(preset)
        self.expression.setReadOnly(text is not None)
        if text is not None:
            self.expression.setText(text())
        self._on_inputs_changed()

    def _on_inputs_changed(self, *_args) -> None:
        problem = ""
        try:
            expression = parse_expression(self.expression.text().strip())
            runs = next_runs(expression, datetime.now(UTC), NEXT_RUNS)
            self.next_runs.setText("once, as soon as it is saved" if expression.is_now else
                                   "\n".join(f"{t:%Y-%m-%d %H:%M} UTC" for t in runs))
            validate_window(self.window_start.text().strip(), self.window_end.text().strip())
        except AppError as error:
            problem = str(error)
            if "expression" in problem.lower() or "cron" in problem.lower():
                self.next_runs.setText("—")
        if not problem and not self.name.text().strip():
            problem = "Give the schedule a name."
        if not problem and not is_valid_name(self.name.text().strip()):
            try:
                validate_name(self.name.text().strip(), "schedule")
            except AppError as error:
                problem = str(error)
        if not problem and (not self.endpoint.currentText() or not self.baseline.currentText()):
            problem = "Choose an endpoint and a baseline (create them first)."
        self.error.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problem)

    def _browse(self, edit: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Python script", "", "Python (*.py)")
        if path:
            edit.setText(path)
