"""Invoke a SageMaker endpoint for the traffic runner, optionally capturing on the client side.

For accounts whose endpoints cannot capture, :class:`ClientSideCapture` writes the same
SageMaker capture records the endpoint would, under the same
``{destination}/{endpoint}/{variant}/yyyy/mm/dd/HH/{MM}-{SS}-{mmm}-{uuid}.jsonl`` layout, so
monitoring works the same either way.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import UTC, datetime

from core.backends.aws.errors import aws_errors
from core.backends.aws.session import client
from core.config import AwsSettings
from core.formats.capture import capture_file_path, capture_record, encode_record
from core.serving.config import CaptureConfig
from core.backends.storage import Storage, join

log = logging.getLogger(__name__)

ROLL_SECONDS = 60.0  # SageMaker rolls capture files about once a minute
ROLL_RECORDS = 5000


class ClientSideCapture:
    """Buffers capture records and writes one object per minute (and per UTC hour).

    Thread-safe: the traffic runner's workers call :meth:`add` concurrently. Call
    :meth:`close` at the end to write what is buffered.
    """

    def __init__(self, storage: Storage, endpoint: str, capture: CaptureConfig, *,
                 variant: str = "AllTraffic", rng: random.Random | None = None) -> None:
        capture.validate()
        self.storage, self.endpoint, self.capture, self.variant = (storage, endpoint, capture,
                                                                   variant)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._lines: list[bytes] = []
        self._first: datetime | None = None
        self._opened = 0.0
        self.files: list[str] = []

    def add(self, body: bytes, content_type: str, output: bytes, output_type: str, *,
            when: datetime, inference_id: str | None = None) -> bool:
        """Capture one request/response if sampled; returns whether it was captured."""
        if not self.capture.enable or self._rng.uniform(0, 100) >= self.capture.sampling_percentage:
            return False
        record = capture_record(
            body if self.capture.capture_input else None, content_type,
            output if self.capture.capture_output else None, output_type,
            inference_time=when, inference_id=inference_id,
            csv_content_types=self.capture.csv_content_types,
            json_content_types=self.capture.json_content_types)
        line = encode_record(record)
        with self._lock:
            if self._first is not None and (
                    when.astimezone(UTC).hour != self._first.hour
                    or time.monotonic() - self._opened > ROLL_SECONDS
                    or len(self._lines) >= ROLL_RECORDS):
                self._flush_locked()
            if self._first is None:
                self._first, self._opened = when.astimezone(UTC), time.monotonic()
            self._lines.append(line)
        return True

    def close(self) -> list[str]:
        """Write the buffered records; returns every file written."""
        with self._lock:
            self._flush_locked()
        return list(self.files)

    def _flush_locked(self) -> None:
        if not self._lines or self._first is None:
            return
        relative = capture_file_path("", self.endpoint, self.variant, self._first).as_posix()
        location = join(self.capture.destination, relative)
        self.storage.write_bytes(location, b"".join(self._lines), "application/jsonlines")
        self.files.append(location)
        self._lines, self._first = [], None


def sagemaker_invoke(settings: AwsSettings, endpoint: str, *,
                     capture: ClientSideCapture | None = None):
    """An ``invoke(body, content_type, inference_id) -> bytes`` callable for the traffic runner.

    Calls ``sagemaker-runtime`` InvokeEndpoint; with ``capture``, also records the exchange.
    """
    runtime = client(settings, "sagemaker-runtime")

    def invoke(body: bytes, content_type: str, inference_id: str | None) -> bytes:
        extra = {"InferenceId": inference_id} if inference_id else {}
        when = datetime.now(UTC)
        with aws_errors(f"sagemaker:InvokeEndpoint {endpoint}"):
            response = runtime.invoke_endpoint(EndpointName=endpoint, ContentType=content_type,
                                               Body=body, **extra)
            output = response["Body"].read()
        if capture is not None:
            capture.add(body, content_type, output, response.get("ContentType", "text/csv"),
                        when=when, inference_id=inference_id)
        return output

    return invoke


def traffic_invoker(settings: AwsSettings, endpoint: str, *, variant: str = "AllTraffic"):
    """The invoke callable for the traffic tab, and the client-side capture it feeds (or None).

    Client-side capture is used when the settings ask for it and the endpoint itself does not
    capture; records go to the endpoint's capture destination, else the bucket's
    ``data-capture`` folder. Close the returned capture when the traffic stops.
    """
    from core.backends.aws.endpoints import endpoint_capture

    _, config = endpoint_capture(settings, endpoint)
    capture = None
    if settings.client_side_capture and not (config or {}).get("EnableCapture"):
        destination = (config or {}).get("DestinationS3Uri") or settings.s3_uri("data-capture")
        capture = ClientSideCapture(Storage(settings), endpoint,
                                    CaptureConfig(enable=True, destination=destination),
                                    variant=variant)
    return sagemaker_invoke(settings, endpoint, capture=capture), capture


AWS_URL_PREFIX = "sagemaker:"


def is_aws_endpoint_url(url: str | None) -> bool:
    """Endpoints the AWS backend deployed are recorded with a ``sagemaker:{region}/{name}`` URL."""
    return bool(url) and str(url).startswith(AWS_URL_PREFIX)


def aws_traffic_target(settings: AwsSettings, endpoint: str, *, variant: str = "AllTraffic"):
    """``(invoke, on_finish)`` for a TrafficPlan to an AWS endpoint: InvokeEndpoint through the
    SageMaker Runtime client; with client-side capture, ``on_finish`` uploads what was
    captured (capture files are written as SageMaker writes them, one per hour)."""
    invoke, capture = traffic_invoker(settings, endpoint, variant=variant)
    return invoke, (capture.close if capture is not None else None)
