"""Child processes that never outlive the process that started them, nor let theirs outlive them.

An execution runs in a worker process, and user scripts in children of that worker. If the
scheduler is killed (SIGKILL, a crash), nothing may keep running on its behalf: on Linux each
child asks the kernel to kill it when its parent dies; elsewhere it checks once at start.

A user script runs under a *keeper* (``run_contained``): the spawned child makes itself the
root of a contained tree (own session, subreaper; see ``core.process_tree``), forks, and runs
the script in the forked process with its memory limit. Whatever way the script ends (returns,
raises, ``os._exit``, a crash), the keeper kills every process the script left behind before it
exits itself; if the runner dies first, the keeper is told by the kernel and does the same.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable

from core import process_tree

log = logging.getLogger(__name__)

SIGNAL_EXIT_BASE = 128  # the keeper exits 128 + N when the script was killed by signal N


def follow_parent() -> None:
    """Die with the parent process; exits at once if it has died already."""
    if not process_tree.signal_on_parent_death(signal.SIGKILL):
        log.debug("cannot ask to die with the parent; an orphan would finish its run")
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before the request
        os._exit(1)


def run_contained(body: Callable[..., None], args: tuple, *,
                  memory_limit_bytes: int | None) -> None:
    """Run ``body(*args)`` in a forked process under this one, as the keeper of its tree.

    Called as the target of a spawned ``multiprocessing.Process``; ends the process with the
    script's exit code (``SIGNAL_EXIT_BASE + N`` when signal N killed it).
    """
    if not hasattr(os, "fork"):  # no fork: run in place (a Job Object would contain it)
        follow_parent()
        limit_memory(memory_limit_bytes)
        body(*args)
        return
    process_tree.contain_self()
    parent = multiprocessing.parent_process()
    signal.signal(signal.SIGTERM, _clean_up_and_exit)
    if not process_tree.signal_on_parent_death(signal.SIGTERM):
        log.debug("cannot ask to hear of the runner's death")
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)
    pid = os.fork()
    if pid == 0:
        os._exit(_run_script(body, args, memory_limit_bytes))
    code = _wait_exit_code(pid)
    process_tree.kill_tree(os.getpid(), include_root=False)  # what the script left running
    os._exit(code)


def limit_memory(limit_bytes: int | None) -> None:
    """Cap this process's address space (RLIMIT_AS); its children inherit the cap."""
    if not limit_bytes:
        return
    try:
        import resource
    except ImportError:  # Windows: a Job Object's memory limit would go here
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _run_script(body: Callable[..., None], args: tuple, memory_limit_bytes: int | None) -> int:
    """The forked script process: dies with the keeper, runs ``body`` within the memory cap."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        process_tree.signal_on_parent_death(signal.SIGKILL)
        limit_memory(memory_limit_bytes)
        body(*args)
        return 0
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001 (body reports the user's errors itself; this is ours)
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _wait_exit_code(pid: int) -> int:
    """Wait for the script, reaping on the way every orphan that was adopted and died (a
    script that keeps forking and exiting would otherwise fill the process table)."""
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 1
        if done != pid:
            continue
        if os.WIFSIGNALED(status):
            return SIGNAL_EXIT_BASE + os.WTERMSIG(status)
        if os.WIFEXITED(status):
            return os.WEXITSTATUS(status)


def _clean_up_and_exit(signum, frame) -> None:
    """The runner died (or asked us to stop): take the whole tree down, then leave."""
    process_tree.kill_tree(os.getpid(), include_root=False)
    os._exit(SIGNAL_EXIT_BASE + signum)
