"""Desktop notifications for alert rules that ask for them: a system-tray message where the
desktop has a tray, and the status bar always (an offscreen or tray-less session still sees it).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from gui.resources import app_icon

MESSAGE_MS = 10000


class DesktopNotifier(QObject):
    """``notify(title, text)``; ``shown`` fires with what was shown, wherever it was shown."""

    shown = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(app_icon(), self)
            self._tray.setToolTip("Model Monitor Desktop")
            self._tray.show()

    @property
    def has_tray(self) -> bool:
        return self._tray is not None

    def notify(self, title: str, text: str) -> None:
        if self._tray is not None:
            self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, MESSAGE_MS)
        self.shown.emit(title, text)
