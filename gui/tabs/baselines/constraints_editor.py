"""Edit a baseline's constraints: the monitoring config (checks on/off, thresholds, comparison
methods) and, per feature, completeness, domains and overrides. Emits ``save_requested`` with
the validated document; writing it is the tab's job."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from core.errors import AppError
from gui.tabs.baselines import constraints_edit as ce
from gui.widgets.record_table import ALIGN_RIGHT, Column, RecordFilterProxy, RecordTableModel

INHERIT = -0.01  # spin box value meaning "no override": shown as "inherit"

COLUMNS = (
    Column("feature", lambda r: r.feature),
    Column("type", lambda r: r.inferred_type),
    Column("completeness", lambda r: r.completeness, ALIGN_RIGHT,
           lambda v: "" if math.isnan(v) else f"{v:g}"),
    Column("non-negative", lambda r: r.non_negative),
    Column("domains", lambda r: len(r.domains) or None, ALIGN_RIGHT,
           lambda v: "" if v is None else str(v), tooltip=lambda r: ", ".join(r.domains) or None),
    Column("checks", lambda r: "on" if r.checks_enabled else "off",
           background=lambda r: None if r.checks_enabled else "#eeeeee"),
    Column("overrides", lambda r: r.overrides),
)


def _spin(minimum: float = 0.0, inherit: bool = False) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(3)
    spin.setSingleStep(0.01)
    spin.setRange(INHERIT if inherit else minimum, 1.0)
    if inherit:
        spin.setSpecialValueText("inherit")
    return spin


class ConstraintsEditor(QWidget):
    """``set_document(doc)``; Save emits ``save_requested(doc)`` after validation."""

    save_requested = Signal(dict)
    problem = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._original: dict = {}
        self.doc: dict = {}
        self._build_ui()
        self._connect_signals()
        self._set_feature_editor_enabled(False)

    def _build_ui(self) -> None:
        global_box = self._build_global_box()
        self.model = RecordTableModel(COLUMNS, self)
        self.proxy = RecordFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(0)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter features…")
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # document order
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self._build_feature_box()
        self.save_button = QPushButton("Save constraints.json")
        self.save_button.setShortcut("Ctrl+S")
        self.revert_button = QPushButton("Revert")
        self.dirty_label = QLabel()
        middle = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.filter_edit)
        left.addWidget(self.table, 1)
        middle.addLayout(left, 3)
        middle.addWidget(self.feature_box, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.dirty_label, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(global_box)
        layout.addLayout(middle, 1)
        layout.addLayout(buttons)

    def _build_global_box(self) -> QGroupBox:
        self.evaluate = QCheckBox("Evaluate constraints")
        self.emit_metrics = QCheckBox("Emit metrics")
        self.compare = QCheckBox("Compare distributions (drift)")
        self.datatype_threshold, self.domain_threshold = _spin(), _spin()
        self.comparison_threshold, self.categorical_threshold = _spin(), _spin()
        self.method = QComboBox()
        self.method.addItems(ce.NUMERIC_METHODS)
        self.categorical_method = QComboBox()
        self.categorical_method.addItems(ce.CATEGORICAL_METHODS)
        grid = QGridLayout()
        rows = ((self.evaluate, "Data type threshold", self.datatype_threshold),
                (self.emit_metrics, "Domain content threshold", self.domain_threshold),
                (self.compare, "Numeric drift threshold", self.comparison_threshold),
                (QLabel(""), "Categorical drift threshold", self.categorical_threshold))
        for i, (box, label, spin) in enumerate(rows):
            grid.addWidget(box, i, 0)
            grid.addWidget(QLabel(label), i, 1)
            grid.addWidget(spin, i, 2)
        grid.addWidget(QLabel("Numeric method"), 0, 3)
        grid.addWidget(self.method, 0, 4)
        grid.addWidget(QLabel("Categorical method"), 1, 3)
        grid.addWidget(self.categorical_method, 1, 4)
        global_box = QGroupBox("Monitoring config (all features)")
        global_box.setLayout(grid)
        return global_box

    def _build_feature_box(self) -> None:
        self.feature_label = QLabel("Select a feature to edit it.")
        self.completeness = _spin()
        self.domains = QLineEdit()
        self.domains.setPlaceholderText("comma-separated values (String features)")
        self.feature_checks = QCheckBox("Evaluate this feature")
        self.feature_threshold = _spin(inherit=True)
        self.feature_method = QComboBox()
        self.apply_button = QPushButton("Apply to feature")
        feature_form = QFormLayout()
        feature_form.addRow(self.feature_label)
        feature_form.addRow("Completeness:", self.completeness)
        feature_form.addRow("Domains:", self.domains)
        feature_form.addRow("", self.feature_checks)
        feature_form.addRow("Drift threshold:", self.feature_threshold)
        feature_form.addRow("Drift method:", self.feature_method)
        feature_form.addRow("", self.apply_button)
        self.feature_box = QGroupBox("Feature")
        self.feature_box.setLayout(feature_form)

    def _connect_signals(self) -> None:
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.apply_button.clicked.connect(self._on_apply_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.revert_button.clicked.connect(lambda: self.set_document(self._original))
        for box in (self.evaluate, self.emit_metrics, self.compare):
            box.toggled.connect(self._on_global_changed)
        for spin in (self.datatype_threshold, self.domain_threshold, self.comparison_threshold,
                     self.categorical_threshold):
            spin.valueChanged.connect(self._on_global_changed)
        for combo in (self.method, self.categorical_method):
            combo.currentIndexChanged.connect(self._on_global_changed)

    def set_document(self, doc: dict) -> None:
        self._original, self.doc = doc, doc
        config = doc.get("monitoring_config") or {}
        dist = config.get("distribution_constraints") or {}
        widgets = (self.evaluate, self.emit_metrics, self.compare, self.datatype_threshold,
                   self.domain_threshold, self.comparison_threshold, self.categorical_threshold,
                   self.method, self.categorical_method)
        for w in widgets:
            w.blockSignals(True)
        self.evaluate.setChecked(config.get("evaluate_constraints", ce.ENABLED) == ce.ENABLED)
        self.emit_metrics.setChecked(config.get("emit_metrics", ce.ENABLED) == ce.ENABLED)
        self.compare.setChecked(dist.get("perform_comparison", ce.ENABLED) == ce.ENABLED)
        self.datatype_threshold.setValue(float(config.get("datatype_check_threshold", 1.0)))
        self.domain_threshold.setValue(float(config.get("domain_content_threshold", 1.0)))
        threshold = float(dist.get("comparison_threshold", 0.1))
        self.comparison_threshold.setValue(threshold)
        self.categorical_threshold.setValue(float(dist.get("categorical_comparison_threshold",
                                                           threshold)))
        self.method.setCurrentText(dist.get("comparison_method", "Robust"))
        self.categorical_method.setCurrentText(dist.get("categorical_drift_method", "LInfinity"))
        for w in widgets:
            w.blockSignals(False)
        self._show_rows()

    def _show_rows(self) -> None:
        self.model.set_rows(ce.constraint_rows(self.doc))
        self.dirty_label.setText("Unsaved changes." if self.doc is not self._original else "")

    def _config_from_widgets(self) -> dict:
        config = dict(self.doc.get("monitoring_config") or {})
        on = lambda box: ce.ENABLED if box.isChecked() else ce.DISABLED  # noqa: E731
        config.update(evaluate_constraints=on(self.evaluate), emit_metrics=on(self.emit_metrics),
                      datatype_check_threshold=self.datatype_threshold.value(),
                      domain_content_threshold=self.domain_threshold.value())
        dist = dict(config.get("distribution_constraints") or {})
        dist.update(perform_comparison=on(self.compare),
                    comparison_threshold=self.comparison_threshold.value(),
                    comparison_method=self.method.currentText(),
                    categorical_comparison_threshold=self.categorical_threshold.value(),
                    categorical_drift_method=self.categorical_method.currentText())
        config["distribution_constraints"] = dist
        return config

    def _on_global_changed(self, *_args) -> None:
        try:
            self.doc = ce.with_monitoring_config(self.doc, self._config_from_widgets())
        except AppError as error:
            self.problem.emit(str(error))
        self._show_rows()

    def selected_feature(self) -> str | None:
        index = self.table.currentIndex()
        return self.proxy.record_at(index.row()).feature if index.isValid() else None

    def _set_feature_editor_enabled(self, on: bool) -> None:
        for w in (self.completeness, self.domains, self.feature_checks, self.feature_threshold,
                  self.feature_method, self.apply_button):
            w.setEnabled(on)

    def _on_table_current_changed(self, current, _previous) -> None:
        if not current.isValid():
            self._set_feature_editor_enabled(False)
            return
        row = self.proxy.record_at(current.row())
        feature = next(f for f in self.doc.get("features", []) if f.get("name") == row.feature)
        over = feature.get(ce.OVERRIDES) or {}
        dist = over.get("distribution_constraints") or {}
        is_string = row.inferred_type == "String"
        self._set_feature_editor_enabled(True)
        self.feature_label.setText(f"<b>{row.feature}</b> ({row.inferred_type})")
        self.completeness.setValue(0.0 if math.isnan(row.completeness) else row.completeness)
        self.domains.setEnabled(is_string)
        self.domains.setText(", ".join(row.domains))
        self.feature_checks.setChecked(row.checks_enabled)
        key = "categorical_comparison_threshold" if is_string else "comparison_threshold"
        self.feature_threshold.setValue(float(dist.get(key, INHERIT)))
        self.feature_method.clear()
        self.feature_method.addItems(["inherit", *(ce.CATEGORICAL_METHODS if is_string
                                                   else ce.NUMERIC_METHODS)])
        method_key = "categorical_drift_method" if is_string else "comparison_method"
        self.feature_method.setCurrentText(dist.get(method_key, "inherit"))

    def _feature_overrides(self, is_string: bool) -> dict:
        overrides: dict = {}
        if not self.feature_checks.isChecked():
            overrides["evaluate_constraints"] = ce.DISABLED
        dist = {}
        if self.feature_threshold.value() > INHERIT:
            key = "categorical_comparison_threshold" if is_string else "comparison_threshold"
            dist[key] = self.feature_threshold.value()
        if self.feature_method.currentText() != "inherit":
            key = "categorical_drift_method" if is_string else "comparison_method"
            dist[key] = self.feature_method.currentText()
        if dist:
            overrides["distribution_constraints"] = dist
        return overrides

    def _on_apply_clicked(self) -> None:
        name = self.selected_feature()
        if name is None:
            return
        feature = next(f for f in self.doc["features"] if f.get("name") == name)
        is_string = feature.get("inferred_type") == "String"
        try:
            self.doc = ce.with_feature(
                self.doc, name, completeness=self.completeness.value(),
                domains=self.domains.text().split(",") if is_string else None,
                overrides=self._feature_overrides(is_string))
        except AppError as error:
            self.problem.emit(str(error))
            return
        self._show_rows()
        self._reselect(name)

    def _reselect(self, name: str) -> None:
        for row in range(self.proxy.rowCount()):
            if self.proxy.record_at(row).feature == name:
                self.table.selectRow(row)
                return

    def _on_save_clicked(self) -> None:
        try:
            ce.with_monitoring_config(self.doc, self.doc.get("monitoring_config") or {})
        except AppError as error:
            self.problem.emit(str(error))
            return
        self.save_requested.emit(self.doc)

    def mark_saved(self, doc: dict) -> None:
        self._original = self.doc = doc
        self._show_rows()
