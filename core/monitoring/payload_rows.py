"""One captured payload (a request or a response) as rows of cells, the way endpoints send them.

The rule we follow, and why. SageMaker's analyzer reads only CSV and "flattened JSON" for
data-quality monitoring: the Model Monitor guide ("Preprocessing and Postprocessing") says
the container "only works with tabular or flattened JSON structures, like
{"prediction0": 1.0, "prediction1": 2.1}" and sends anything else through a record
preprocessor; Spark orders a flattened object's keys by name, which is why AWS examples
zero-pad them. The real container also refuses a record whose input and output encodings
differ ("Encoding mismatch: Encoding is CSV for endpointInput, but Encoding is JSON for
endpointOutput", aws/sagemaker-python-sdk#2785). Real endpoints send SageMaker's common
inference formats ("Common data formats for inference"; the built-in algorithms' response
formats), so we read those as well, each side on its own, one row per instance:

* CSV: every non-empty line is a row (RFC 4180 quoting, CRLF, a trailing newline); an empty
  field is a missing value, as Spark's CSV reader has it.
* JSON requests: ``{"instances": [...]}`` (each element one instance), a list of rows, a flat
  object (one row), a list of objects, ``{"features": [...]}`` instances, and JSON Lines (one
  instance per line). A bare list of values is one row; under ``instances`` or
  ``predictions`` each value is an instance (TensorFlow Serving's reading) unless the other
  side of the record says there is one row (see ``align``).
* JSON responses: ``{"predictions": [...]}``, a list, a scalar, and the built-in algorithms'
  ``{"score": ..., "predicted_label": ...}`` objects.
* BASE64: decoded, then read as JSON or CSV by its content type (or by its first character
  when the type says neither); bytes that are not UTF-8 text are an undecodable record.

Objects keep their key names here; ``capture_rows`` maps them to the baseline's features.
A value nested inside a row (a tensor, a multiclass score list) stays one cell, its JSON text.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from dataclasses import dataclass

Cell = str | None
Part = list[Cell] | dict[str, Cell]  # positional cells, or cells by key name


class PayloadError(Exception):
    """A payload that cannot be read as rows; ``str()`` is the reason, ``field`` where."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.field = reason, field


@dataclass(frozen=True)
class Decoded:
    """A payload's rows, or a bare list of values whose reading depends on the other side.

    ``flat`` values are either one row of values or one single-value row each; ``align``
    decides, and without the other side ``flat_rows`` says which (True: one row each).
    """

    rows: list[Part] | None = None
    flat: list[Cell] | None = None
    flat_rows: bool = False

    def resolved(self, count: int | None = None) -> list[Part] | None:
        """The rows, with a bare list read to match ``count`` rows (None if it cannot)."""
        if self.rows is not None:
            return self.rows if count is None or len(self.rows) == count else None
        if count is None:
            return [[v] for v in self.flat] if self.flat_rows else [list(self.flat)]
        if count == len(self.flat):
            return [[v] for v in self.flat]
        return [list(self.flat)] if count == 1 else None


def decode_payload(text: str, encoding: str | None, content_type: str | None,
                   side: str) -> Decoded:
    """Rows of one payload. ``side`` is ``"input"`` or ``"output"``.

    Raises:
        PayloadError: not valid base64, not text, not CSV or JSON of a known shape.
    """
    media = (content_type or "").split(";", 1)[0].strip().lower()
    kind = "JSON" if encoding == "JSON" else "CSV"
    if encoding == "BASE64":
        text = _base64_text(text, media, side)
        kind = _kind_of(media, text)
    try:
        if kind == "JSON":
            return _json_rows(text, media, side)
        return Decoded(rows=csv_rows(text, side))
    except RecursionError as error:
        raise PayloadError(f"the {side} JSON is nested too deeply") from error


def align(output: Decoded | None, input_: Decoded | None
          ) -> list[tuple[Part | None, Part | None]]:
    """Pair output rows with input rows (a record's response answers its request row by row).

    Raises:
        PayloadError: the two sides have different numbers of rows.
    """
    if output is None and input_ is None:
        raise PayloadError("the record has neither input nor output data", "captureData")
    if output is None or input_ is None:
        rows = (output or input_).resolved()
        return [(row, None) if input_ is None else (None, row) for row in rows]
    if output.rows is None and input_.rows is None:  # two bare lists
        if len(output.flat) == len(input_.flat):
            return [([o], [i]) for o, i in zip(output.flat, input_.flat, strict=True)]
        return [(list(output.flat), list(input_.flat))]
    if output.rows is not None:
        outs, ins = output.rows, input_.resolved(len(output.rows))
    else:
        ins = input_.rows
        outs = output.resolved(len(ins))
    if outs is None or ins is None or len(outs) != len(ins):
        raise PayloadError(f"the output has {_count(output)} rows but the input has "
                           f"{_count(input_)}", "captureData")
    return list(zip(outs, ins, strict=True))


def csv_rows(text: str, side: str = "input") -> list[list[Cell]]:
    """Every non-empty CSV line as a row; empty fields are missing values."""
    if not text.strip("\r\n"):
        raise PayloadError(f"the {side} payload is empty")
    try:
        rows = [[cell if cell != "" else None for cell in row]
                for row in csv.reader(io.StringIO(text, newline="")) if row]
    except csv.Error as error:
        raise PayloadError(f"the {side} CSV cannot be read ({error})") from error
    if not rows:
        raise PayloadError(f"the {side} payload is empty")
    return rows


def cell_text(value) -> Cell:
    """A JSON value as the text Spark would type: ``1`` Integral, ``1.0`` Fractional."""
    kind = type(value)  # exact types first: this runs once per value of a JSON window
    if kind is str:
        return clean_text(value) if value else None
    if kind is float or kind is int:
        return repr(value)
    if value is None:
        return None
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return clean_text(value) if value else None
    return json.dumps(value, separators=(",", ":"))


def clean_text(text: str) -> str:
    """``text``, with a lone surrogate (JSON can escape one, UTF-8 cannot hold it) written as
    its ``\\ud800`` escape, so the value stays visible instead of breaking the column."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _base64_text(text: str, media: str, side: str) -> str:
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise PayloadError(f"the {side} payload is not valid base64 ({error})") from error
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadError(f"the {side} payload is binary data ({media or 'no content type'}), "
                           "not CSV or JSON text") from error


def _kind_of(media: str, text: str) -> str:
    if "json" in media:
        return "JSON"
    if "csv" in media:
        return "CSV"
    return "JSON" if text.lstrip()[:1] in ("{", "[") else "CSV"


def _json_rows(text: str, media: str, side: str) -> Decoded:
    if not text.strip():
        raise PayloadError(f"the {side} payload is empty")
    lines = "jsonlines" in media or "jsonl" in media or "ndjson" in media
    if not lines:
        try:
            return _document_rows(json.loads(text), side)
        except json.JSONDecodeError as error:
            if error.msg != "Extra data":  # several documents, one a line: JSON Lines
                raise PayloadError(f"the {side} JSON cannot be read ({error.msg} at line "
                                   f"{error.lineno} column {error.colno})") from error
        except ValueError as error:
            raise PayloadError(f"the {side} JSON cannot be read ({error})") from error
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                rows.append(_instance(json.loads(line), side))
            except ValueError as error:
                raise PayloadError(f"line {number} of the {side} JSON Lines cannot be read "
                                   f"({getattr(error, 'msg', error)})") from error
    return Decoded(rows=rows)


def _document_rows(doc, side: str) -> Decoded:
    if isinstance(doc, dict):
        keys = ("instances", "predictions") if side == "input" else ("predictions", "instances")
        for key in keys:
            if key in doc:
                return _list_rows(doc[key], side, flat_rows=True)
        return Decoded(rows=[_instance(doc, side)])
    if isinstance(doc, list):
        return _list_rows(doc, side, flat_rows=side == "output")
    return Decoded(rows=[[cell_text(doc)]])


def _list_rows(items, side: str, *, flat_rows: bool) -> Decoded:
    if not isinstance(items, list):
        return Decoded(rows=[_instance(items, side)])
    nested = [isinstance(v, (list, dict)) for v in items]
    if not any(nested):
        return Decoded(flat=[cell_text(v) for v in items], flat_rows=flat_rows)
    if not all(nested):
        raise PayloadError(f"the {side} JSON mixes single values and rows in one list")
    return Decoded(rows=[_instance(v, side) for v in items])


def _instance(value, side: str) -> Part:
    if isinstance(value, dict):
        if not value:
            raise PayloadError(f"the {side} JSON has an empty object, which holds no values")
        features = value.get("features")
        if len(value) == 1 and isinstance(features, list):
            return [cell_text(v) for v in features]
        return {clean_text(k): cell_text(v) for k, v in value.items()}  # JSON keys are str
    if isinstance(value, list):
        return [cell_text(v) for v in value]
    return [cell_text(value)]


def _count(decoded: Decoded) -> int:
    return len(decoded.rows) if decoded.rows is not None else len(decoded.flat)
