"""``main.py baseline``: suggest a baseline (statistics.json + constraints.json) from a dataset."""

from __future__ import annotations

from pathlib import Path

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.errors import ValidationError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "baseline", help="profile a training dataset into statistics.json + constraints.json",
        description="Profile a dataset (CSV or JSON Lines: a file, a folder or a glob) the way "
                    "SageMaker Model Monitor's analyzer does, and write statistics.json and "
                    "suggested constraints.json into the output folder.")
    parser.add_argument("--dataset", required=True, metavar="PATH",
                        help="a data file, a folder of data files, or a quoted glob")
    parser.add_argument("--output", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--format", choices=("csv", "jsonl"), default=None,
                        help="input format (default: from the file extension)")
    parser.add_argument("--no-header", action="store_true",
                        help="CSV files have no header line (columns become _c0, _c1, ...)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise ValidationError(f"--output {args.output} is a file; expected a folder to write "
                              "statistics.json and constraints.json into.")
    spec = DatasetSpec(args.dataset, fmt=args.format, header=not args.no_header)
    result = suggest_baseline(spec, args.output)
    print(f"baseline: {result.item_count} rows, {result.feature_count} features "
          f"in {result.seconds:.2f} s -> {result.statistics_path}, {result.constraints_path}")
    return 0
