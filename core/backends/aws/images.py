"""SageMaker container image URIs, read from the sagemaker SDK's bundled tables.

The tables are read as files, without importing ``sagemaker.core`` (whose import takes
seconds), giving the same URIs as ``sagemaker.core.image_uris.retrieve``.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

from core.backends.aws.errors import AwsError

MODEL_MONITOR = "model-monitor"
XGBOOST, XGBOOST_VERSION = "xgboost", "1.7-1"


@lru_cache(maxsize=8)
def _table(framework: str) -> dict:
    spec = importlib.util.find_spec("sagemaker")  # finds the package without importing it
    locations = (spec.submodule_search_locations or []) if spec is not None else []
    folders = [Path(p, "core", "image_uri_config") for p in locations]
    folders = [f for f in folders if f.is_dir()]
    if not folders:
        raise AwsError("The sagemaker SDK is not installed, so SageMaker image URIs cannot be "
                       "looked up: give the container image URI explicitly.", code="NoSdk")
    path = folders[0] / f"{framework}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if "versions" in data else data["inference"]


def image_uri(framework: str, region: str, version: str = "") -> str:
    """``{account}.dkr.ecr.{region}.amazonaws.com/{repository}[:{version}]``.

    Raises:
        AwsError: SageMaker has no such image in ``region`` (or no such version).
    """
    table = _table(framework)
    version = table.get("version_aliases", {}).get(version, version)
    entry = table["versions"].get(version)
    if entry is None or region not in entry["registries"]:
        raise AwsError(f"SageMaker has no {framework} {version} image in {region}; choose "
                       f"another region or give the image URI explicitly.", code="NoImage")
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    uri = f"{entry['registries'][region]}.dkr.ecr.{region}.{domain}/{entry['repository']}"
    return f"{uri}:{version}" if version else uri
