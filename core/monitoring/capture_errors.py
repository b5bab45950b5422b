"""Capture records that cannot be read: counted, named, and tolerated up to a stated share.

One undecodable record (a binary payload, a wrong column count, broken JSON) must not throw
away an hour of good traffic, nor may it vanish: every skipped record is counted, the first
few are named by file, line and reason, and the window fails once their share of the window's
records passes ``max_share`` (a monitoring setting, 1% by default).

A torn last line (a file whose writer was stopped mid-record, or is still writing it; see
``core.serving.capture_writer``) is skipped and counted too, but it is expected damage, not
bad data, so it does not count against the share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import InputError, ValidationError

DEFAULT_MAX_BAD_RECORD_SHARE = 0.01
NAMED = 3  # bad records named in a message; the rest are counted


@dataclass(frozen=True)
class BadRecord:
    """One capture record that was skipped, and why."""

    path: str
    line: int
    reason: str
    field: str | None = None
    torn: bool = False

    def sentence(self) -> str:
        where = f", field {self.field!r}" if self.field else ""
        return f"{self.path}, line {self.line}{where}: {self.reason}"


class CaptureTally:
    """Counts a window's readable records and collects the unreadable ones."""

    def __init__(self) -> None:
        self.records = 0  # in-window records that gave rows (or an empty request)
        self.bad = 0
        self.torn = 0
        self.examples: list[BadRecord] = []

    @property
    def errors(self) -> int:
        """Every skipped record: the ``capture_errors`` figure kept with the execution."""
        return self.bad + self.torn

    def add_good(self, count: int) -> None:
        self.records += count

    def add_bad(self, record: BadRecord) -> None:
        if record.torn:
            self.torn += 1
        else:
            self.bad += 1
        if len(self.examples) < NAMED:
            self.examples.append(record)

    def share(self) -> float:
        """Bad records over the window's records (torn last lines left out of both)."""
        total = self.records + self.bad
        return self.bad / total if total else 0.0

    def check(self, max_share: float) -> None:
        """Raise when the bad records are more than ``max_share`` of the window.

        Raises:
            InputError: one sentence with the count, the share and the first bad records.
        """
        if self.bad and self.share() > max_share:
            total = self.records + self.bad
            raise InputError(
                f"{self.bad} of {total} capture records could not be read "
                f"({_percent(self.share())}, more than the {_percent(max_share)} tolerated): "
                f"{self._named()}")

    def note(self) -> str:
        """The sentence added to a status message when records were skipped ('' if none)."""
        if not self.errors:
            return ""
        parts = []
        if self.bad:
            parts.append(f"{_records(self.bad)} could not be read and "
                         f"{'was' if self.bad == 1 else 'were'} skipped "
                         f"({_percent(self.share())} of {self.records + self.bad})")
        if self.torn:
            parts.append(f"{self.torn} torn last {'line was' if self.torn == 1 else 'lines were'}"
                         " skipped")
        return f"{'; '.join(parts)}: {self._named()}"

    def _named(self) -> str:
        text = "; ".join(r.sentence() for r in self.examples)
        more = self.errors - len(self.examples)
        return f"{text}; and {more} more." if more > 0 else f"{text}."


def validate_share(value: float, label: str = "The tolerated share of bad capture records"
                   ) -> float:
    """A share in [0, 1] (0 = no bad record tolerated); NaN and other values are refused."""
    try:
        share = float(value)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"{label} must be a number from 0 to 1, not {value!r}.") from error
    if math.isnan(share) or not 0.0 <= share <= 1.0:
        raise ValidationError(f"{label} must be a number from 0 to 1, not {value!r}.")
    return share


def _records(n: int) -> str:
    return f"{n} capture record{'' if n == 1 else 's'}"


def _percent(share: float) -> str:
    text = f"{share * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"
