"""Child processes that never outlive the process that started them.

An execution runs in a worker process, and user scripts in children of that worker. If the
scheduler is killed (SIGKILL, a crash), nothing may keep running on its behalf: on Linux each
child asks the kernel to kill it when its parent dies; elsewhere it checks once at start.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def follow_parent() -> None:
    """Die with the parent process; exits at once if it has died already."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            log.debug("cannot ask to die with the parent; an orphan would finish its run")
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before the request
        os._exit(1)
