"""An inline info/warning/error banner a tab shows above its content (hidden when empty)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

_STYLES = {
    "info": "background:#e8f1fb; border:1px solid #9cc2ea; color:#17406b;",
    "warning": "background:#fff7dc; border:1px solid #e6c35c; color:#5c4500;",
    "error": "background:#fde8e8; border:1px solid #e39a9a; color:#7a1c1c;",
}


class StatusBanner(QFrame):
    """One message at a time; ``clear()`` hides it. Expected problems go here, not in dialogs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = ""
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._close = QToolButton()
        self._close.setText("✕")
        self._close.setAutoRaise(True)
        self._close.setToolTip("Dismiss")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._close, 0, Qt.AlignmentFlag.AlignTop)
        self._close.clicked.connect(self.clear)
        self.hide()

    def text(self) -> str:
        return self._label.text() if self.level else ""

    def show_info(self, text: str) -> None:
        self._show("info", text)

    def show_warning(self, text: str) -> None:
        self._show("warning", text)

    def show_error(self, text: str) -> None:
        self._show("error", text)

    def clear(self) -> None:
        self.level = ""
        self._label.clear()
        self.hide()

    def _show(self, level: str, text: str) -> None:
        self.level = level
        self.setStyleSheet(f"StatusBanner {{ {_STYLES[level]} border-radius:3px; }}")
        self._label.setText(text)
        self.show()
