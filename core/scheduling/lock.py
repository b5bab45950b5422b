"""One scheduler per workspace: the workspace folder's lock (``core.workspace.lock``), which the
kernel releases when its process dies and which no file deletion can bypass."""

from __future__ import annotations

from core.workspace.lock import WorkspaceLock, WorkspaceLockedError


class SchedulerLockedError(WorkspaceLockedError):
    """Another scheduler already drives this workspace."""


class SchedulerLock(WorkspaceLock):
    """The workspace lock, as taken by a scheduler (the app's or ``main.py scheduler``)."""

    refusal = ("Another scheduler{who} is already running executions for the workspace "
               "{folder}; only one may drive a workspace at a time.")
    error_type = SchedulerLockedError
