"""Captured traffic for the demo: a few past hours of records, exactly as the endpoint writes.

Each request goes through the endpoint's own parsing and prediction, so rejected rows are not
captured (as on a live endpoint) and outputs are the model's real scores.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

import numpy as np

from core import atomic
from core.demo.data import FEATURE_COLUMNS, format_rows
from core.formats.capture import capture_file_path, capture_record, encode_record
from core.serving.model import Model
from core.serving.payload import (
    CSV_RESPONSE_TYPE,
    CSV_TYPE,
    RequestError,
    decode_rows,
    encode_predictions,
)

NORMAL_HOURS = 3
VARIANT = "AllTraffic"


def history_start(now: datetime) -> datetime:
    """Start of the first hour :func:`write_capture_history` writes for the same ``now``."""
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=NORMAL_HOURS + 1)


def write_capture_history(root, endpoint: str, model: Model, *, normal: np.ndarray,
                          drifted: list[str], now: datetime) -> list:
    """Write ``NORMAL_HOURS`` hours of ``normal`` rows, then one hour of ``drifted`` lines.

    The hours are the last complete ones before ``now``; the drifted hour is the latest.
    Returns the files written.
    """
    rng = random.Random(now.replace(minute=0, second=0, microsecond=0).isoformat())
    last_hour = history_start(now) + timedelta(hours=NORMAL_HOURS)
    per_hour = np.array_split(np.arange(len(normal)), NORMAL_HOURS)
    normal_lines = format_rows(normal, FEATURE_COLUMNS)
    hours = [[normal_lines[i] for i in chunk] for chunk in per_hour] + [drifted]
    files, inference_id = [], 0
    for offset, lines in enumerate(hours):
        hour = last_hour - timedelta(hours=len(hours) - 1 - offset)
        records, times = [], _times(rng, hour, len(lines))
        for line, when in zip(lines, times):
            inference_id += 1
            record = _record(model, line, when, str(inference_id), rng)
            if record is not None:
                records.append(encode_record(record))
        path = capture_file_path(root, endpoint, VARIANT, times[0],
                                 file_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        files.append(atomic.write_bytes(path, b"".join(records)))
    return files


def _times(rng: random.Random, hour: datetime, count: int) -> list[datetime]:
    seconds = sorted(rng.uniform(1, 3599) for _ in range(count))
    return [hour + timedelta(seconds=s) for s in seconds]


def _record(model: Model, line: str, when: datetime, inference_id: str,
            rng: random.Random) -> dict | None:
    body = line.encode("utf-8")
    try:
        rows = decode_rows(body, CSV_TYPE, model.num_features)
    except RequestError:
        return None  # the endpoint answers 4xx and captures nothing
    output = encode_predictions(model.predict(rows), CSV_RESPONSE_TYPE)
    return capture_record(body, CSV_TYPE, output, CSV_RESPONSE_TYPE, inference_time=when,
                          event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                          inference_id=inference_id)
