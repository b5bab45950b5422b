"""Headless command line: one module per subcommand, each exposing ``register(subparsers)``.

The command line drives only ``core`` (never Qt), which is how the engine is tested and
benchmarked end to end.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from cli.arg_types import ArgumentParser
from core.errors import AppError

# subcommand name -> module in this package defining register(subparsers)
COMMANDS: dict[str, str] = {
    "baseline": "cli.baseline_cmd",
    "monitor": "cli.monitor_cmd",
    "serve": "cli.serve_cmd",
    "deploy": "cli.endpoint_cmds",
    "undeploy": "cli.endpoint_cmds",
    "endpoints": "cli.endpoint_cmds",
    "traffic": "cli.traffic_cmd",
    "demo": "cli.demo_cmd",
    "workspace": "cli.workspace_cmd",
    "schedule": "cli.schedule_cmd",
    "executions": "cli.executions_cmd",
    "scheduler": "cli.scheduler_cmd",
    "alerts": "cli.alerts_cmd",
    "aws": "cli.aws_cmd",
    "report": "cli.report_cmd",
    "ground-truth": "cli.ground_truth_cmd",
    "quality-baseline": "cli.quality_cmd",
    "quality-monitor": "cli.quality_cmd",
}


def is_subcommand(word: str) -> bool:
    return word in COMMANDS


def unknown_command(argv: list[str]) -> int:
    """Exit status 2 and one sentence for a call that is neither a subcommand nor GUI options."""
    known = ", ".join(sorted(dict.fromkeys(COMMANDS)))
    if argv[-1] == "--workspace":
        print("main.py: --workspace needs a folder (--workspace DIR).", file=sys.stderr)
        return 2
    word = next((a for a in argv if not a.startswith(("--workspace", "--demo"))), argv[0])
    print(f"main.py: {word!r} is not a subcommand or an option of the desktop app "
          f"(--workspace DIR, --demo). Subcommands: {known}, screenshot, report-pdf; "
          f"`main.py --help` explains each.", file=sys.stderr)
    return 2


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that subcommand's module is imported (start-up)."""
    parser = ArgumentParser(
        prog="main.py",
        description="Model Monitor Desktop. Without a subcommand, opens the desktop app "
                    "(options: --workspace DIR, --demo).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else dict.fromkeys(COMMANDS.values())
    for module_name in modules:
        importlib.import_module(module_name).register(subparsers)
    return parser


def run_cli(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        return int(args.handler(args) or 0)
    except AppError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
