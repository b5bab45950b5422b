"""Pieces every workspace command shares: the --workspace option, action subparsers and tables."""

from __future__ import annotations

DEFAULT_WORKSPACE = "demo-workspace"


def add_workspace_argument(parser) -> None:
    parser.add_argument("--workspace", default=DEFAULT_WORKSPACE,
                        help=f"workspace folder (default: {DEFAULT_WORKSPACE})")


def workspace_action(actions, name: str, help_text: str, handler, **parser_options):
    """An ACTION subparser (e.g. ``schedule list``) taking --workspace and running ``handler``."""
    parser = actions.add_parser(name, help=help_text, **parser_options)
    add_workspace_argument(parser)
    parser.set_defaults(handler=handler)
    return parser


def print_table(rows: list[tuple]) -> None:
    """Print rows as left-aligned columns (the first row is the header)."""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
