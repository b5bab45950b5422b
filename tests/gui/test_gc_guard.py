"""Garbage is collected by the GUI-thread timer, and automatic collection comes back on stop."""

from __future__ import annotations

import gc

from gui.gc_guard import GuiThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collects_on_the_timer_and_restores_automatic_collection(qtbot):
    was_enabled = gc.isenabled()
    collector = GuiThreadCollector(0.01)
    try:
        assert not gc.isenabled()
        gc.collect()
        for _ in range(gc.get_threshold()[0] + 10):
            _Cycle()
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=2000)
    finally:
        collector.stop()
    assert gc.isenabled()
    if not was_enabled:
        gc.disable()
