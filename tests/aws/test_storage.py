"""core.backends.storage against the loopback S3 server: streaming, listing, progress, atomic publish."""

from __future__ import annotations

import os

import pytest

from core.errors import Cancelled
from core.progress import CancelToken
from core.backends.storage import Storage, is_s3, join, split_s3


def test_uri_helpers():
    assert is_s3("s3://b/k") and not is_s3("/tmp/x")
    assert split_s3("s3://bucket/a/b.json") == ("bucket", "a/b.json")
    assert join("s3://b/p/", "x", "/y.json") == "s3://b/p/x/y.json"


def test_large_object_streams_both_ways_with_progress(settings, tmp_path):
    storage = Storage(settings)
    source = tmp_path / "big.bin"
    data = os.urandom(9 * 1024 * 1024 + 17)  # above 8 MiB: a multipart upload
    source.write_bytes(data)
    uri = settings.s3_uri("datasets", "big.bin")
    seen_up, seen_down = [], []
    storage.upload(source, uri, progress=seen_up.append)
    target = storage.download(uri, tmp_path / "back" / "big.bin", progress=seen_down.append)
    assert target.read_bytes() == data
    assert seen_up[-1].done == len(data) and seen_down[-1].done == len(data)
    assert len(seen_down) >= 3  # one report per streamed chunk, not one at the end
    assert seen_down[-1].total == len(data)


def test_list_read_write_exists_delete(settings):
    storage = Storage(settings)
    for name in ("b/2.txt", "a/1.txt"):
        storage.write_bytes(settings.s3_uri("tree", name), name.encode())
    files = storage.list_files(settings.s3_uri("tree"))
    assert [f.location.rsplit("tree/", 1)[1] for f in files] == ["a/1.txt", "b/2.txt"]
    assert storage.read_bytes(files[0].location) == b"a/1.txt"
    assert storage.exists(files[0].location)
    storage.delete(files[0].location)
    assert not storage.exists(files[0].location)


def test_download_tree_keeps_relative_paths(settings, tmp_path):
    storage = Storage(settings)
    storage.write_bytes(settings.s3_uri("cap", "ep/AllTraffic/2026/01/02/03/x.jsonl"), b"{}\n")
    written = storage.download_tree(settings.s3_uri("cap"), tmp_path / "local")
    assert written == [tmp_path / "local" / "ep/AllTraffic/2026/01/02/03/x.jsonl"]


def test_cancelled_download_leaves_no_file(settings, tmp_path):
    storage = Storage(settings)
    uri = settings.s3_uri("big.bin")
    storage.write_bytes(uri, b"x" * (3 * 1024 * 1024))
    token = CancelToken()

    def cancel_after_first_chunk(_p):
        token.cancel()

    with pytest.raises(Cancelled):
        storage.download(uri, tmp_path / "dl" / "out.bin", progress=cancel_after_first_chunk,
                         cancel=token)
    assert list((tmp_path / "dl").iterdir()) == []


def test_failed_publish_removes_what_was_uploaded(settings, tmp_path, aws_hooks):
    from tests.aws.hooks import xml_error

    report = tmp_path / "report"
    report.mkdir()
    for name in ("constraint_violations.json", "constraints.json", "statistics.json"):
        (report / name).write_text("{}")

    def deny_statistics(request, **_kw):
        if request.url.endswith("statistics.json") and request.method == "PUT":
            return xml_error(request, 403, "AccessDenied", "Access Denied")
        return None

    aws_hooks.on("before-send.s3.PutObject", deny_statistics)
    storage = Storage(settings)
    target = settings.s3_uri("reports", "ep", "sched", "2026/01/02/03")
    with pytest.raises(Exception, match="AWS denied access"):
        storage.publish_dir(report, target)
    assert storage.list_files(settings.s3_uri("reports")) == []


def test_publish_local_folder_is_atomic(tmp_path):
    report = tmp_path / "staging-src"
    report.mkdir()
    (report / "statistics.json").write_text("{}")
    out = tmp_path / "reports" / "2026" / "01"
    published = Storage().publish_dir(report, str(out))
    assert published == [str(out / "statistics.json")]
    assert (out / "statistics.json").read_text() == "{}"
