"""``main.py report``: one execution's results as a self-contained HTML file (and a PDF)."""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError
from core.report.html_report import write_html_report
from core.report.pdf import print_pdf


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="write an execution's report as one HTML file (and a PDF)",
        description="Read a monitoring results folder (this app's or SageMaker's) and write one "
                    "self-contained HTML file: metadata, the violations table, every feature's "
                    "distribution against the baseline and what drove its drift.")
    parser.add_argument("--results", required=True, metavar="DIR",
                        help="the execution's results folder")
    parser.add_argument("--baseline-statistics", metavar="FILE",
                        help="the baseline's statistics.json (distributions against baseline)")
    parser.add_argument("--out", required=True, metavar="FILE.html", help="the HTML file")
    parser.add_argument("--pdf", metavar="FILE.pdf",
                        help="also print the report to this PDF (Qt's printing support)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if not Path(args.results).is_dir():
        raise InputError("No such results folder.", path=args.results)
    html_path = write_html_report(args.results, args.out,
                                  baseline_statistics=args.baseline_statistics)
    size = html_path.stat().st_size
    print(f"report: {html_path} ({size / 1024:,.0f} KB)")
    if args.pdf:
        print_pdf(html_path, Path(args.pdf))
        print(f"pdf: {args.pdf}")
    return 0

