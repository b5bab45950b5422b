"""The pinned Qt binding keeps Python's reference counts intact on this interpreter.

PySide6 6.12.0 drops one reference to ``None`` on every void Qt call under CPython 3.11, so a
running app aborts with "deallocating None" after a few hundred thousand calls. This guards the
pin in requirements.lock against an upgrade that brings the bug back.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel

CALLS = 2000


def test_void_qt_calls_do_not_leak_or_steal_references(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = {name: sys.getrefcount(obj) for name, obj in
              (("None", None), ("True", True), ("False", False))}
    for i in range(CALLS):
        label.setText("x")
        label.setEnabled(i % 2 == 0)
        label.data = label.text()
    after = {name: sys.getrefcount(obj) for name, obj in
             (("None", None), ("True", True), ("False", False))}
    for name in before:
        # A few references come and go with the interpreter; a broken binding moves by CALLS.
        assert abs(after[name] - before[name]) < CALLS // 10, (name, before[name], after[name])
