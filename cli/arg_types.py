"""Argument types for the subcommands: a bad value is refused by the parser, before any work,
with one sentence saying what was expected (``argument --timeout: expected ...``).

``float("nan")``, ``float("inf")`` and negative numbers all parse as floats, so a plain
``type=float`` would let ``--timeout -1`` or ``--psi-threshold nan`` through to the engine,
where NaN silently switches a check off (every comparison with it is false).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


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


def _bounded(parse: Callable[[str, str], float], expected: str, ok: Callable[[float], bool],
             doc: str) -> Callable[[str], float]:
    """An argument type: ``parse`` the text, then refuse a value outside ``ok``, both times
    saying what was ``expected``."""
    def check(text: str):
        value = parse(text, expected)
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value
    check.__doc__ = doc
    return check


positive_seconds = _bounded(_number, "a number of seconds above 0", lambda v: v > 0,
                            "A finite number of seconds above 0.")
non_negative_number = _bounded(_number, "a number of at least 0", lambda v: v >= 0,
                               "A finite number of at least 0 (e.g. a PSI threshold, which "
                               "has no upper bound).")
fraction = _bounded(_number, "a number from 0 to 1", lambda v: 0 <= v <= 1,
                    "A finite number from 0 to 1 (a share or a distance bounded by 1).")
percentage = _bounded(_number, "a percentage from 0 to 100", lambda v: 0 <= v <= 100,
                      "A finite number from 0 to 100.")
positive_int = _bounded(_whole, "a whole number of at least 1", lambda v: v >= 1,
                        "A whole number of at least 1.")
non_negative_int = _bounded(_whole, "a whole number of at least 0", lambda v: v >= 0,
                            "A whole number of at least 0.")
port = _bounded(_whole, "a port number from 0 to 65535", lambda v: 0 <= v <= 65535,
                "A TCP port, 0 (any free one) to 65535.")


class ArgumentParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, exit code 2 (argparse prints the usage first)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message}. `{self.prog} --help` lists the options.\n")
