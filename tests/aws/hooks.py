"""botocore request hooks for what the local AWS server (moto) cannot answer.

A hook is registered on ``before-send.<service>.<Operation>``: it receives the fully signed and
serialized HTTP request, so botocore's own validation and serialization have run, and its
response goes through botocore's real parser and retry handler, exactly like a server's.
Requests are validated again here against botocore's service model, and responses are built
from the output shape, so a hook cannot accept what AWS would reject.

What the validation checks, exactly: botocore's own ParamValidator (required members, types,
unknown members, minimum lengths and values), plus what botocore leaves to the server and the
service model states: every string's maximum length, its regular-expression ``pattern`` and its
``enum`` values, and every number's maximum, at any depth (structures, lists and maps; list
lengths against their ``min``/``max`` too). Not checked: rules the model does not state (such as
which combinations of optional members an operation accepts) and anything about the resources
the request names.
"""

from __future__ import annotations

import json
from datetime import datetime

import botocore.session
from botocore.awsrequest import AWSResponse
import re

from botocore.validate import ParamValidator

_MODELS: dict[str, object] = {}


def service_model(service: str):
    if service not in _MODELS:
        _MODELS[service] = botocore.session.get_session().get_service_model(service)
    return _MODELS[service]


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs):
        yield self._body


def http_response(url: str, status: int, body: bytes, headers: dict | None = None):
    return AWSResponse(url, status, headers or {}, _Raw(body))


def validated_json_request(service: str, operation: str, request) -> dict:
    """The JSON body of a request, checked against the operation's input shape.

    Raises:
        AssertionError: the body does not match what AWS accepts.
    """
    shape = service_model(service).operation_model(operation).input_shape
    params = json.loads(request.body or b"{}")
    report = ParamValidator().validate(params, shape)
    assert not report.has_errors(), report.generate_report()
    problems = model_constraint_problems(params, shape)
    assert not problems, "\n".join(problems)
    return params


def model_constraint_problems(value, shape, path: str = "") -> list[str]:
    """Where ``value`` breaks the service model's max lengths, patterns, enums or maxima."""
    problems: list[str] = []
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in value.items():
            if name in shape.members:
                problems += model_constraint_problems(member, shape.members[name],
                                                      f"{path}.{name}" if path else name)
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} items, at most {meta['max']} allowed")
        for i, item in enumerate(value):
            problems += model_constraint_problems(item, shape.member, f"{path}[{i}]")
    elif kind == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} entries, at most {meta['max']} allowed")
        for key, item in value.items():
            problems += model_constraint_problems(key, shape.key, f"{path}<key {key!r}>")
            problems += model_constraint_problems(item, shape.value, f"{path}[{key!r}]")
    elif kind == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} characters, at most {meta['max']} allowed")
        if "pattern" in meta and not _matches(meta["pattern"], value):
            problems.append(f"{path}: {value!r} does not match {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} is not one of {shape.enum}")
    elif kind in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "max" in meta and value > meta["max"]:
            problems.append(f"{path}: {value} is above the maximum {meta['max']}")
    return problems


def _matches(pattern: str, value: str) -> bool:
    """AWS patterns are Java regular expressions; those in these models are also Python's
    (``\\p{...}`` classes, which Python's re lacks, are checked as matching anything)."""
    if "\\p{" in pattern:
        return True
    return re.fullmatch(pattern, value, re.DOTALL) is not None


def json_reply(service: str, operation: str, request, payload: dict, status: int = 200):
    """A JSON-protocol response, after checking ``payload`` fits the output shape."""
    shape = service_model(service).operation_model(operation).output_shape
    if shape is not None:
        report = ParamValidator().validate(payload, shape)
        assert not report.has_errors(), report.generate_report()
    body = json.dumps(payload, default=_epoch).encode()
    return http_response(request.url, status, body,
                         {"Content-Type": "application/x-amz-json-1.1"})


def json_error(request, status: int, code: str, message: str):
    """An error as the JSON protocol (SageMaker) sends it."""
    body = json.dumps({"__type": code, "message": message}).encode()
    return http_response(request.url, status, body,
                         {"Content-Type": "application/x-amz-json-1.1",
                          "x-amzn-ErrorType": code})


def xml_error(request, status: int, code: str, message: str):
    """An error as S3 (rest-xml) sends it."""
    body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
            f"<Message>{message}</Message></Error>").encode()
    return http_response(request.url, status, body, {"Content-Type": "application/xml"})


def query_error(request, status: int, code: str, message: str):
    """An error as query-protocol services (STS) send it."""
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error></ErrorResponse>").encode()
    return http_response(request.url, status, body, {"Content-Type": "text/xml"})


class FailTimes:
    """A hook failing the first ``times`` attempts with ``make_error``, then passing through."""

    def __init__(self, times: int, make_error) -> None:
        self.times, self.make_error, self.attempts = times, make_error, 0

    def __call__(self, request, **_kwargs):
        self.attempts += 1
        if self.attempts <= self.times:
            return self.make_error(request)
        return None  # the real server answers


def _epoch(value):
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"not JSON serializable: {value!r}")
