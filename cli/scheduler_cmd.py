"""``main.py scheduler``: run a workspace's schedules headless until interrupted."""

from __future__ import annotations

import logging
import signal
import threading

from cli.arg_types import non_negative_int, positive_seconds
from cli.common import add_workspace_argument
from core.scheduling.scheduler import DEFAULT_MAX_CATCH_UP, DEFAULT_POLL_S, Scheduler
from core.workspace.store import Workspace


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "scheduler", help="run monitoring schedules headless",
        description="Run the workspace's schedules until Ctrl+C or SIGTERM. Only one scheduler "
                    "may drive a workspace; executions a stopped scheduler left running are "
                    "marked Failed and missed runs are caught up.")
    add_workspace_argument(parser)
    parser.add_argument("--poll", type=positive_seconds, default=DEFAULT_POLL_S,
                        help="seconds between checks for new requests "
                             f"(default {DEFAULT_POLL_S:g})")
    parser.add_argument("--max-catch-up", type=non_negative_int, default=DEFAULT_MAX_CATCH_UP,
                        help="missed runs per schedule caught up after downtime "
                             f"(default {DEFAULT_MAX_CATCH_UP})")
    parser.add_argument("--once", action="store_true",
                        help="run what is due now, then exit")
    parser.set_defaults(handler=run)


def run(args) -> int:
    for name in ("core.monitoring", "core.scheduling"):
        logging.getLogger(name).setLevel(logging.INFO)
    stop = threading.Event()
    with Workspace.open(args.workspace) as ws:
        scheduler = Scheduler(ws, max_catch_up=args.max_catch_up,
                              on_execution=_print_execution)
        orphans = scheduler.acquire()
        if orphans:
            print(f"Marked {len(orphans)} interrupted executions Failed.", flush=True)
        if args.once:
            with scheduler:
                done = scheduler.tick()
            print(f"{len(done)} executions ran.", flush=True)
            return 0
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        print(f"Scheduler running for {ws.root} (Ctrl+C to stop).", flush=True)
        try:
            scheduler.run_forever(stop, poll_interval_s=args.poll)
        except KeyboardInterrupt:
            stop.set()
            scheduler.close()
    print("Scheduler stopped.", flush=True)
    return 0


def _print_execution(e) -> None:
    reason = f" - {e.failure_reason.splitlines()[0]}" if e.failure_reason else ""
    print(f"{e.scheduled_time:%Y-%m-%d %H:%M} {e.schedule} #{e.id}: {e.status}{reason}",
          flush=True)
