"""An endpoint process's capture health, shared through a small JSON file beside its log.

The ``serve`` process rewrites ``health.json`` (atomically) every ``HEALTH_INTERVAL_SECONDS``
and once more when it stops, so the final counts outlive it; the deployer (``endpoints``, the
Deployment tab) reads it to show counts and to mark an endpoint Degraded while its capture
fails.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from core import atomic

HEALTH_FILE = "health.json"
HEALTH_INTERVAL_SECONDS = 1.0
MAX_HEALTH_BYTES = 64 * 1024  # our own small file; anything larger is not ours
COUNTS = ("answered", "captured", "failed", "retrying", "refused")


def write_health(path: str | os.PathLike, stats: dict | None, *, running: bool) -> None:
    """Write one snapshot: ``stats`` from ``CaptureWriter.stats().to_dict()`` (None: capture
    off), whether the server still runs, its pid and the time."""
    document = {"pid": os.getpid(), "running": running, "updated": time.time(),
                "capture": stats}
    atomic.write_text(path, json.dumps(document, indent=1))


def read_health(path: str | os.PathLike) -> dict | None:
    """The latest snapshot, or None if there is none (or it is not a snapshot)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_HEALTH_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_HEALTH_BYTES:
        return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    capture = document.get("capture")
    if capture is not None and not (isinstance(capture, dict) and all(
            isinstance(capture.get(k), int) for k in COUNTS)):
        return None
    return document


def remove_health(path: str | os.PathLike) -> None:
    Path(path).unlink(missing_ok=True)
