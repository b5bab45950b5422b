"""``constraint_violations.json``: the data-quality violations list in the analyzer's layout.

Each entry is ``{feature_name, constraint_check_type, description}`` (spec section 4.1). Reading
is lenient (any JSON layout, a bare list, legacy descriptions); writing is Jackson-exact.
"""

from __future__ import annotations

import os
from pathlib import Path

from core import atomic
from core.errors import FormatError
from core.formats import jackson
from core.formats.json_doc import load_json_document

VIOLATION_KEYS = ("feature_name", "constraint_check_type", "description")


def violation(feature_name: str, check_type: str, description: str) -> dict:
    """One violation entry with the container's key order."""
    return {"feature_name": feature_name, "constraint_check_type": check_type,
            "description": description}


def dumps_violations(violations: list[dict]) -> str:
    """The file's text: ``{"violations" : [ ... ]}``, an empty array when there are none."""
    return jackson.dumps({"violations": [dict(v) for v in violations]})


def write_violations(path: str | os.PathLike, violations: list[dict]) -> Path:
    """Atomically write ``constraint_violations.json`` at ``path``."""
    return atomic.write_text(path, dumps_violations(violations))


def read_violations(path: str | os.PathLike) -> list[dict]:
    """Read a violations file written by SageMaker, by us, or re-serialized by Python.

    Raises:
        InputError: the file is missing or unreadable.
        FormatError: it is not JSON, or has no ``violations`` list of objects.
    """
    doc = load_json_document(path, "violations")
    entries = doc.get("violations") if isinstance(doc, dict) else doc
    if not isinstance(entries, list) or not all(isinstance(v, dict) for v in entries):
        raise FormatError("expected a 'violations' list of objects", path=str(path))
    return entries
