"""Running the user's record preprocessor and post-analytics scripts in a child process.

A script can raise, hang, fork or print anything without touching the app: it runs in a
spawned process under a keeper that owns its whole process tree (``child_process``), with an
address-space cap, its output goes to a log file that outlives the execution, and it is killed
with everything it started when it makes no progress for the per-record time limit or the
execution reaches its total time limit. Failures come back as ``ScriptError`` carrying the
script's own traceback and the path of its log.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_log_path

from core import process_tree
from core.config import APP_FOLDER
from core.errors import AppError, Cancelled, InputError, ValidationError
from core.monitoring.child_process import SIGNAL_EXIT_BASE, run_contained
from core.progress import CancelToken, Progress, ProgressFn, no_progress

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_LIMIT_MB = 2048  # address space per script process (RLIMIT_AS)
PREPROCESS_EXCEPTION = ("There is an exception raised in preprocessor script. "
                        "Please double check the preprocessor script.")
PREPROCESS_MISSING = "Preprocess Handler not implemented correctly in customer script."
POSTPROCESS_MISSING = ("PostProcess Handler not implemented correctly in customer analysis "
                       "script.")
_POLL_S = 0.05
STARTUP_S = 60.0  # starting the child and loading the script, before any time limit applies


class ScriptError(AppError):
    """A user script failed, returned something unusable, or ran past its time limit."""


@dataclass(frozen=True)
class ScriptLimits:
    """What bounds every user script of one execution, besides the per-record time limit.

    ``deadline`` is a ``time.monotonic()`` value by which every script must have ended (the
    execution's total time limit of ``total_s`` seconds); ``log_dir`` keeps the scripts' logs
    after the execution (None: beside the script's work files).
    """

    deadline: float | None = None
    total_s: float | None = None
    memory_limit_bytes: int | None = DEFAULT_MEMORY_LIMIT_MB * 1024 * 1024
    log_dir: Path | None = None

    @classmethod
    def starting_now(cls, *, total_s: float | None, memory_limit_mb: int | None,
                     log_dir: Path | None) -> ScriptLimits:
        """Limits for an execution that starts now (no total limit when ``total_s`` is None,
        no memory cap when ``memory_limit_mb`` is None or 0)."""
        if total_s is not None and not (math.isfinite(total_s) and total_s > 0):
            raise ValidationError(f"The total time limit for scripts must be a positive "
                                  f"number of seconds, not {total_s!r}.")
        whole = isinstance(memory_limit_mb, int) and not isinstance(memory_limit_mb, bool)
        if memory_limit_mb is not None and not (whole and memory_limit_mb >= 0):
            raise ValidationError(f"The script memory limit must be a whole number of MB "
                                  f"(0: none), not {memory_limit_mb!r}.")
        deadline = time.monotonic() + total_s if total_s else None
        memory = memory_limit_mb * 1024 * 1024 if memory_limit_mb else None
        return cls(deadline, total_s, memory, Path(log_dir) if log_dir else None)


_LIMITS: ContextVar[ScriptLimits | None] = ContextVar("script_limits", default=None)


@contextmanager
def script_limits(limits: ScriptLimits) -> Iterator[ScriptLimits]:
    """Apply ``limits`` to every script started inside the block (one execution's scripts,
    wherever in the pipeline they run)."""
    token = _LIMITS.set(limits)
    try:
        yield limits
    finally:
        _LIMITS.reset(token)


def current_limits() -> ScriptLimits:
    """The limits of the execution in progress, else the defaults."""
    return _LIMITS.get() or ScriptLimits()


def default_log_dir(endpoint: str | None, schedule: str, scheduled: datetime) -> Path:
    """A folder of its own for one execution's script logs, in the app's log folder and kept
    after the execution: ``scripts/{endpoint}/{schedule}/{scheduled time}_{start time}``.
    (A workspace's scheduler keeps them in the workspace instead, per execution.)"""
    now = datetime.now(UTC)
    root = Path(user_log_path(APP_FOLDER), "scripts")
    parts = [endpoint] if endpoint else []
    folder = Path(root, *parts, schedule, f"{scheduled:%Y%m%dT%H%M%SZ}_{now:%Y%m%dT%H%M%S%fZ}")
    if not folder.resolve().is_relative_to(root.resolve()):  # a name such as ../..
        raise ValidationError(f"The endpoint or schedule name {endpoint!r}/{schedule!r} would "
                              f"put script logs outside {root}.")
    return folder


@dataclass(frozen=True)
class PreprocessResult:
    """Where the rows went (JSON Lines, one returned dict per line) and what was seen."""

    rows_path: Path
    records: int
    rows: int
    skipped: int


def run_preprocessor(script: str | Path, capture_files: list[Path], *, work_dir: Path,
                     start: datetime | None = None, end: datetime | None = None,
                     timeout_s: float = DEFAULT_TIMEOUT_S, limits: ScriptLimits | None = None,
                     progress: ProgressFn = no_progress,
                     cancel: CancelToken | None = None) -> PreprocessResult:
    """Call ``preprocess_handler`` on every in-window capture record, in a child process.

    Args:
        script: the user's Python file defining ``preprocess_handler(inference_record[, logger])``.
        capture_files: capture JSONL files (see ``capture_reader.find_capture_files``).
        work_dir: a private folder for the rows file and the result (and the script's log
            unless the limits name a log folder).
        start: window start (inclusive), or None.
        end: window end (exclusive), or None.
        timeout_s: longest time one record (or loading the script) may take.
        limits: total deadline, memory cap and log folder; default: the execution's
            (``script_limits``), else ``ScriptLimits()``.

    Raises:
        ScriptError: the script is missing its handler, raised, returned a bad value, hung,
            ran out of memory or past the execution's total time limit.
        InputError: a capture file is unreadable.
        Cancelled: ``cancel`` was set; the child is killed first.
    """
    rows_path = Path(work_dir) / "preprocessed.jsonl"
    args = (str(script), [str(p) for p in capture_files], start, end, str(rows_path))
    result = _run_child(_preprocess_child, args, Path(work_dir), "preprocess", timeout_s,
                        limits or current_limits(), progress, cancel)
    return PreprocessResult(rows_path, result["records"], result["rows"], result["skipped"])


def run_postprocessor(script: str | Path, *, work_dir: Path, env: dict[str, str] | None = None,
                      timeout_s: float = DEFAULT_TIMEOUT_S, limits: ScriptLimits | None = None,
                      cancel: CancelToken | None = None) -> None:
    """Call the script's ``postprocess_handler()`` once; its return value is ignored.

    ``env`` is added to the child's environment (the container's variables, e.g.
    ``output_path``), so the script can find the analysis outputs.
    """
    _run_child(_postprocess_child, (str(script), dict(env or {})), Path(work_dir), "postprocess",
               timeout_s, limits or current_limits(), no_progress, cancel)


def _run_child(target, args: tuple, work_dir: Path, stem: str, timeout_s: float,
               limits: ScriptLimits, progress: ProgressFn, cancel: CancelToken | None) -> dict:
    work_dir.mkdir(parents=True, exist_ok=True)
    log_dir = Path(limits.log_dir) if limits.log_dir else work_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    result_path, log_path = work_dir / f"{stem}.result.json", log_dir / f"{stem}.log"
    result_path.unlink(missing_ok=True)
    context = multiprocessing.get_context("spawn")
    beat = context.RawValue("q", 0)  # records finished; the child bumps it, we watch it move
    body_args = (*args, str(result_path), str(log_path), beat)
    process = context.Process(target=run_contained, args=(target, body_args),
                              kwargs={"memory_limit_bytes": limits.memory_limit_bytes},
                              name=f"user-{stem}")
    process.start()
    try:
        _wait(process, beat, stem, timeout_s, limits, progress, cancel, log_path)
    finally:
        if process.is_alive():
            _kill(process)
        process.join(5)
    if not result_path.exists():
        raise ScriptError(f"The {stem} script's process ended unexpectedly "
                          f"({_exit_description(process.exitcode)}). {_see(log_path)}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    if result.get("input_error"):
        raise InputError(result["input_error"])
    if result.get("out_of_memory"):
        raise ScriptError(f"The {stem} script ran out of memory: it may use at most "
                          f"{_size(limits.memory_limit_bytes)} of address space (the script "
                          f"memory limit). {_see(log_path)}")
    if not result.get("ok"):
        raise ScriptError(f"{result['reason']}\n{_see(log_path)}")
    return result


def _wait(process, beat, stem: str, timeout_s: float, limits: ScriptLimits,
          progress: ProgressFn, cancel: CancelToken | None, log_path: Path) -> None:
    """Wait while the child makes progress. Beat 0 is start-up (spawn, imports, loading the
    script), which a busy machine can make slow, so it gets at least STARTUP_S; after that
    each beat (the script loaded, then one per record) must come within ``timeout_s``. The
    execution's total deadline, when it has one, bounds all of it."""
    last_count, last_change = 0, time.monotonic()
    while process.is_alive():
        process.join(_POLL_S)
        if cancel is not None and cancel.cancelled:
            _kill(process)
            raise Cancelled("Cancelled by the user.")
        now = time.monotonic()
        if limits.deadline is not None and now >= limits.deadline and process.is_alive():
            _kill(process)
            raise ScriptError(f"The execution reached its total time limit of "
                              f"{limits.total_s:g} s while the {stem} script ran; the script "
                              f"and every process it started were stopped. {_see(log_path)}")
        count = beat.value
        limit = timeout_s if count else max(timeout_s, STARTUP_S)
        if count != last_count:
            last_count, last_change = count, now
            progress(Progress(max(0, count - 1), None, f"Running the {stem} script"))
        elif now - last_change > limit and process.is_alive():
            _kill(process)
            where = f" on record {count}" if stem == "preprocess" and count else ""
            raise ScriptError(f"The {stem} script ran for more than {limit:g} s{where} "
                              f"and was stopped. {_see(log_path)}")


def _kill(process) -> None:
    """Kill the keeper, the script and anything the script started, wherever it went."""
    process_tree.kill_tree(process.pid)
    process.join(5)
    if process.is_alive():  # the tree could not be frozen (permissions, a platform gap)
        process.kill()
        process.join(5)


def _see(log_path: Path) -> str:
    return f"The script's log: {log_path}"


def _exit_description(code: int | None) -> str:
    if code is not None and code > SIGNAL_EXIT_BASE:
        try:
            name = signal.Signals(code - SIGNAL_EXIT_BASE).name
        except ValueError:
            name = f"signal {code - SIGNAL_EXIT_BASE}"
        return f"killed by {name}"
    return f"exit code {code}"


def _size(limit: int | None) -> str:
    if not limit:
        return "unlimited"
    gib = limit / 1024 ** 3
    return f"{gib:g} GB" if gib >= 1 else f"{limit / 1024 ** 2:g} MB"


def _preprocess_child(script, files, start, end, rows_path, result_path, log_path, beat):
    logger = _child_setup(log_path, "preprocessor")  # first: import failures go to the log too
    from core.monitoring.capture_reader import iter_capture_records
    from core.monitoring.records import CapturedData

    handler = _load_handler(script, "preprocess_handler", PREPROCESS_MISSING, result_path)
    if handler is None:
        return
    pass_logger = "logger" in inspect.signature(handler).parameters
    beat.value = 1  # loaded; from here each record must finish within the time limit
    records = rows = skipped = 0
    with open(rows_path, "w", encoding="utf-8") as out:
        try:
            for record, path, line in iter_capture_records([Path(f) for f in files],
                                                           start=start, end=end):
                if (record.get("eventMetadata") or {}).get("invocationSource") == \
                        "ShadowExperiment":
                    continue
                records += 1
                item = CapturedData(record)
                try:
                    value = handler(item, logger) if pass_logger else handler(item)
                except Exception as error:  # the user's bug, reported with their traceback
                    _fail(result_path, f"{PREPROCESS_EXCEPTION} (record at {path}, line {line})"
                          f"\n{_user_traceback(error)}", error)
                    return
                if isinstance(value, list) and not value:
                    skipped += 1
                elif isinstance(value, dict) and value:
                    out.write(json.dumps(value, default=_plain) + "\n")
                    rows += 1
                else:
                    _fail(result_path, f"preprocess_handler returned {_short(value)} for the "
                          f"record at {path}, line {line}; expected a non-empty flat dict, "
                          "or [] to skip the record.")
                    return
                beat.value += 1
        except InputError as error:
            _write_result(result_path, {"ok": False, "input_error": str(error)})
            return
    _write_result(result_path, {"ok": True, "records": records, "rows": rows,
                                "skipped": skipped})


def _postprocess_child(script, env, result_path, log_path, beat):
    _child_setup(log_path, "postprocessor")
    os.environ.update(env)
    handler = _load_handler(script, "postprocess_handler", POSTPROCESS_MISSING, result_path)
    if handler is None:
        return
    beat.value = 1
    try:
        handler()
    except Exception as error:
        _fail(result_path, "There is an exception raised in the post-analytics processor "
              f"script.\n{_user_traceback(error)}", error)
        return
    beat.value += 1
    _write_result(result_path, {"ok": True})


def _child_setup(log_path: str, name: str) -> logging.Logger:
    """Send everything the script (and what it starts) prints to its log. The keeper has
    already contained the process and tied it to the runner (``run_contained``)."""
    log_file = open(log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (lives on)
    os.dup2(log_file.fileno(), 1)
    os.dup2(log_file.fileno(), 2)
    sys.stdout = sys.stderr = log_file
    logger = logging.getLogger(name)
    handler = logging.StreamHandler(log_file)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger


def _load_handler(script: str, name: str, missing: str, result_path: str):
    import importlib.util

    path = Path(script)
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(f"user_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except FileNotFoundError:
        _fail(result_path, f"The script {script} does not exist.")
        return None
    except BaseException as error:  # SyntaxError, SystemExit, ImportError in the user's file
        _fail(result_path, f"The script {script} cannot be loaded.\n{_user_traceback(error)}",
              error)
        return None
    handler = getattr(module, name, None)
    if not callable(handler):
        _fail(result_path, missing)
        return None
    return handler


def _user_traceback(error: BaseException) -> str:
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    # drop our own frames (the first entries after the header); the user's code follows them
    frames = [ln for ln in lines if __file__ not in ln]
    return "".join(frames).rstrip()


def _fail(result_path: str, reason: str, error: BaseException | None = None) -> None:
    """Report a failure to the runner, and write it to the log (stderr) so the log tells the
    whole story of the run."""
    print(reason, file=sys.stderr, flush=True)
    if isinstance(error, MemoryError):  # the address-space cap, not a bug in the handler
        print("The script ran out of its memory limit.", file=sys.stderr, flush=True)
        _write_result(result_path, {"ok": False, "out_of_memory": True, "reason": reason})
        return
    _write_result(result_path, {"ok": False, "reason": reason})


def _write_result(result_path: str, result: dict) -> None:
    tmp = f"{result_path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(tmp, result_path)


def _plain(value):
    """numpy scalars and other number-likes a script may return, as plain JSON values."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
