"""Atomic writes leave either the old file or the new one, never a half."""

from __future__ import annotations

import pytest

from core.atomic import publish_dir, staging_dir, write_text


def test_write_text_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out" / "statistics.json"
    write_text(target, "one")
    write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["statistics.json"]


def test_failed_write_keeps_old_content(tmp_path, monkeypatch):
    target = tmp_path / "c.json"
    write_text(target, "old")
    import core.atomic as atomic

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError):
        write_text(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]


def test_publish_dir_swaps_whole_folder(tmp_path):
    final = tmp_path / "reports" / "13"
    for content in ("first", "second"):
        stage = staging_dir(final)
        (stage / "statistics.json").write_text(content)
        publish_dir(stage, final)
    assert (final / "statistics.json").read_text() == "second"
    assert sorted(p.name for p in final.parent.iterdir()) == ["13"]
