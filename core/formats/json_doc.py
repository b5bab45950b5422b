"""Loading a JSON document from an untrusted file, with limits checked before parsing.

A hand-edited or hostile file must end in one sentence naming the file, never in a
``RecursionError``, a ``ValueError`` from a 5,000-digit integer or an exhausted memory: the size
is checked from the file system, the nesting depth by a linear scan with strings blanked out,
and only then is the text parsed. Duplicate keys are refused because ``json`` would keep the
last one silently.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from core.errors import FormatError, InputError

MAX_BYTES = 256 << 20  # a 2,000-feature statistics.json with full sketches is about 40 MB
MAX_DEPTH = 64  # SageMaker's documents nest 8 deep
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))


def load_json_document(path: str | os.PathLike, what: str, *, max_bytes: int = MAX_BYTES,
                       max_depth: int = MAX_DEPTH):
    """The parsed document at ``path``; ``what`` names it in errors ("statistics", ...).

    Raises:
        InputError: the file is missing, a folder, unreadable or larger than ``max_bytes``.
        FormatError: it is not UTF-8 JSON, nests deeper than ``max_depth``, repeats a key or
            holds a number Python cannot represent.
    """
    file = Path(path)
    text = read_json_text(file, what, max_bytes=max_bytes, max_depth=max_depth)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise FormatError(f"not JSON ({decode_error_words(error)})", path=str(file),
                          line=error.lineno) from None
    except _DuplicateKey as error:
        raise FormatError(f"the key {error.args[0]!r} appears twice in one JSON object, so one "
                          "of its values would be lost", path=str(file)) from None
    except (ValueError, RecursionError) as error:
        reason = ("a number with more than 4300 digits" if "digits" in str(error)
                  else str(error))
        raise FormatError(f"not a usable JSON document ({reason})", path=str(file)) from None


def read_json_text(path: str | os.PathLike, what: str, *, max_bytes: int = MAX_BYTES,
                   max_depth: int = MAX_DEPTH) -> str:
    """The text of a JSON file that is safe to hand to ``json.loads``: within ``max_bytes``,
    UTF-8 (a BOM is dropped), not blank, nested at most ``max_depth`` deep."""
    file = Path(path)
    data = _read_bytes(file, what, max_bytes)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = 1 + data.count(b"\n", 0, bad.start)
        raise FormatError(f"the {what} file is not UTF-8 text (byte 0x{data[bad.start]:02x})",
                          path=str(file), line=line) from None
    if not text.strip():
        raise FormatError(f"the {what} file is empty, expected a JSON object", path=str(file))
    depth, line = nesting_depth(data)
    if depth > max_depth:
        raise FormatError(f"JSON nested {depth} levels deep, more than the {max_depth} a "
                          f"{what} document can need", path=str(file), line=line)
    return text


def nesting_depth(data: bytes) -> tuple[int, int]:
    """``(deepest bracket nesting, line where it is reached)``, ignoring brackets in strings."""
    blanked = _STRING.sub(b'""', data)
    codes = np.frombuffer(blanked, dtype=np.uint8)
    where = np.flatnonzero(np.isin(codes, _OPEN + _CLOSE))
    if not len(where):
        return 0, 1
    steps = np.where(np.isin(codes[where], _OPEN), 1, -1)
    depth = np.cumsum(steps)
    deepest = int(np.argmax(depth))
    # line numbers: valid JSON strings hold no raw newline, so blanking them keeps the count
    return int(depth[deepest]), 1 + blanked.count(b"\n", 0, int(where[deepest]))


def decode_error_words(error: json.JSONDecodeError) -> str:
    """``Expecting value at column 6``: json's message with the column, not the offset."""
    words = error.msg[:-3] if error.msg.endswith(" at") else error.msg
    return f"{words} at column {error.colno}"


def json_path(parts) -> str:
    """``$.features[3].name`` for the key/index sequence ``("features", 3, "name")``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            out += f".{part}"
        else:
            out += f"[{json.dumps(str(part))}]"
    return out


class _DuplicateKey(Exception):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


def _read_bytes(file: Path, what: str, max_bytes: int) -> bytes:
    try:
        if file.is_dir():
            raise InputError(f"is a folder, expected the {what} JSON file", path=str(file))
        size = file.stat().st_size
        if size > max_bytes:
            raise InputError(f"the {what} file is {size / (1 << 20):.0f} MB, more than the "
                             f"{max_bytes >> 20} MB a {what} document can need", path=str(file))
        with open(file, "rb") as handle:
            return handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"the {what} file does not exist", path=str(file)) from None
    except OSError as error:
        raise InputError(f"cannot read the {what} file ({error.strerror or error})",
                         path=str(file)) from None
