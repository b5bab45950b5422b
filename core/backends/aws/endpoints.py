"""SageMaker real-time endpoints with data capture: deploy, wait, describe, delete.

Deploy is CreateModel -> CreateEndpointConfig (with ``DataCaptureConfig``) -> CreateEndpoint,
then polling until InService; a failure or cancel removes what was created. The workspace
remembers AWS endpoints with ``backend="aws"``.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from core.backends.aws.errors import AwsError, aws_errors
from core.backends.aws.session import client, region_of
from core.config import AwsSettings
from core.errors import Cancelled, ValidationError
from core.progress import CancelToken, Progress, ProgressFn, no_progress, scaled
from core.serving.config import CaptureConfig
from core.serving.lifecycle import validate_endpoint_name
from core.backends.storage import Storage, is_s3

log = logging.getLogger(__name__)

DEFAULT_INSTANCE_TYPE = "ml.m5.large"
IN_SERVICE, FAILED, DELETED = "InService", "Failed", "Deleted"
POLL_S = 15.0
DEPLOY_TIMEOUT_S = 45 * 60.0


def xgboost_image_uri(region: str) -> str:
    """SageMaker's built-in XGBoost serving image for ``region``."""
    from core.backends.aws.images import XGBOOST, XGBOOST_VERSION, image_uri

    return image_uri(XGBOOST, region, XGBOOST_VERSION)


def resource_names(name: str, when: datetime | None = None) -> tuple[str, str]:
    """Model and endpoint-config names for an endpoint: ``{name}-{yyyymmdd-HHMMSS}`` (<= 63)."""
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    base = name[: 63 - len(stamp) - 5]
    return f"{base}-m-{stamp}", f"{base}-c-{stamp}"


def deploy_endpoint(settings: AwsSettings, name: str, model_data: str | Path,
                    capture: CaptureConfig, *, image_uri: str = "",
                    instance_type: str = DEFAULT_INSTANCE_TYPE, instance_count: int = 1,
                    variant: str = "AllTraffic", workspace=None, wait: bool = True,
                    timeout_s: float = DEPLOY_TIMEOUT_S, poll_s: float = POLL_S,
                    progress: ProgressFn = no_progress,
                    cancel: CancelToken | None = None) -> dict:
    """Deploy a model artifact to a SageMaker real-time endpoint with data capture.

    Args:
        settings: AWS settings; the role ARN is the endpoint's execution role.
        name: endpoint name (SageMaker's rules).
        model_data: ``s3://.../model.tar.gz``, or a local file uploaded under the bucket prefix.
        capture: data capture settings; an empty destination means
            ``s3://{bucket}/{prefix}/data-capture``.
        image_uri: the serving container; empty means SageMaker's XGBoost image.
        workspace: when given, the endpoint is recorded there with ``backend="aws"``.
        wait: poll until InService (or Failed); otherwise return after CreateEndpoint.

    Returns:
        The final DescribeEndpoint response (status InService, or Creating without ``wait``).

    Raises:
        AwsError: a call failed or the endpoint ended Failed (resources are removed).
        Cancelled: the wait was cancelled (resources are removed).
    """
    validate_endpoint_name(name)
    if not settings.role_arn:
        raise ValidationError("Deploying to SageMaker needs an execution role ARN: set it in "
                              "the AWS settings.")
    destination = capture.destination or settings.s3_uri("data-capture")
    if capture.enable and not is_s3(destination):
        raise ValidationError(f"SageMaker captures to S3 only: {destination!r} is not an "
                              f"s3:// URI.")
    capture = CaptureConfig.from_dict({**capture.to_dict(), "destination": destination})
    capture.validate()
    model_uri = _model_uri(settings, name, model_data, scaled(progress, 0.0, 0.3), cancel)
    image = image_uri or xgboost_image_uri(region_of(settings))
    sagemaker = client(settings, "sagemaker")
    created: list[tuple[str, str]] = []
    _record(workspace, name, status="Creating", model_path=model_uri, variant=variant,
            capture_config=capture.to_dict(), url=f"sagemaker:{region_of(settings)}/{name}")
    try:
        progress(Progress(300, 1000, "Creating the SageMaker model and endpoint"))
        variant_spec = {"VariantName": variant, "InitialInstanceCount": instance_count,
                        "InstanceType": instance_type, "InitialVariantWeight": 1.0}
        _create_resources(sagemaker, settings, name, image, model_uri, variant_spec,
                          capture.to_sagemaker(destination), created)
        if not wait:
            with aws_errors(f"sagemaker:DescribeEndpoint {name}"):
                return sagemaker.describe_endpoint(EndpointName=name)
        described = wait_for_endpoint(sagemaker, name, timeout_s=timeout_s, poll_s=poll_s,
                                      progress=scaled(progress, 0.35, 1.0), cancel=cancel)
    except (AwsError, Cancelled, ValidationError) as error:
        _rollback(sagemaker, created)
        _record(workspace, name, status=FAILED if not isinstance(error, Cancelled) else DELETED,
                failure_reason=str(error))
        raise
    _record(workspace, name, status=IN_SERVICE, failure_reason="")
    return described


def _create_resources(sagemaker, settings: AwsSettings, name: str, image: str, model_uri: str,
                      variant_spec: dict, data_capture: dict,
                      created: list[tuple[str, str]]) -> None:
    """CreateModel, CreateEndpointConfig, CreateEndpoint; ``created`` lists what exists."""
    model_name, config_name = resource_names(name)
    with aws_errors(f"sagemaker:CreateModel {model_name}"):
        sagemaker.create_model(ModelName=model_name, ExecutionRoleArn=settings.role_arn,
                               PrimaryContainer={"Image": image, "ModelDataUrl": model_uri})
    created.append(("model", model_name))
    with aws_errors(f"sagemaker:CreateEndpointConfig {config_name}"):
        sagemaker.create_endpoint_config(EndpointConfigName=config_name,
                                         ProductionVariants=[{**variant_spec,
                                                              "ModelName": model_name}],
                                         DataCaptureConfig=data_capture)
    created.append(("config", config_name))
    with aws_errors(f"sagemaker:CreateEndpoint {name}"):
        sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=config_name)
    created.append(("endpoint", name))


def wait_for_endpoint(sagemaker, name: str, *, timeout_s: float = DEPLOY_TIMEOUT_S,
                      poll_s: float = POLL_S, progress: ProgressFn = no_progress,
                      cancel: CancelToken | None = None) -> dict:
    """Poll DescribeEndpoint until InService; report the status and elapsed time.

    Raises:
        AwsError: the endpoint ended Failed (with SageMaker's reason) or the wait timed out.
    """
    started = time.monotonic()
    while True:
        with aws_errors(f"sagemaker:DescribeEndpoint {name}"):
            described = sagemaker.describe_endpoint(EndpointName=name)
        status, elapsed = described["EndpointStatus"], time.monotonic() - started
        progress(Progress(int(min(elapsed / timeout_s, 0.99) * 1000), 1000,
                          f"{name}: {status} ({int(elapsed // 60)} min {int(elapsed % 60)} s)"))
        if status == IN_SERVICE:
            return described
        if status == FAILED:
            raise AwsError(f"SageMaker could not create endpoint {name}: "
                           f"{described.get('FailureReason') or 'no reason given'}.",
                           code="EndpointFailed")
        if elapsed > timeout_s:
            raise AwsError(f"Endpoint {name} is still {status} after {int(timeout_s // 60)} "
                           f"minutes; look at it in the SageMaker console.", code="Timeout")
        _sleep(poll_s, cancel)


def delete_endpoint(settings: AwsSettings, name: str, *, workspace=None,
                    progress: ProgressFn = no_progress,
                    cancel: CancelToken | None = None) -> None:
    """Delete an endpoint with its endpoint config and models (those it still references)."""
    sagemaker = client(settings, "sagemaker")
    progress(Progress(0, 3, f"Deleting endpoint {name}"))
    with aws_errors(f"sagemaker:DescribeEndpoint {name}"):
        config_name = sagemaker.describe_endpoint(EndpointName=name)["EndpointConfigName"]
    with aws_errors(f"sagemaker:DescribeEndpointConfig {config_name}"):
        variants = sagemaker.describe_endpoint_config(
            EndpointConfigName=config_name)["ProductionVariants"]
    with aws_errors(f"sagemaker:DeleteEndpoint {name}"):
        sagemaker.delete_endpoint(EndpointName=name)
    progress(Progress(1, 3, "Deleting the endpoint config"))
    _rollback(sagemaker, [("model", v["ModelName"]) for v in variants]
              + [("config", config_name)])
    progress(Progress(3, 3, f"Deleted {name}"))
    _record(workspace, name, status=DELETED)


def endpoint_capture(settings: AwsSettings, name: str) -> tuple[dict, dict | None]:
    """DescribeEndpoint and the ``DataCaptureConfig`` of its endpoint config (None if off)."""
    sagemaker = client(settings, "sagemaker")
    with aws_errors(f"sagemaker:DescribeEndpoint {name}"):
        described = sagemaker.describe_endpoint(EndpointName=name)
    with aws_errors(f"sagemaker:DescribeEndpointConfig {described['EndpointConfigName']}"):
        config = sagemaker.describe_endpoint_config(
            EndpointConfigName=described["EndpointConfigName"])
    return described, config.get("DataCaptureConfig")


def list_endpoints(settings: AwsSettings) -> list[dict]:
    """Every endpoint in the region: name, status, creation time."""
    sagemaker, found = client(settings, "sagemaker"), []
    with aws_errors("sagemaker:ListEndpoints"):
        for page in sagemaker.get_paginator("list_endpoints").paginate():
            found.extend(page["Endpoints"])
    return found


def _model_uri(settings, name, model_data, progress, cancel) -> str:
    if is_s3(str(model_data)):
        return str(model_data)
    source = Path(model_data)
    if not source.is_file():
        raise ValidationError(f"The model artifact {source} does not exist.")
    target = settings.s3_uri("models", name, source.name)
    return Storage(settings).upload(source, target, progress=progress, cancel=cancel)


def _rollback(sagemaker, created: list[tuple[str, str]]) -> None:
    """Delete what a failed deploy created, newest first; failures are only logged."""
    calls = {"endpoint": lambda n: sagemaker.delete_endpoint(EndpointName=n),
             "config": lambda n: sagemaker.delete_endpoint_config(EndpointConfigName=n),
             "model": lambda n: sagemaker.delete_model(ModelName=n)}
    for kind, resource in reversed(created):
        try:
            calls[kind](resource)
        except Exception:  # noqa: BLE001 - the original failure is what the user must see
            log.warning("could not delete %s %s", kind, resource, exc_info=True)


def _record(workspace, name: str, **changes) -> None:
    if workspace is None:
        return
    from core.workspace.store import EndpointRecord

    if workspace.get_endpoint(name) is None:
        workspace.upsert_endpoint(EndpointRecord(name=name, backend="aws", **changes))
    else:
        workspace.update_endpoint(name, **changes)


def _sleep(seconds: float, cancel: CancelToken | None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cancel is not None:
            cancel.raise_if_cancelled()
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
