"""User scripts that try to leave processes behind, and the checks that none survived.

``escaping_script`` writes a pre/postprocessor that starts one process of each kind that
outlives a plain "kill the child": a plain fork, a ``setsid`` + double fork (re-parented away
from the script at once), a shell's ``nohup sleep &``, and a hopper that forks a successor
and exits every few milliseconds (a new pid each time, always an orphan). Each records its pid
(the hopper the file of its latest pid) before the handler goes on.
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil

from core import process_tree

KINDS = ("fork", "setsid", "nohup", "hopper")

_SCRIPT = '''
import os, subprocess, time
from pathlib import Path

PIDS = Path({pids!r})


def _record(name):
    tmp = PIDS / (name + ".tmp")
    tmp.write_text(str(os.getpid()))
    os.replace(tmp, PIDS / name)


def _sleep_forever():
    while True:
        time.sleep(1)


def _start_all():
    PIDS.mkdir(parents=True, exist_ok=True)
    if os.fork() == 0:
        _record("fork")
        _sleep_forever()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            _record("setsid")
            _sleep_forever()
        os._exit(0)
    subprocess.run("nohup sleep 1000 >/dev/null 2>&1 & echo $! > " + str(PIDS / "nohup"),
                   shell=True, check=True)
    if os.fork() == 0:
        os.setsid()
        while True:  # hop: a fresh orphan every few ms
            _record("hopper")
            with open(PIDS / "hopper.all", "a") as seen:
                seen.write(f"{{os.getpid()}}\\n")
            time.sleep(0.005)
            if os.fork() != 0:
                os._exit(0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all((PIDS / n).exists() and (PIDS / n).read_text().strip() for n in {kinds!r}):
            return
        time.sleep(0.02)
    raise RuntimeError("the processes did not start")


def {handler}({params}):
    global _started
    if not globals().get("_started"):
        _started = True
        _start_all()
{then}
'''

THEN_RETURN_ROW = "    return {'label': 1}\n"
THEN_RETURN = "    return None\n"
THEN_HANG = "    while True:\n        time.sleep(0.1)\n"
THEN_EXIT = "    os._exit(3)\n"


def escaping_script(folder: Path, pids: Path, *, post: bool = False,
                    then: str = THEN_RETURN) -> Path:
    """Write the script; ``then`` is what the handler does after starting its processes."""
    handler, params = ("postprocess_handler", "") if post else ("preprocess_handler", "r")
    path = folder / ("post_escape.py" if post else "pre_escape.py")
    path.write_text(_SCRIPT.format(pids=str(pids), kinds=KINDS, handler=handler,
                                   params=params, then=then))
    return path


def started_pids(pids: Path) -> dict[str, int]:
    """The recorded pids, by kind (the hopper: every pid it ever took)."""
    found = {kind: int((pids / kind).read_text()) for kind in KINDS[:3]
             if (pids / kind).exists()}
    return found


def hopper_pids(pids: Path) -> list[int]:
    path = pids / "hopper.all"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def survivors(pids: Path, settle_s: float = 5.0) -> dict[str, list[int]]:
    """Recorded processes still running after at most ``settle_s`` seconds (zombies count as
    gone). The hopper counts as running while it records new pids (any single pid of it is
    gone a few ms later, so "that pid is dead" proves nothing) or while its latest pid runs."""
    deadline = time.monotonic() + settle_s
    while True:
        hops_before = len(hopper_pids(pids))
        time.sleep(0.5)  # the hopper records a new pid every few ms while it lives
        hops = hopper_pids(pids)
        left = {kind: [pid] for kind, pid in started_pids(pids).items()
                if _still_ours(pid, pids / kind)}
        if len(hops) > hops_before or (hops and _still_ours(hops[-1], pids / "hopper.all")):
            left["hopper"] = hops[hops_before:] or hops[-1:]
        if not left or time.monotonic() >= deadline:
            return left


def _still_ours(pid: int, record: Path) -> bool:
    """``pid`` runs and is the process that wrote ``record`` (not a later one reusing the pid:
    that would have started after the record was last written)."""
    if not process_tree.alive(pid):
        return False
    try:
        return psutil.Process(pid).create_time() <= record.stat().st_mtime + 0.5
    except (psutil.Error, OSError):
        return False


def kill_leftovers(pids: Path) -> None:
    """Test hygiene: whatever a failing test left running goes (only processes it started;
    the hopper may take a few tries, it changes pid as it goes)."""
    for _ in range(20):
        left = [pid for kind, pid in started_pids(pids).items()
                if _still_ours(pid, pids / kind)]
        hops = hopper_pids(pids)
        if hops and _still_ours(hops[-1], pids / "hopper.all"):
            left.append(hops[-1])
        if not left:
            return
        for pid in left:
            process_tree.kill_tree(pid)
        time.sleep(0.05)
