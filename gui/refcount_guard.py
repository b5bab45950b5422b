"""Keep ``None``, ``True`` and ``False`` alive under PySide6 6.12 on CPython 3.11.

Those bindings drop one reference to ``None`` on every call of a ``void`` Qt method (and on
some returning bools); CPython 3.12+ makes these singletons immortal, 3.11 does not, so a
running app would abort with "deallocating None" after some ten thousand calls. We give the
three singletons a reference count no session can exhaust, which is what 3.12 does by design.
"""

from __future__ import annotations

import ctypes
import sys

# 2**40 dropped references would take decades of continuous painting.
BALLAST_REFERENCES = 1 << 40
_applied = False


def make_singletons_immortal() -> None:
    """Idempotent; a no-op where the interpreter already makes them immortal."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object in CPython's release builds.
        ctypes.c_ssize_t.from_address(id(singleton)).value += BALLAST_REFERENCES
    _applied = True
