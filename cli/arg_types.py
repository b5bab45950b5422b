"""Argument types for the subcommands: a bad value is refused by the parser, before any work,
with one sentence saying what was expected (``argument --timeout: expected ...``).

``float("nan")``, ``float("inf")`` and negative numbers all parse as floats, so a plain
``type=float`` would let ``--timeout -1`` or ``--psi-threshold nan`` through to the engine,
where NaN silently switches a check off (every comparison with it is false).
"""

from __future__ import annotations

import argparse
import math
import re

# SageMaker's rule for endpoint, variant and schedule names; these also become folder names
_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


def _number(text: str, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _whole(text: str, expected: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def positive_seconds(text: str) -> float:
    """A finite number of seconds above 0."""
    value = _number(text, "a number of seconds above 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def non_negative_number(text: str) -> float:
    """A finite number of at least 0 (e.g. a PSI threshold, which has no upper bound)."""
    value = _number(text, "a number of at least 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of at least 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    """A finite number from 0 to 1 (a share or a distance bounded by 1)."""
    value = _number(text, "a number from 0 to 1")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}")
    return value


def percentage(text: str) -> float:
    """A finite number from 0 to 100."""
    value = _number(text, "a percentage from 0 to 100")
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    value = _whole(text, "a whole number of at least 1")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number of at least 0."""
    value = _whole(text, "a whole number of at least 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {text!r}")
    return value


def port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    value = _whole(text, "a port number from 0 to 65535")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return value


class ArgumentParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, exit code 2 (argparse prints the usage first)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message}. `{self.prog} --help` lists the options.\n")
