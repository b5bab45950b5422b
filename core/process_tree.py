"""Process trees that end as a whole: a child and every process it starts, however it starts them.

A user script may fork, ``setsid`` and double-fork, or leave ``nohup cmd &`` behind. Such a
grandchild is re-parented away from the script as soon as its own parent exits, so a plain
"kill the child and its group" misses it. Three things keep the tree findable:

- the process that starts scripts becomes a *subreaper* (Linux ``PR_SET_CHILD_SUBREAPER``):
  orphans below it are re-parented to it instead of to init, so they stay its descendants;
- it leads a session of its own, so on other POSIX systems its members can still be found
  by session id (a ``setsid`` grandchild escapes that, the subreaper does not);
- killing freezes first: every member is stopped (SIGSTOP) until a pass finds no new one, so
  nothing can fork or reap while the tree is taken down, then all get SIGKILL.

Enumeration goes through psutil, which also runs on Windows; there a Job Object with
KILL_ON_JOB_CLOSE would take the place of the session and the subreaper (``contain_self``).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import time

import psutil

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
_PR_SET_CHILD_SUBREAPER = 36
_FREEZE_ROUNDS = 50  # passes looking for members forked while the tree was being frozen
_POLL_S = 0.02


def contain_self() -> bool:
    """Make this process the root of a contained tree: a session of its own and, where the
    platform has one, a subreaper. Returns True when orphans are kept (the subreaper holds)."""
    if hasattr(os, "setsid"):
        try:
            os.setsid()
        except PermissionError:  # already a session leader
            pass
    return become_subreaper()


def become_subreaper() -> bool:
    """Adopt every orphan below this process (Linux); False where the platform has no such call."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def signal_on_parent_death(signum: int) -> bool:
    """Ask the kernel to send ``signum`` when the parent dies (Linux); False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def members(root: int) -> list[psutil.Process]:
    """``root``'s descendants, plus processes still in ``root``'s session when ``root`` leads
    one (they may have been re-parented to init on a platform without a subreaper)."""
    try:
        found = {p.pid: p for p in psutil.Process(root).children(recursive=True)}
    except psutil.Error:
        return []
    for process in _session_members(root):
        if process.pid != root:
            found.setdefault(process.pid, process)
    return list(found.values())


def kill_tree(root: int, *, include_root: bool = True, timeout_s: float = 5.0) -> int:
    """Freeze, then kill, every member of ``root``'s tree (and ``root`` unless told not to).

    With ``include_root`` False, ``root`` must be this process (a keeper cleaning up below
    itself); it reaps what it kills. Returns how many processes were killed.
    """
    try:
        top = psutil.Process(root)
    except psutil.NoSuchProcess:
        return 0
    if include_root:
        _send(top, signal.SIGSTOP)  # a stopped root neither forks nor reaps: orphans stay put
    frozen: dict[int, psutil.Process] = {}
    for _ in range(_FREEZE_ROUNDS):
        fresh = [p for p in members(root) if p.pid not in frozen and p.pid != os.getpid()]
        if not fresh:
            break
        for process in fresh:
            _send(process, signal.SIGSTOP)
            frozen[process.pid] = process
    victims = list(frozen.values()) + ([top] if include_root else [])
    for process in victims:
        _send(process, signal.SIGKILL)
    if include_root:
        _send(top, signal.SIGCONT)  # a stopped process takes SIGKILL, but be sure it runs on
    # the keeper reaps the orphans it adopted; a runner leaves its own child to whoever
    # started it (multiprocessing reaps in join(), and would hang on a stolen exit status)
    _wait_gone(victims, timeout_s, reap=not include_root)
    return len(victims)


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (dead, not yet reaped) is not running."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _session_members(root: int) -> list[psutil.Process]:
    if not hasattr(os, "getsid"):
        return []
    try:
        if os.getsid(root) != root:  # not a session leader: its session is someone else's
            return []
    except OSError:
        return []
    found = []
    for pid in psutil.pids():
        try:
            if os.getsid(pid) == root:
                found.append(psutil.Process(pid))
        except (OSError, psutil.Error):
            continue
    return found


def _send(process: psutil.Process, signum: int) -> None:
    try:
        process.send_signal(signum)
    except psutil.Error:
        pass


def _wait_gone(processes: list[psutil.Process], timeout_s: float, *, reap: bool) -> None:
    """Wait until every one of ``processes`` is dead or a zombie, reaping our own children
    when ``reap``."""
    deadline = time.monotonic() + timeout_s
    pending = list(processes)
    while pending:
        still = []
        for process in pending:
            if reap:
                try:
                    os.waitpid(process.pid, os.WNOHANG)
                except OSError:
                    pass  # not our child: its parent (or init) reaps it
            if _running(process):
                still.append(process)
        pending = still
        if not pending:
            return
        if time.monotonic() >= deadline:
            log.warning("processes %s still running after SIGKILL",
                        [p.pid for p in pending])
            return
        time.sleep(_POLL_S)
