"""Replay a CSV or JSON Lines file against an endpoint at a chosen rate, with live counters.

Works against a local endpoint URL (HTTP keep-alive, one connection per worker) or any
``invoke(body, content_type, inference_id) -> bytes`` callable (the AWS backend's
``sagemaker_invoke`` wraps boto3's ``sagemaker-runtime`` client in one). A GUI timer pulls :meth:`TrafficRunner.snapshot`.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from core.errors import InputError, ValidationError

log = logging.getLogger(__name__)

Invoke = Callable[[bytes, str, "str | None"], bytes]
RECENT_SAMPLES = 5000  # bounded: what percentiles and the live plot look at


@dataclass(frozen=True)
class TrafficPlan:
    """What to send where.

    ``target`` is an endpoint URL (``http://127.0.0.1:PORT``) or an invoke callable. With a URL
    and ``endpoint_name`` the SageMaker Runtime route is used, else ``/invocations``.
    ``repeat`` is how many passes over the file; None sends until stopped.
    ``rows_per_second`` None (or 0) means as fast as the endpoint answers.
    """

    target: str | Invoke
    dataset: str | Path
    rows_per_second: float | None = None
    concurrency: int = 1
    repeat: int | None = 1
    inference_ids: bool = False
    endpoint_name: str | None = None
    timeout: float = 30.0
    # Called once, from the last worker to finish (e.g. to flush client-side capture).
    on_finish: Callable[[], object] | None = None


@dataclass(frozen=True)
class TrafficSample:
    """One request: when it finished (monotonic seconds), its latency and whether it failed."""

    at: float
    latency_ms: float
    ok: bool


@dataclass(frozen=True)
class TrafficStats:
    """Counters since start plus percentiles and rate over the recent samples."""

    sent: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rows_per_second: float
    recent: list[TrafficSample] = field(default_factory=list)
    running: bool = False
    last_error: str = ""


def read_requests(path: str | Path) -> tuple[list[bytes], str]:
    """The request bodies in a traffic file and their content type.

    A ``.jsonl``/``.json`` file sends each line as ``application/json``; anything else is CSV,
    one row per request, without header (a first line with no number in it is skipped).
    """
    path = Path(path)
    try:
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the traffic file: {error}", path=str(path)) from None
    if not lines:
        raise InputError("the traffic file holds no rows", path=str(path))
    if path.suffix.lower() in (".jsonl", ".json"):
        return [ln.encode("utf-8") for ln in lines], "application/json"
    if not any(_is_number(f) for f in lines[0].split(",")):
        lines = lines[1:]  # a header row
    return [ln.encode("utf-8") for ln in lines], "text/csv"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class HttpInvoker:
    """POSTs to a local endpoint over one keep-alive connection (one per worker thread)."""

    def __init__(self, url: str, endpoint_name: str | None, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValidationError(f"Endpoint URL {url!r} is not an http:// URL.")
        self.host, self.port, self.timeout = parts.hostname, parts.port or 80, timeout
        self.path = (f"/endpoints/{endpoint_name}/invocations" if endpoint_name
                     else "/invocations")
        self._conn: http.client.HTTPConnection | None = None

    def __call__(self, body: bytes, content_type: str, inference_id: str | None) -> bytes:
        headers = {"Content-Type": content_type}
        if inference_id:
            headers["X-Amzn-SageMaker-Inference-Id"] = inference_id
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self._conn.request("POST", self.path, body=body, headers=headers)
            response = self._conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()  # the next request reconnects
            raise
        if response.will_close:
            self.close()
        if response.status >= 400:
            raise RuntimeError(f"HTTP {response.status}: {_message(data)}")
        return data

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _message(data: bytes) -> str:
    try:
        return str(json.loads(data).get("Message", data[:200]))
    except (ValueError, AttributeError):
        return data[:200].decode("utf-8", "replace")


class TrafficRunner:
    """Sends a :class:`TrafficPlan` from ``concurrency`` worker threads; never calls back.

    ``start()`` returns at once; ``snapshot()`` is cheap and thread-safe; ``stop()`` is
    idempotent and joins the workers; ``wait()`` blocks until a finite plan is done.
    """

    def __init__(self, plan: TrafficPlan) -> None:
        if plan.concurrency < 1:
            raise ValidationError("Concurrency must be at least 1.")
        if plan.repeat is not None and plan.repeat < 1:
            raise ValidationError("Repeat must be at least 1 (or None to run until stopped).")
        if plan.rows_per_second is not None and plan.rows_per_second < 0:
            raise ValidationError("Rows per second cannot be negative.")
        if isinstance(plan.target, str) and urlsplit(plan.target).scheme not in ("http", "https"):
            raise ValidationError(f"{plan.target!r} is not an endpoint URL (http://host:port); "
                                  f"an AWS endpoint is sent to through the SageMaker Runtime "
                                  f"client.")
        self.plan = plan
        self._bodies, self.content_type = read_requests(plan.dataset)
        self._total = None if plan.repeat is None else len(self._bodies) * plan.repeat
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._cursor = 0
        self._next_slot = 0.0
        self._sent = self._errors = 0
        self._last_error = ""
        self._recent: deque[TrafficSample] = deque(maxlen=RECENT_SAMPLES)
        self._threads: list[threading.Thread] = []
        self._working = 0
        self.finish_error = ""  # what ``on_finish`` raised, if anything

    @property
    def total(self) -> int | None:
        """Requests a finite plan sends; None when it runs until stopped."""
        return self._total

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def start(self) -> TrafficRunner:
        if self._threads:
            raise RuntimeError("a TrafficRunner starts once")
        self._working = self.plan.concurrency
        self._threads = [threading.Thread(target=self._work, name=f"traffic-{i}", daemon=True)
                         for i in range(self.plan.concurrency)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the workers finish (or ``timeout``); True when they all have."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not self.running

    def snapshot(self) -> TrafficStats:
        """Counters, latency percentiles and the rate over the last few seconds."""
        with self._lock:
            recent = list(self._recent)
            sent, errors, last_error = self._sent, self._errors, self._last_error
        p50 = p95 = p99 = rate = 0.0
        if recent:
            p50, p95, p99 = (float(x) for x in np.percentile(
                [s.latency_ms for s in recent], [50, 95, 99]))
            now = time.monotonic()
            window = min(5.0, max(now - recent[0].at, 1e-3))
            rate = sum(1 for s in recent if s.at >= now - window) / window
        return TrafficStats(sent, errors, p50, p95, p99, rate, recent, self.running, last_error)

    def _take(self) -> tuple[int, float] | None:
        """The next request's index and the monotonic time it may go, or None when done."""
        with self._lock:
            if self._stop.is_set() or (self._total is not None and self._cursor >= self._total):
                return None
            index, self._cursor = self._cursor, self._cursor + 1
            slot = now = time.monotonic()
            if self.plan.rows_per_second:
                # Pacing: one slot per 1/rate seconds; a slow endpoint never causes a catch-up burst.
                slot = max(now, self._next_slot)
                self._next_slot = slot + 1.0 / self.plan.rows_per_second
            return index, slot

    def _work(self) -> None:
        target = self.plan.target
        invoke = (HttpInvoker(target, self.plan.endpoint_name, self.plan.timeout)
                  if isinstance(target, str) else target)
        try:
            while (job := self._take()) is not None:
                index, slot = job
                if self._stop.wait(max(0.0, slot - time.monotonic())):
                    break
                self._send(invoke, index)
        finally:
            if isinstance(invoke, HttpInvoker):
                invoke.close()
            self._worker_done()

    def _worker_done(self) -> None:
        with self._lock:
            self._working -= 1
            last = self._working == 0
        if last and self.plan.on_finish is not None:
            try:
                self.plan.on_finish()
            except Exception as exc:  # shown by the caller beside the counters, never lost
                log.exception("finishing the traffic run failed")
                with self._lock:
                    self.finish_error = f"{exc}"

    def _send(self, invoke: Invoke, index: int) -> None:
        body = self._bodies[index % len(self._bodies)]
        inference_id = str(index + 1) if self.plan.inference_ids else None
        started = time.monotonic()
        error = ""
        try:
            invoke(body, self.content_type, inference_id)
        except Exception as exc:  # any failure of one request is a counted error, not a crash
            error = f"{type(exc).__name__}: {exc}"
        finished = time.monotonic()
        with self._lock:
            self._sent += 1
            if error:
                self._errors += 1
                self._last_error = error
            self._recent.append(TrafficSample(finished, (finished - started) * 1000.0, not error))
