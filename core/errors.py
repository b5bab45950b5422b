"""Errors a user can act on. ``str(error)`` is always a sentence fit to show them.

Bugs stay ordinary exceptions; only expected problems (bad input, missing files, a cancelled
job) are ``AppError``s.
"""

from __future__ import annotations


class AppError(Exception):
    """Base of every expected, user-facing failure."""


class Cancelled(AppError):
    """The user stopped the operation; callers treat it as silence, not failure."""


class ValidationError(AppError):
    """Inputs the user gave are not acceptable (a name, a threshold, an expression)."""


class InputError(AppError):
    """A data file cannot be read as asked. Names the file and, where known, line and field."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        text = f"{': '.join([', '.join(where), message]) if where else message}"
        super().__init__(text)
        self.path, self.line, self.field = path, line, field


class FormatError(InputError):
    """A SageMaker JSON document (statistics, constraints, violations) is not understood."""
