"""``main.py demo init [DIR]``: create the example workspace (offline, deterministic)."""

from __future__ import annotations

from core.demo.workspace import DRIFT_CSV, ENDPOINT, MODEL_TAR, TRAFFIC_CSV, create_demo_workspace
from core.progress import Progress


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="create the demo workspace",
                                   description="Create an example workspace: a churn training "
                                               "set, an XGBoost model, traffic files, captured "
                                               "traffic and (when available) a baseline.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="create the demo workspace in a new or empty folder")
    init.add_argument("folder", nargs="?", default="demo-workspace",
                      help="workspace folder (default: demo-workspace)")
    init.add_argument("--force", action="store_true",
                      help="refresh the demo files in a folder that already holds a workspace "
                           "(its earlier demo capture is moved to backups/); a workspace an "
                           "app or scheduler is using is still refused")
    init.set_defaults(handler=run_init)


def run_init(args) -> int:
    root = create_demo_workspace(args.folder, force=args.force, progress=_print_progress)
    print(f"demo workspace ready in {root}")
    print(f"  deploy:  python main.py deploy --workspace {args.folder} --name {ENDPOINT} "
          f"--model {root / MODEL_TAR}")
    print(f"  traffic: python main.py traffic --workspace {args.folder} --endpoint {ENDPOINT} "
          f"--file {root / TRAFFIC_CSV}  (drifted: {root / DRIFT_CSV})")
    return 0


def _print_progress(p: Progress) -> None:
    if p.message:
        print(p.message, flush=True)
