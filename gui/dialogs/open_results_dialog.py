"""Choose monitoring results to open: a SageMaker output folder or its JSON files (and, when
the AWS backend is configured, an S3 URI or a processing job ARN), plus baseline statistics."""

from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

REMOTE_PREFIXES = ("s3://", "arn:")


class OpenResultsDialog(QDialog):
    """``locations()`` and ``baseline()`` hold the choice after ``exec()`` accepts."""

    def __init__(self, start_dir: str = "", remote: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start_dir = start_dir
        self._remote = remote
        self.setWindowTitle("Open results")
        self.setMinimumWidth(640)
        self._build_ui()
        self._connect_signals()
        self._on_location_changed()

    def _build_ui(self) -> None:
        self.location = QLineEdit()
        hint = "Folder or JSON files (separated by ;)"
        if self._remote:
            hint += ", an s3:// URI or a processing job ARN"
        self.location.setPlaceholderText(hint)
        self.folder_button = QPushButton("Folder…")
        self.files_button = QPushButton("Files…")
        row = QHBoxLayout()
        row.addWidget(self.location, 1)
        row.addWidget(self.folder_button)
        row.addWidget(self.files_button)
        self.baseline_edit = QLineEdit()
        self.baseline_edit.setPlaceholderText("optional: the baseline's statistics.json")
        self.baseline_button = QPushButton("Browse…")
        base_row = QHBoxLayout()
        base_row.addWidget(self.baseline_edit, 1)
        base_row.addWidget(self.baseline_button)
        form = QFormLayout()
        form.addRow("Results:", row)
        form.addRow("Baseline statistics:", base_row)
        note = QLabel("statistics.json, constraint_violations.json and constraints.json are "
                      "recognised by their content; a statistics file named …baseline… is "
                      "taken as the baseline.")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.folder_button.clicked.connect(self._on_folder_button_clicked)
        self.files_button.clicked.connect(self._on_files_button_clicked)
        self.baseline_button.clicked.connect(self._on_baseline_button_clicked)
        self.location.textChanged.connect(self._on_location_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def locations(self) -> list[str]:
        return [part.strip() for part in self.location.text().split(";") if part.strip()]

    def baseline(self) -> str | None:
        return self.baseline_edit.text().strip() or None

    def is_remote(self) -> bool:
        return any(loc.startswith(REMOTE_PREFIXES) for loc in self.locations())

    def _on_location_changed(self, *_args) -> None:
        ok = bool(self.locations()) and (self._remote or not self.is_remote())
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(ok)

    def _on_folder_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Results folder", self._start_dir)
        if folder:
            self.location.setText(folder)

    def _on_files_button_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Result files", self._start_dir,
                                                "JSON (*.json);;All files (*)")
        if files:
            self.location.setText("; ".join(files))

    def _on_baseline_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Baseline statistics", self._start_dir,
                                              "JSON (*.json);;All files (*)")
        if path:
            self.baseline_edit.setText(path)
