"""Where an alert rule sends word of its state changes: ``webhook:URL``, ``email:ADDRESS`` or
``desktop`` (the app's system-tray message), validated when the rule is made."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from core.errors import ValidationError

DESKTOP = "desktop"
MAX_DESTINATIONS = 10
MAX_LENGTH = 2000
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                    r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def parse_destination(text: str) -> str:
    """The canonical form of one destination.

    Raises:
        ValidationError: not ``webhook:http(s)://...``, ``email:user@host`` or ``desktop``.
    """
    value = (text or "").strip()
    if len(value) > MAX_LENGTH or any(ord(c) < 32 for c in value):
        raise ValidationError("A notification destination is at most 2,000 printable "
                              "characters.")
    kind, _, target = value.partition(":")
    kind = kind.lower()
    if kind == DESKTOP and not target:
        return DESKTOP
    if kind == "webhook":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(f"Webhook {target!r} is not an http:// or https:// URL.")
        return f"webhook:{target}"
    if kind == "email":
        if not _EMAIL.match(target):
            raise ValidationError(f"{target!r} is not an e-mail address.")
        return f"email:{target}"
    raise ValidationError(f"Notification destination {value!r} is not webhook:URL, "
                          f"email:ADDRESS or desktop.")


def parse_destinations(items) -> tuple[str, ...]:
    """Validated, de-duplicated destinations in the order given."""
    found = tuple(dict.fromkeys(parse_destination(item) for item in items or ()))
    if len(found) > MAX_DESTINATIONS:
        raise ValidationError(f"An alert rule notifies at most {MAX_DESTINATIONS} destinations.")
    return found


def kind_of(destination: str) -> str:
    return destination.partition(":")[0]
