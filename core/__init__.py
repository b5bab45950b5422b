"""Model Monitor engine: Qt-free, usable from the command line, the tests and the GUI."""

__version__ = "0.1.0"
