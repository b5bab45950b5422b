"""``main.py quality-baseline`` and ``quality-monitor``: model-quality monitoring with ground
truth, in SageMaker's statistics / constraints / violations layout."""

from __future__ import annotations

from cli.ground_truth_cmd import parse_time
from core.errors import ValidationError
from core.model_quality.offsets import parse_offset
from core.model_quality.problem import PROBLEM_TYPES, QualitySettings
from core.model_quality.run import quality_baseline, quality_monitor
from core.workspace.store import Workspace


def register(subparsers) -> None:
    baseline = subparsers.add_parser(
        "quality-baseline", help="model-quality statistics.json + constraints.json",
        description="Score a dataset holding predictions and labels (CSV with a header) the "
                    "way SageMaker's model-quality baseline job does, and write statistics.json "
                    "and suggested constraints.json (thresholds = the baseline's values).")
    baseline.add_argument("--dataset", required=True, metavar="CSV")
    _settings_arguments(baseline, label_required=True)
    baseline.add_argument("--output", required=True, metavar="DIR", help="output folder")
    baseline.set_defaults(handler=run_baseline)

    monitor = subparsers.add_parser(
        "quality-monitor", help="one model-quality execution over captured traffic",
        description="Merge captured records with ground truth (inferenceId, else eventId, "
                    "equals the label's eventId), score them, check the constraints, and write "
                    "statistics.json, constraint_violations.json and merge_summary.json "
                    "(matched and unmatched counts) into the output folder.")
    monitor.add_argument("--capture", required=True, metavar="DIR", help="capture folder")
    monitor.add_argument("--ground-truth", required=True, metavar="DIR",
                         help="ground-truth folder (yyyy/mm/dd/hh/*.jsonl)")
    monitor.add_argument("--constraints", required=True, metavar="FILE",
                         help="model-quality constraints.json")
    _settings_arguments(monitor, label_required=False)
    monitor.add_argument("--output", required=True, metavar="DIR", help="report folder")
    monitor.add_argument("--endpoint", help="endpoint name (also narrows the capture folder)")
    monitor.add_argument("--schedule", default="adhoc", help="schedule name of the metrics")
    monitor.add_argument("--workspace", metavar="DIR",
                         help="also keep the execution's metrics in this workspace's history "
                              "(charts and alert rules)")
    monitor.add_argument("--start", help="capture window start, ISO-8601 UTC")
    monitor.add_argument("--end", help="capture window end, ISO-8601 UTC")
    monitor.add_argument("--ground-truth-start-offset", metavar="OFFSET",
                         help="labels collected from --start plus this offset (e.g. PT1H); "
                              "default: from --start")
    monitor.add_argument("--ground-truth-end-offset", metavar="OFFSET",
                         help="labels collected before --end plus this offset (e.g. P1D); "
                              "default: no end")
    monitor.set_defaults(handler=run_monitor)


def _settings_arguments(parser, *, label_required: bool) -> None:
    parser.add_argument("--problem-type", required=True, choices=PROBLEM_TYPES)
    parser.add_argument("--inference-attribute", metavar="A",
                        help="the predicted label or value: a column name or 0-based index, "
                             "or a path into JSON responses (predictions[0].label)")
    parser.add_argument("--probability-attribute", metavar="P",
                        help="BinaryClassification: the probability of the positive class")
    parser.add_argument("--probability-threshold", type=float, metavar="X",
                        help="BinaryClassification: predicted 1 when the probability is at "
                             "least X (default 0.5)")
    parser.add_argument("--ground-truth-attribute", required=label_required, metavar="G",
                        help="the label: a column name or index"
                             + ("" if label_required else
                                "; default: the ground-truth record's whole data"))


def _settings(args) -> QualitySettings:
    return QualitySettings(args.problem_type, args.inference_attribute,
                           args.probability_attribute, args.probability_threshold,
                           args.ground_truth_attribute)


def run_baseline(args) -> int:
    result = quality_baseline(args.dataset, _settings(args), args.output)
    print(f"quality baseline: {result.item_count} records in {result.seconds:.2f} s -> "
          f"{result.statistics_path}, {result.constraints_path}")
    return 0


def run_monitor(args) -> int:
    settings = _settings(args)
    start = parse_time(args.start, "--start") if args.start else None
    end = parse_time(args.end, "--end") if args.end else None
    if start and end and end <= start:
        raise ValidationError("--end must be after --start")
    truth_start, truth_end = start, None
    if args.ground_truth_start_offset is not None:
        if start is None:
            raise ValidationError("--ground-truth-start-offset needs --start")
        truth_start = start + parse_offset(args.ground_truth_start_offset,
                                           name="--ground-truth-start-offset")
    if args.ground_truth_end_offset is not None:
        if end is None:
            raise ValidationError("--ground-truth-end-offset needs --end")
        truth_end = end + parse_offset(args.ground_truth_end_offset,
                                       name="--ground-truth-end-offset")
    result = quality_monitor(args.capture, args.ground_truth, args.constraints, settings,
                             args.output, endpoint=args.endpoint, start=start, end=end,
                             ground_truth_start=truth_start, ground_truth_end=truth_end,
                             schedule=args.schedule)
    stored = ""
    if args.workspace:
        workspace = Workspace.open(args.workspace)
        try:
            stored = f", {workspace.add_metric_points(result.points)} metrics kept"
        finally:
            workspace.close()
    c = result.counts
    print(f"quality monitor: {c.matched} merged records ({c.unmatched_captured} captured "
          f"without a label, {c.unmatched_ground_truth} labels without a captured record), "
          f"{len(result.violations)} violations in {result.seconds:.2f} s{stored} -> "
          f"{result.output_dir}")
    return 0
