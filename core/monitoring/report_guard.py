"""The post-analytics script works on a copy of the report, so it cannot change the real one.

SageMaker runs the post-analytics script after the analysis, with the outputs under
``output_path``; the script may read them and add files of its own. Here ``output_path`` is a
copy of the staged report: files the script adds are published with the report, but if it
changed or removed any file the analysis wrote (in the copy, or in the staged report itself),
the execution fails with the names of those files and nothing is published.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

from core.monitoring.preprocess import DEFAULT_TIMEOUT_S, ScriptError, run_postprocessor
from core.progress import CancelToken

COPY_NAME = "postprocess-output"
_CHUNK = 1 << 20


def run_postprocessor_on_copy(script: str | Path, report_dir: Path, *, work_dir: Path,
                              env: dict[str, str], timeout_s: float = DEFAULT_TIMEOUT_S,
                              cancel: CancelToken | None = None) -> list[str]:
    """Run the post-analytics script with ``output_path`` set to a copy of ``report_dir``.

    Returns:
        The files the script added (relative paths), now also in ``report_dir``.

    Raises:
        ScriptError: the script failed, or changed or removed a file of the report.
    """
    report_dir, work_dir = Path(report_dir), Path(work_dir)
    before = fingerprint(report_dir)
    copy = work_dir / COPY_NAME
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(report_dir, copy, symlinks=True)
    run_postprocessor(script, work_dir=work_dir, env={**env, "output_path": str(copy)},
                      timeout_s=timeout_s, cancel=cancel)
    tampered = _differences(before, fingerprint(report_dir))
    if tampered:
        raise ScriptError(f"The post-analytics script changed the report folder itself "
                          f"({_names(tampered)}); nothing is published.")
    after = fingerprint(copy)
    changed = _differences(before, {name: after.get(name) for name in before})
    if changed:
        raise ScriptError(f"The post-analytics script changed or removed {_names(changed)} "
                          "in output_path; it may add files there but not change the "
                          "analysis's own, so nothing is published.")
    added = sorted(name for name in after if name not in before and after[name][0] != "dir")
    for name in added:
        if after[name][0] != "file":
            raise ScriptError(f"The post-analytics script left {name} in output_path, which "
                              "is not a regular file; nothing is published.")
        target = report_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy / name, target)
    return added


def fingerprint(folder: Path) -> dict[str, tuple[str, str]]:
    """Every entry under ``folder`` (links not followed): relative path -> (kind, digest)."""
    found: dict[str, tuple[str, str]] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            relative = path.relative_to(folder).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                found[relative] = ("link", os.readlink(path))
            elif stat.S_ISDIR(mode):
                found[relative] = ("dir", "")
            elif stat.S_ISREG(mode):
                found[relative] = ("file", _sha256(path))
            else:
                found[relative] = ("other", "")
    return found


def _differences(before: dict, after: dict) -> list[str]:
    names = set(before) | set(after)
    return sorted(name for name in names if before.get(name) != after.get(name))


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown if len(names) <= 5 else f"{shown} and {len(names) - 5} more"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
