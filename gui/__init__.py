"""The desktop front end: PySide6 + pyqtgraph over the Qt-free ``core``."""
