"""Showing failures to the user: expected ones as a warning, bugs with their traceback."""

from __future__ import annotations

import logging
import sys
import traceback

from PySide6.QtWidgets import QMessageBox, QWidget

from core.errors import AppError, Cancelled

log = logging.getLogger(__name__)
_dialog_open = False


def show_error(parent: QWidget | None, error: BaseException) -> None:
    """One dialog for one failure; a cancelled job is silent."""
    global _dialog_open
    if isinstance(error, Cancelled):
        return
    if _dialog_open:  # a failing timer must not open a box per tick
        log.error("suppressed while another error is shown: %s", error)
        return
    _dialog_open = True
    try:
        box = QMessageBox(parent)
        if isinstance(error, AppError):
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("Problem")
            box.setText(str(error))
        else:
            details = "".join(traceback.format_exception(error))
            log.error("unexpected error\n%s", details)
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle("Unexpected error")
            box.setText(f"Something went wrong: {error}")
            box.setDetailedText(details)
        box.exec()
    finally:
        _dialog_open = False


def install_excepthook() -> None:
    """Route uncaught exceptions (e.g. in slots) to :func:`show_error` instead of aborting."""

    def hook(exc_type, exc, tb):
        log.error("uncaught exception", exc_info=(exc_type, exc, tb))
        show_error(None, exc)

    sys.excepthook = hook
