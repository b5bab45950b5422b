"""Adapters so core functions without ``progress``/``cancel`` can go through the job runner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def quick(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a short core call: the runner's ``progress`` and ``cancel`` are dropped."""

    def call(*args: Any, progress=None, cancel=None, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    call.__name__ = getattr(fn, "__name__", "job")
    return call
