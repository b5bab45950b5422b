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
_PROC_CHILDREN = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


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


def members(root: int) -> list[int]:
    """The pids of ``root``'s descendants, plus processes still in ``root``'s session when
    ``root`` leads one (they may have been re-parented to init where there is no subreaper)."""
    found: list[int] = []
    stack = [root]
    while stack:
        for child in _child_pids(stack.pop()):
            if child not in found:
                found.append(child)
                stack.append(child)
    found += [pid for pid in _session_pids(root) if pid != root and pid not in found]
    return found


def kill_tree(root: int, *, include_root: bool = True, timeout_s: float = 5.0) -> int:
    """Freeze, then kill, every member of ``root``'s tree (and ``root`` unless told not to).

    Each member is stopped the moment it is found, so one that keeps forking and exiting
    (a new pid every few ms) cannot stay ahead of the search. With ``include_root`` False,
    ``root`` must be this process (a keeper cleaning up below itself); it reaps what it kills.
    Returns how many processes were killed.
    """
    if not hasattr(signal, "SIGSTOP"):  # Windows: no freezing (a Job Object would go here)
        return _kill_found(root, include_root=include_root, timeout_s=timeout_s)
    me = os.getpid()
    if include_root and not _send(root, signal.SIGSTOP):
        return 0  # a stopped root neither forks nor reaps: orphans stay below it
    frozen: list[int] = []
    for _ in range(_FREEZE_ROUNDS):
        fresh = 0
        stack = [root]
        while stack:
            for child in _child_pids(stack.pop()):
                if child != me and child not in frozen:
                    _send(child, signal.SIGSTOP)
                    frozen.append(child)
                    fresh += 1
                stack.append(child)
        for pid in _session_pids(root):
            if pid not in (me, root) and pid not in frozen:
                _send(pid, signal.SIGSTOP)
                frozen.append(pid)
                fresh += 1
        if not fresh:
            break
    victims = frozen + ([root] if include_root else [])
    handles = _handles(victims)
    for pid in victims:
        _send(pid, signal.SIGKILL)
    if include_root:
        _send(root, signal.SIGCONT)  # a stopped process takes SIGKILL, but be sure it runs on
    # the keeper reaps the orphans it adopted; a runner leaves its own child to whoever
    # started it (multiprocessing reaps in join(), and would hang on a stolen exit status)
    _wait_gone(handles, timeout_s, reap=not include_root)
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


def _kill_found(root: int, *, include_root: bool, timeout_s: float) -> int:
    """Kill what psutil finds below ``root`` (and ``root``), without freezing first."""
    try:
        top = psutil.Process(root)
        victims = top.children(recursive=True) + ([top] if include_root else [])
    except psutil.Error:
        return 0
    for process in victims:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(victims, timeout=timeout_s)
    return len(victims)


def _child_pids(pid: int) -> list[int]:
    """Direct children of ``pid``: Linux lists them per thread in /proc (no scan of every
    process, which matters when racing a process that forks); elsewhere psutil."""
    if _PROC_CHILDREN:
        children: list[int] = []
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                    children += [int(c) for c in handle.read().split()]
        except (OSError, ValueError):
            pass
        return children
    try:
        return [p.pid for p in psutil.Process(pid).children()]
    except psutil.Error:
        return []


def _session_pids(root: int) -> list[int]:
    """Processes in the session ``root`` leads (none when it leads none)."""
    if not hasattr(os, "getsid"):
        return []
    try:
        if os.getsid(root) != root:
            return []
    except OSError:
        return []
    found = []
    for pid in psutil.pids():
        try:
            if os.getsid(pid) == root:
                found.append(pid)
        except OSError:
            continue
    return found


def _handles(pids: list[int]) -> list[psutil.Process]:
    handles = []
    for pid in pids:
        try:
            handles.append(psutil.Process(pid))
        except psutil.Error:
            continue
    return handles


def _send(pid: int, signum: int) -> bool:
    try:
        os.kill(pid, signum)
        return True
    except OSError:  # gone already, or not ours to signal
        return False


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
