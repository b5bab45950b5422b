"""ISO-8601 offsets as model-quality schedules write them (``-P1D``, ``-PT7H``, ``PT30M``)."""

from __future__ import annotations

import re
from datetime import timedelta

from core.errors import ValidationError

_OFFSET = re.compile(r"^(?P<sign>[-+]?)P(?:(?P<days>\d{1,5})D)?"
                     r"(?:T(?:(?P<hours>\d{1,6})H)?(?:(?P<minutes>\d{1,8})M)?)?$")


def parse_offset(text: str, *, name: str = "offset") -> timedelta:
    """``-P1DT2H`` -> -26 hours. Days, hours and minutes only, as SageMaker accepts them."""
    match = _OFFSET.match(text.strip()) if isinstance(text, str) else None
    if not match or text.strip().rstrip("T").endswith("P") or text.strip().endswith("T"):
        raise ValidationError(f"{name} {text!r} is not an ISO-8601 offset such as -P1D, -PT7H "
                              "or PT30M")
    delta = timedelta(days=int(match["days"] or 0), hours=int(match["hours"] or 0),
                      minutes=int(match["minutes"] or 0))
    return -delta if match["sign"] == "-" else delta
