"""User-given names and the paths built from them.

Every name a user gives (endpoint, variant, schedule, baseline, alert) follows SageMaker's rule,
``^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`` and at most 63 characters, checked by
:func:`validate_name` wherever a name enters: command line, GUI, engine API and workspace rows
read back. The rule leaves no room for ``/``, ``..``, NUL or lookalike letters; Windows device
names (``CON``, ``NUL``, ``COM1``...) pass it, so they are refused on top, because a folder of
that name cannot be created there.

Every path built from a name or from a key someone else chose (an S3 key) goes through
:func:`contained`, which refuses anything that would resolve outside its root.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from core.errors import ValidationError

MAX_NAME_LENGTH = 63
_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")  # SageMaker's, used with fullmatch
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{stem}{n}" for stem in ("COM", "LPT") for n in "0123456789"])
RULE = ("use 1 to 63 letters (a-z, A-Z), digits and hyphens, starting and ending with a letter "
        "or digit")


def is_valid_name(value: object) -> bool:
    """True if ``value`` is a name any entry point accepts."""
    return (isinstance(value, str) and len(value) <= MAX_NAME_LENGTH
            and _NAME.fullmatch(value) is not None
            and value.upper() not in _WINDOWS_DEVICES)


def validate_name(value: object, kind: str = "name", *, where: str = "") -> str:
    """Return ``value`` if it is a valid name, else raise one sentence saying why.

    Args:
        value: the name as given.
        kind: what it names, for the message ("endpoint", "schedule", ...).
        where: where the name came from ("--name", "workspace.db, schedules row 'x'"), if useful.

    Raises:
        ValidationError: not a valid name.
    """
    if is_valid_name(value):
        return value  # type: ignore[return-value]
    origin = f" ({where})" if where else ""
    shown = repr(value) if not isinstance(value, str) or len(value) <= 80 \
        else repr(value[:80]) + "..."
    if isinstance(value, str) and value.upper() in _WINDOWS_DEVICES:
        why = "it is a reserved device name on Windows"
    else:
        why = RULE
    raise ValidationError(f"{kind.capitalize()} name {shown}{origin} is not valid: {why}.")


def validate_optional_name(value: str | None, kind: str = "name", *, where: str = "") -> str:
    """:func:`validate_name` for a name that may be left empty (None or "")."""
    if not value:
        return ""
    return validate_name(value, kind, where=where)


def contained(root: str | os.PathLike, *parts: str) -> Path:
    """``root / parts``, refused unless it resolves inside ``root`` (symbolic links followed).

    Returns the joined path as given (not resolved), so callers keep the paths users see.

    Raises:
        ValidationError: a part is absolute, holds NUL, or leads outside ``root``.
    """
    text_parts = [os.fspath(p) for p in parts]
    shown = "/".join(text_parts)
    if any("\0" in p for p in text_parts) or "\0" in os.fspath(root):
        raise ValidationError(f"Path {shown!r} holds a NUL character.")
    if any(os.path.isabs(p) or (os.sep != "/" and p.startswith("/")) for p in text_parts):
        raise ValidationError(f"Path {shown!r} is absolute; it must stay inside {root}.")
    base = Path(root)
    target = base.joinpath(*text_parts)
    try:
        real_base, real_target = base.resolve(), target.resolve()
    except (OSError, RuntimeError) as error:  # a symbolic-link loop
        raise ValidationError(f"Path {shown!r} under {root} cannot be resolved: {error}.") \
            from None
    if real_target != real_base and real_base not in real_target.parents:
        raise ValidationError(f"Path {shown!r} leads outside {root}.")
    return target
