"""The frozen app's entry point: main.py's ``main()``, after the multiprocessing child check.

A frozen build has no separate Python to spawn, so multiprocessing starts the app's own
executable with ``--multiprocessing-fork`` (or ``-c`` for its resource tracker).
PyInstaller's ``freeze_support()`` recognises those, runs the child's code and exits, so a
worker never opens a window. It must be called from the script that is ``__main__``, which
is why this file, and not main.py, is what PyInstaller freezes.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from main import main

    sys.exit(main())
