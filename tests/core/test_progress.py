"""Progress scaling and cancellation tokens."""

from __future__ import annotations

import pytest

from core.errors import Cancelled
from core.progress import CancelToken, Progress, scaled


def test_scaled_maps_sub_progress_into_parent_slice():
    seen: list[Progress] = []
    sub = scaled(seen.append, 0.5, 1.0, total=100)
    sub(Progress(0, 10))
    sub(Progress(5, 10, "half"))
    sub(Progress(10, 10))
    assert [p.done for p in seen] == [50, 75, 100]
    assert seen[1].message == "half"


def test_cancel_token_raises_after_cancel():
    token = CancelToken()
    token.raise_if_cancelled()
    token.cancel()
    assert token.cancelled
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()
