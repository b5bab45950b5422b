"""The ``inference_record`` a preprocessor receives, with the analyzer's attribute names.

Mirrors the container's ``CapturedData`` (spec section 6.4): ``endpoint_input`` and
``endpoint_output`` are ``EventData``; ``event_metadata`` has ``event_id``, ``event_time``,
``inference_id`` and ``custom_attribute`` (a list holding the CustomAttributes header).
"""

from __future__ import annotations


class EventData:
    """One captured payload: ``data``, ``encoding``, ``observedContentType``, ``mode``."""

    def __init__(self, payload: dict) -> None:
        self.data = payload.get("data")
        self.encoding = payload.get("encoding")
        self.observedContentType = payload.get("observedContentType")  # noqa: N815 (as AWS)
        self.mode = payload.get("mode")

    def __repr__(self) -> str:
        return f"EventData(encoding={self.encoding!r}, data={self.data!r})"


class EventMetadata:
    """``eventMetadata``: ids, the inference time and the custom attributes."""

    def __init__(self, metadata: dict) -> None:
        self.event_id = metadata.get("eventId")
        self.inference_id = metadata.get("inferenceId")
        self.event_time = metadata.get("inferenceTime")
        self.inference_time = self.event_time
        custom = metadata.get("customAttributes")
        # AWS's examples read custom_attribute[0] as the header string
        self.custom_attribute = [custom] if isinstance(custom, str) else custom
        self.invocation_source = metadata.get("invocationSource")


class CapturedData:
    """One capture record as the preprocessor sees it."""

    def __init__(self, record: dict) -> None:
        capture = record.get("captureData") or {}
        self.event_dict = record
        self.endpoint_input = _event(capture.get("endpointInput"))
        self.endpoint_output = _event(capture.get("endpointOutput"))
        self.batch_transform_output = _event(capture.get("batchTransformOutput"))
        self.ground_truth = _event(record.get("groundTruthData"))
        self.event_metadata = EventMetadata(record.get("eventMetadata") or {})
        self.event_version = record.get("eventVersion")

    def as_dict(self) -> dict:
        return self.event_dict

    def __repr__(self) -> str:
        return f"CapturedData(event_id={self.event_metadata.event_id!r})"


def _event(payload: dict | None) -> EventData | None:
    return EventData(payload) if isinstance(payload, dict) else None
