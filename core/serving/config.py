"""``CaptureConfig``: SageMaker's ``DataCaptureConfig`` for a local endpoint, as plain data."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.errors import ValidationError
from core.formats.capture import DEFAULT_CSV_CONTENT_TYPES, DEFAULT_JSON_CONTENT_TYPES


@dataclass(frozen=True)
class CaptureConfig:
    """What to capture and where. ``destination`` empty = the workspace's ``capture/`` folder.

    ``synchronous`` and ``refuse_when_failing`` are local settings beyond SageMaker's: what an
    answered request promises about its record (see ``core.serving.capture_writer``).
    """

    enable: bool = False
    sampling_percentage: float = 100.0
    capture_input: bool = True
    capture_output: bool = True
    csv_content_types: tuple[str, ...] = DEFAULT_CSV_CONTENT_TYPES
    json_content_types: tuple[str, ...] = DEFAULT_JSON_CONTENT_TYPES
    destination: str = ""
    synchronous: bool = False  # answer a captured request only once its record is written
    refuse_when_failing: bool = False  # answer 503 while capture cannot be written

    def __post_init__(self) -> None:
        # Lists arrive from JSON; keep the dataclass hashable and immutable.
        object.__setattr__(self, "csv_content_types", tuple(self.csv_content_types))
        object.__setattr__(self, "json_content_types", tuple(self.json_content_types))

    def validate(self) -> CaptureConfig:
        """Check SageMaker's limits; returns self so calls chain."""
        if not 0 <= self.sampling_percentage <= 100:
            raise ValidationError(f"Sampling percentage must be between 0 and 100, not "
                                  f"{self.sampling_percentage}.")
        if self.enable and not (self.capture_input or self.capture_output):
            raise ValidationError("Capture is on but neither request nor response is captured.")
        for name, types in (("CSV", self.csv_content_types), ("JSON", self.json_content_types)):
            if not 1 <= len(types) <= 10:
                raise ValidationError(f"{name} content types must list 1 to 10 types.")
        if self.enable and not self.destination:
            raise ValidationError("Capture is on but has no destination folder.")
        return self

    def to_dict(self) -> dict:
        data = asdict(self)
        data["csv_content_types"] = list(self.csv_content_types)
        data["json_content_types"] = list(self.json_content_types)
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> CaptureConfig:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_sagemaker(self, destination_uri: str | None = None) -> dict:
        """The ``DataCaptureConfig`` request shape of ``CreateEndpointConfig``."""
        modes = [m for m, on in (("Input", self.capture_input), ("Output", self.capture_output))
                 if on]
        return {
            "EnableCapture": self.enable,
            "InitialSamplingPercentage": int(round(self.sampling_percentage)),
            "DestinationS3Uri": destination_uri or self.destination,
            "CaptureOptions": [{"CaptureMode": m} for m in modes],
            "CaptureContentTypeHeader": {"CsvContentTypes": list(self.csv_content_types),
                                         "JsonContentTypes": list(self.json_content_types)},
        }


