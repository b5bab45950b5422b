"""Opening a workspace off the GUI thread, creating the demo in an empty folder first."""

from __future__ import annotations

from pathlib import Path

from core.progress import CancelToken, ProgressFn, no_progress


def is_empty_folder(folder: Path) -> bool:
    """True for a folder that does not exist yet or holds nothing (hidden files included)."""
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def open_workspace_job(folder: Path, *, make_demo: bool = False,
                       progress: ProgressFn = no_progress, cancel: CancelToken | None = None):
    """Run by the job runner: the demo (when asked), then ``Workspace.open``."""
    if make_demo:
        from core.demo.workspace import create_demo_workspace

        create_demo_workspace(folder, progress=progress, cancel=cancel or CancelToken())
    from core.workspace.store import Workspace

    return Workspace.open(folder)
