"""The baselines tab's work, run by the job runner (no Qt): suggest and register a baseline,
read its documents, save edited constraints."""

from __future__ import annotations

from core.progress import CancelToken, ProgressFn, no_progress


def suggest_and_register(workspace, name: str, dataset: str, header: bool, *,
                         progress: ProgressFn = no_progress, cancel: CancelToken | None = None):
    """``suggest_baseline`` into the workspace's ``baselines/<name>``, then remember it."""
    from core.baseline.run import suggest_baseline
    from core.datasets.reader import DatasetSpec
    from core.names import contained, validate_name
    from core.workspace.store import BaselineRecord

    folder = contained(workspace.baselines_dir, validate_name(name, "baseline"))
    result = suggest_baseline(DatasetSpec(dataset, header=header), folder,
                              progress=progress, cancel=cancel or CancelToken())
    return workspace.add_baseline(BaselineRecord(
        name, dataset, str(result.statistics_path), str(result.constraints_path),
        result.item_count, result.feature_count))


def read_baseline(record, *, progress=None, cancel=None) -> tuple[dict, dict]:
    """Statistics for display (without the sketches: fast on wide baselines), and the
    constraints exactly as the constraints reader gives them, since they are edited."""
    from core.formats.constraints import read_constraints
    from core.formats.display_json import read_for_display

    return read_for_display(record.statistics_path), read_constraints(record.constraints_path)


def save_constraints(path: str, doc: dict, *, progress=None, cancel=None) -> None:
    """Written atomically in the analyzer's layout by the constraints writer."""
    from core.formats.constraints import write_constraints

    write_constraints(path, doc)
