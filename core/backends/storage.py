"""Read, write and list files at local paths or ``s3://bucket/key`` URIs, streaming with progress.

Local paths need nothing; S3 locations use the AWS settings' credentials. A report folder is
published whole or not at all: locally by a rename, on S3 by uploading every file and removing
what was uploaded if any upload fails.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core import atomic
from core.errors import InputError, ValidationError
from core.names import contained
from core.progress import CancelToken, Progress, ProgressFn, no_progress

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
S3_SCHEME = "s3://"


@dataclass(frozen=True)
class FileInfo:
    """One file found by :meth:`Storage.list_files`."""

    location: str
    size: int
    modified: datetime | None = None


def is_s3(location: str | os.PathLike) -> bool:
    return str(location).startswith(S3_SCHEME)


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` -> ``("bucket", "a/b")``.

    Raises:
        ValidationError: not an ``s3://bucket/...`` URI.
    """
    if not is_s3(uri):
        raise ValidationError(f"{uri!r} is not an s3:// URI.")
    bucket, _, key = uri[len(S3_SCHEME):].partition("/")
    if not bucket:
        raise ValidationError(f"{uri!r} names no bucket: write it as s3://bucket/key.")
    return bucket, key


def join(base: str | os.PathLike, *parts: str) -> str:
    """Join path parts for either kind of location (``/`` for S3)."""
    if is_s3(base):
        return "/".join([str(base).rstrip("/"), *(p.strip("/") for p in parts if p)])
    return str(Path(base, *parts))


def name_of(location: str | os.PathLike) -> str:
    return str(location).rstrip("/").rsplit("/", 1)[-1]


class Storage:
    """File operations on local paths and S3 URIs.

    Args:
        settings: the AWS settings used to reach S3 (None: only local paths work).
        s3_client: an S3 client to use instead of one made from ``settings``.
    """

    def __init__(self, settings=None, s3_client=None) -> None:
        self._settings = settings
        self._s3 = s3_client

    @property
    def s3(self):
        if self._s3 is None:
            if self._settings is None:
                raise ValidationError("S3 locations need the AWS settings (bucket, region).")
            from core.backends.aws.session import client

            self._s3 = client(self._settings, "s3")
        return self._s3

    def _errors(self, action: str):
        from core.backends.aws.errors import aws_errors

        return aws_errors(action)

    def exists(self, location: str) -> bool:
        if not is_s3(location):
            return Path(location).exists()
        from botocore.exceptions import ClientError

        from core.backends.aws.errors import translate

        bucket, key = split_s3(location)
        try:
            self.s3.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise translate(error, f"s3:HeadObject on {location}") from None
        return True

    def read_bytes(self, location: str) -> bytes:
        """The whole content of a small file (documents such as statistics.json)."""
        if not is_s3(location):
            try:
                return Path(location).read_bytes()
            except OSError as error:
                raise InputError(f"cannot read: {error.strerror or error}",
                                 path=str(location)) from None
        bucket, key = split_s3(location)
        with self._errors(f"s3:GetObject on {location}"):
            return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def write_bytes(self, location: str, data: bytes, content_type: str = "") -> None:
        """Write a whole file (atomic for local paths; S3 objects appear whole anyway)."""
        if not is_s3(location):
            atomic.write_bytes(location, data)
            return
        bucket, key = split_s3(location)
        extra = {"ContentType": content_type} if content_type else {}
        with self._errors(f"s3:PutObject on {location}"):
            self.s3.put_object(Bucket=bucket, Key=key, Body=data, **extra)

    def delete(self, location: str) -> None:
        if not is_s3(location):
            Path(location).unlink(missing_ok=True)
            return
        bucket, key = split_s3(location)
        with self._errors(f"s3:DeleteObject on {location}"):
            self.s3.delete_object(Bucket=bucket, Key=key)

    def list_files(self, prefix: str) -> list[FileInfo]:
        """Every file under a folder or key prefix, recursively, sorted by location."""
        if not is_s3(prefix):
            root = Path(prefix)
            if root.is_file():
                return [_local_info(root)]
            return sorted((_local_info(p) for p in root.rglob("*") if p.is_file()),
                          key=lambda f: f.location)
        bucket, key = split_s3(prefix)
        found = []
        with self._errors(f"s3:ListBucket on {prefix}"):
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                           Prefix=key):
                for item in page.get("Contents", []):
                    found.append(FileInfo(f"{S3_SCHEME}{bucket}/{item['Key']}",
                                          int(item["Size"]), item.get("LastModified")))
        return sorted(found, key=lambda f: f.location)

    def list_folders(self, prefix: str) -> list[str]:
        """The immediate sub-folders of a folder (local) or of a key prefix ending in ``/``."""
        if not is_s3(prefix):
            root = Path(prefix)
            return sorted(str(p) for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        bucket, key = split_s3(prefix.rstrip("/") + "/")
        folders = []
        with self._errors(f"s3:ListBucket on {prefix}"):
            for page in self.s3.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=key, Delimiter="/"):
                folders.extend(f"{S3_SCHEME}{bucket}/{p['Prefix'].rstrip('/')}"
                               for p in page.get("CommonPrefixes", []))
        return sorted(folders)

    def download(self, location: str, local_path: str | os.PathLike, *,
                 progress: ProgressFn = no_progress,
                 cancel: CancelToken | None = None) -> Path:
        """Stream a file to ``local_path`` (written whole or not at all); returns the path."""
        target = Path(local_path)
        if not is_s3(location):
            if Path(location).resolve() != target.resolve():
                _copy_local(Path(location), target, progress, cancel)
            return target
        bucket, key = split_s3(location)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out, self._errors(f"s3:GetObject on {location}"):
                response = self.s3.get_object(Bucket=bucket, Key=key)
                total, done = int(response.get("ContentLength") or 0), 0
                for chunk in response["Body"].iter_chunks(CHUNK_BYTES):
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    out.write(chunk)
                    done += len(chunk)
                    progress(Progress(done, total or None, f"Downloading {name_of(location)}"))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def upload(self, local_path: str | os.PathLike, location: str, *,
               progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> str:
        """Stream a local file to ``location`` (multipart for large files); returns it."""
        source = Path(local_path)
        if not is_s3(location):
            _copy_local(source, Path(location), progress, cancel)
            return location
        from boto3.s3.transfer import TransferConfig

        bucket, key = split_s3(location)
        total, sent = source.stat().st_size, [0]

        def on_bytes(count: int) -> None:
            if cancel is not None:
                cancel.raise_if_cancelled()
            sent[0] += count
            progress(Progress(sent[0], total or None, f"Uploading {source.name}"))

        config = TransferConfig(use_threads=False, multipart_chunksize=8 * CHUNK_BYTES)
        with self._errors(f"s3:PutObject on {location}"), source.open("rb") as handle:
            self.s3.upload_fileobj(handle, bucket, key, Callback=on_bytes, Config=config)
        return location

    def download_tree(self, prefix: str, local_dir: str | os.PathLike, *,
                      progress: ProgressFn = no_progress,
                      cancel: CancelToken | None = None) -> list[Path]:
        """Copy every file under ``prefix`` into ``local_dir``, keeping relative paths."""
        files = self.list_files(prefix)
        return self.download_files(files, prefix, local_dir, progress=progress, cancel=cancel)

    def download_files(self, files: list[FileInfo], prefix: str, local_dir: str | os.PathLike,
                       *, progress: ProgressFn = no_progress,
                       cancel: CancelToken | None = None) -> list[Path]:
        """Download ``files`` (found under ``prefix``) to the same relative paths in a folder.

        Raises:
            ValidationError: a key would land outside ``local_dir`` (``..`` parts, say); it
                is checked before anything is downloaded.
        """
        total = sum(f.size for f in files) or None
        done, written = 0, []
        base = str(prefix).rstrip("/")
        targets = [local_target(local_dir, info.location[len(base):].lstrip("/\\")
                                or name_of(info.location), info.location) for info in files]
        for info, target in zip(files, targets, strict=True):

            def step(p: Progress, offset=done) -> None:
                progress(Progress(offset + p.done, total, p.message))

            written.append(self.download(info.location, target, progress=step, cancel=cancel))
            done += info.size
        return written

    def publish_dir(self, local_dir: str | os.PathLike, location: str, *,
                    progress: ProgressFn = no_progress,
                    cancel: CancelToken | None = None) -> list[str]:
        """Publish a finished report folder at ``location`` whole or not at all.

        Locally the folder is copied to a staging folder and renamed into place. On S3 each
        file is uploaded; if any upload fails (or is cancelled), the files already uploaded are
        deleted again, so readers never find half a report. (S3 has no rename: an older report
        at the same location is overwritten file by file, and lost if the new one fails.)

        Returns:
            The published file locations.
        """
        files = sorted(p for p in Path(local_dir).rglob("*") if p.is_file())
        targets = [join(location, p.relative_to(local_dir).as_posix()) for p in files]
        if not is_s3(location):
            staging = atomic.staging_dir(location)
            try:
                shutil.copytree(local_dir, staging, dirs_exist_ok=True)
                atomic.publish_dir(staging, location)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            return targets
        uploaded: list[str] = []
        try:
            for index, (path, target) in enumerate(zip(files, targets, strict=True)):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                progress(Progress(index, len(files), f"Uploading {path.name}"))
                self.upload(path, target, cancel=cancel)
                uploaded.append(target)
        except BaseException:
            self._remove_quietly(uploaded)
            raise
        progress(Progress(len(files), len(files), "Uploaded"))
        return targets

    def _remove_quietly(self, locations: list[str]) -> None:
        for location in locations:
            try:
                self.delete(location)
            except Exception:  # noqa: BLE001 - best effort; the original error matters more
                log.warning("could not remove partial upload %s", location, exc_info=True)


def local_target(local_dir: str | os.PathLike, relative: str, location: str = "") -> Path:
    """Where a file named by someone else's key goes under ``local_dir``; refused (one
    sentence naming the key) unless it stays inside, as a file below the folder itself."""
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    try:
        if not parts:
            raise ValidationError("it names no file")
        target = contained(local_dir, *parts)
        if Path(target).resolve() == Path(local_dir).resolve():
            raise ValidationError("it names the folder itself")
    except ValidationError as error:
        raise ValidationError(f"Refusing to download {location or relative!r}: its key would "
                              f"not stay inside {local_dir} ({error}).") from None
    return target


def _local_info(path: Path) -> FileInfo:
    stat = path.stat()
    return FileInfo(str(path), stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


def _copy_local(source: Path, target: Path, progress: ProgressFn,
                cancel: CancelToken | None) -> None:
    try:
        total = source.stat().st_size
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
            done = 0
            while chunk := handle.read(CHUNK_BYTES):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                out.write(chunk)
                done += len(chunk)
                progress(Progress(done, total or None, f"Copying {source.name}"))
        os.replace(tmp, target)
    except OSError as error:
        raise InputError(f"cannot copy: {error.strerror or error}", path=str(source)) from None
    finally:
        if "tmp" in locals() and Path(tmp).exists():
            Path(tmp).unlink(missing_ok=True)
