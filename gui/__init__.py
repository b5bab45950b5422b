"""The desktop front end: PySide6 + pyqtgraph over the Qt-free ``core``."""

from gui.refcount_guard import make_singletons_immortal

make_singletons_immortal()
