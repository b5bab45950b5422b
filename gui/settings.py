"""Remembered UI state (geometry, last tab, last workspace) over ``QSettings`` with defaults.

Domain configuration lives in ``core``; only view state and recent paths are kept here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings

_DEFAULTS: dict[str, Any] = {
    "window/geometry": QByteArray(),
    "window/state": QByteArray(),
    "window/tab": 0,
    "workspace/last": "",
    "results/last_dir": "",
    "report/last_file": "",
    "baselines/last_dataset": "",
    "traffic/rate": 20.0,
    "traffic/concurrency": 2,
}


class Settings:
    """Typed access to the app's ``QSettings``; unknown keys raise ``KeyError``."""

    def __init__(self, path: str | None = None) -> None:
        # A QSettings per call, not one kept alive: a parentless QObject held by a widget could
        # otherwise be garbage-collected on a worker thread, which Qt does not survive.
        self._path = path

    def _qs(self) -> QSettings:
        if self._path:
            return QSettings(self._path, QSettings.Format.IniFormat)
        return QSettings()

    def value(self, key: str) -> Any:
        default = self._default(key)
        raw = self._qs().value(key, default)
        if raw is None:
            return default
        if isinstance(default, bool):
            return raw in (True, "true", "1", 1)
        if isinstance(default, int):
            try:
                return int(raw)
            except (TypeError, ValueError):
                return default
        if isinstance(default, float):
            try:
                return float(raw)
            except (TypeError, ValueError):
                return default
        if isinstance(default, QByteArray):
            return raw if isinstance(raw, QByteArray) else default
        return str(raw)

    def set_value(self, key: str, value: Any) -> None:
        self._default(key)
        self._qs().setValue(key, value)

    def sync(self) -> None:
        self._qs().sync()

    @staticmethod
    def _default(key: str) -> Any:
        if key not in _DEFAULTS:
            raise KeyError(f"unknown setting {key!r}")
        return _DEFAULTS[key]
