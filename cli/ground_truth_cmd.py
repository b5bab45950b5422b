"""``main.py ground-truth upload``: a CSV of (inference id, label) as SageMaker ground truth."""

from __future__ import annotations

from datetime import UTC, datetime

from core.errors import ValidationError
from core.model_quality.ground_truth import upload_labels


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ground-truth", help="write ground-truth labels in SageMaker's layout",
        description="Ground truth for model-quality monitoring: one JSON line per label, "
                    "{root}/yyyy/mm/dd/hh/*.jsonl by the hour the labels were collected.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    upload = actions.add_parser(
        "upload", help="turn a labels CSV into one ground-truth file",
        description="Read a CSV with a header, one row per labelled inference, and write its "
                    "labels as one new file in DESTINATION/yyyy/mm/dd/hh/ (never replacing "
                    "an earlier upload). Each id must equal the captured record's inferenceId "
                    "(or its eventId when it has none).")
    upload.add_argument("--labels", required=True, metavar="CSV", help="labels CSV file")
    upload.add_argument("--id-column", required=True, metavar="C",
                        help="column holding the inference id")
    upload.add_argument("--label-column", required=True, metavar="L",
                        help="column holding the label")
    upload.add_argument("--destination", required=True, metavar="DIR",
                        help="ground-truth root folder")
    upload.add_argument("--time", metavar="ISO",
                        help="when the labels were collected, ISO-8601 UTC (default: now); "
                             "picks the hour folder")
    upload.set_defaults(handler=run_upload)


def run_upload(args) -> int:
    when = parse_time(args.time, "--time") if args.time else datetime.now(UTC)
    result = upload_labels(args.labels, id_column=args.id_column, label_column=args.label_column,
                           destination=args.destination, when=when)
    print(f"ground truth: {result.records} labels -> {result.path}")
    return 0


def parse_time(text: str, option: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{option} {text!r} is not an ISO-8601 time "
                              "(e.g. 2026-01-31T13:00:00Z)") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
