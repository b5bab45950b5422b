"""Progress reporting and cancellation for core operations, with no Qt anywhere.

Every long core operation takes keyword-only ``progress`` and ``cancel`` arguments; the GUI's
job runner turns them into a progress bar and a Cancel button, the command line into nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    """One progress report: ``done`` out of ``total`` units (``total`` None when unknown)."""

    done: int
    total: int | None = None
    message: str = ""

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, max(0.0, self.done / self.total))


ProgressFn = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """The default progress callback: ignore every report."""


class CancelToken:
    """A thread-safe flag a caller sets to ask a running operation to stop at its next safe point."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("Cancelled by the user.")


def never_cancelled() -> CancelToken:
    """A fresh token nobody will cancel, for callers that do not offer cancellation."""
    return CancelToken()


def scaled(progress: ProgressFn, start: float, end: float, total: int = 1000) -> ProgressFn:
    """Map a sub-step's progress into the slice ``[start, end]`` (fractions) of the parent's."""

    def report(p: Progress) -> None:
        frac = p.fraction
        if frac is None:
            progress(Progress(int(start * total), total, p.message))
            return
        progress(Progress(int((start + (end - start) * frac) * total), total, p.message))

    return report
