"""Model Monitor Desktop: the composition root and the command line.

No arguments (or only GUI options) opens the desktop app; a subcommand runs a core operation
headless (``python main.py --help`` lists them).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--self-test" in argv:  # checks an installed build: offscreen, real engine, every tab
        from gui.self_test import run_self_test

        return run_self_test(argv)
    if argv[:1] == ["screenshot"]:  # every tab rendered to PNG offscreen (a GUI entry point)
        from gui.screenshot import run_screenshot

        return run_screenshot(argv[1:])
    if argv[:1] == ["report-pdf"]:  # prints an HTML report with Qt (used by `report --pdf`)
        from gui.report_pdf import run_report_pdf

        return run_report_pdf(argv[1:])
    from cli import is_subcommand

    if argv and is_subcommand(argv[0]) or any(a in ("-h", "--help") for a in argv[:1]):
        from cli import run_cli

        return run_cli(argv)
    from gui.app import gui_args_or_none, run_gui

    if gui_args_or_none(argv) is None:  # a typo must not open a window and never return
        from cli import unknown_command

        return unknown_command(argv)
    return run_gui(argv)


if __name__ == "__main__":
    sys.exit(main())
