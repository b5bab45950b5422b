"""Load an XGBoost model from a SageMaker ``model.tar.gz`` or a plain model file, and predict.

``model.tar.gz`` must hold ``xgboost-model`` (as SageMaker's XGBoost container writes it); the
model itself may be UBJ, JSON, or a pickled ``Booster`` (older containers pickled it).
"""

from __future__ import annotations

import ctypes
import io
import logging
import pickle
import tarfile
import zlib
from pathlib import Path

import numpy as np
import xgboost

from core.errors import AppError

log = logging.getLogger(__name__)

MODEL_MEMBER = "xgboost-model"


class ModelArtifactError(AppError):
    """The model artifact cannot be read or is not an XGBoost model."""


class Model:
    """A loaded XGBoost booster that predicts float32 rows; safe to call from many threads."""

    def __init__(self, booster: xgboost.Booster, source: str) -> None:
        self.booster = booster
        self.source = source
        # One thread per request: the server parallelises across requests instead.
        self.booster.set_param({"nthread": 1})
        self.num_features = booster.num_features()
        self._dense = _DensePredictor.for_booster(booster)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Scores for a 2-D float array with ``num_features`` columns (NaN = missing)."""
        if self._dense is not None and rows.dtype == np.float32 and rows.ndim == 2:
            return self._dense(np.ascontiguousarray(rows))
        return np.asarray(self.booster.inplace_predict(rows, validate_features=False))


class _DensePredictor:
    """``Booster.inplace_predict`` for a C-contiguous float32 matrix, minus its per-call Python
    work (input type dispatch, a JSON encoding of the same arguments each time), which costs
    more than the prediction itself on one row. The same C call with the same arguments, so
    the scores are identical (tested); the GIL is released while XGBoost predicts."""

    def __init__(self, booster: xgboost.Booster, call, check, arguments: bytes) -> None:
        self.booster, self.call, self.check, self.arguments = booster, call, check, arguments

    @classmethod
    def for_booster(cls, booster: xgboost.Booster) -> _DensePredictor | None:
        try:  # XGBoost internals: without them, the public call does the same work
            from xgboost.core import _LIB, _check_call, make_jcargs
            arguments = make_jcargs(type=0, training=False, iteration_begin=0, iteration_end=0,
                                    missing=np.nan, strict_shape=False, cache_id=0)
            return cls(booster, _LIB.XGBoosterPredictFromDense, _check_call, arguments)
        except (ImportError, AttributeError, TypeError) as error:
            log.info("XGBoost's dense prediction call is not available (%s)", error)
            return None

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        interface = (b'{"data":[%d,true],"shape":[%d,%d],"strides":null,"typestr":"<f4",'
                     b'"version":3}' % (rows.ctypes.data, rows.shape[0], rows.shape[1]))
        shape = ctypes.POINTER(ctypes.c_uint64)()
        dims = ctypes.c_uint64()
        scores = ctypes.POINTER(ctypes.c_float)()
        self.check(self.call(self.booster.handle, interface, self.arguments, None,
                             ctypes.byref(shape), ctypes.byref(dims), ctypes.byref(scores)))
        out_shape = tuple(shape[i] for i in range(dims.value))
        if not all(out_shape):
            return np.zeros(out_shape, dtype=np.float32)
        # XGBoost owns (and reuses) the buffer: copy before anything else predicts.
        return np.ctypeslib.as_array(scores, shape=out_shape).copy()


def load_model(path: str | Path) -> Model:
    """Load ``model.tar.gz`` (holding ``xgboost-model``) or a plain XGBoost model file.

    Raises:
        ModelArtifactError: the file is missing, not a tarball with ``xgboost-model``, or
            not a model the installed XGBoost can load.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelArtifactError(f"Model artifact {path} does not exist.")
    raw = _read_tar_member(path) if _looks_like_tar(path) else path.read_bytes()
    return Model(_booster_from_bytes(raw, path), str(path))


def _looks_like_tar(path: Path) -> bool:
    with open(path, "rb") as handle:
        if handle.read(2) == b"\x1f\x8b":  # gzip: only ever a model.tar.gz here
            return True
    try:
        return tarfile.is_tarfile(path)
    except (OSError, EOFError, tarfile.TarError):
        return False


def _read_tar_member(path: Path) -> bytes:
    try:
        with tarfile.open(path, "r:*") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
            member = members.get(MODEL_MEMBER)
            if member is None:
                names = ", ".join(sorted(members)) or "nothing"
                raise ModelArtifactError(
                    f"{path} holds no '{MODEL_MEMBER}' file (it holds {names}); SageMaker "
                    f"XGBoost artifacts keep the model in '{MODEL_MEMBER}'.")
            return tar.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise ModelArtifactError(f"{path} is not a readable model.tar.gz: {error}") from error


def _booster_from_bytes(raw: bytes, path: Path) -> xgboost.Booster:
    if raw[:1] == b"\x80":  # pickle protocol 2+ header: older SageMaker containers pickled it
        return _unpickle_booster(raw, path)
    try:
        return xgboost.Booster(model_file=bytearray(raw))
    except xgboost.core.XGBoostError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "unknown error"
        raise ModelArtifactError(
            f"{path} is not an XGBoost model that XGBoost {xgboost.__version__} can load "
            f"(UBJ, JSON or a pickled Booster): {first}") from error


class _BoosterOnlyUnpickler(pickle.Unpickler):
    """Refuse every class but the ones a pickled Booster needs, so no code runs on load."""

    ALLOWED = {("xgboost.core", "Booster"), ("builtins", "bytearray")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _unpickle_booster(raw: bytes, path: Path) -> xgboost.Booster:
    try:
        booster = _BoosterOnlyUnpickler(io.BytesIO(raw)).load()
    except Exception as error:  # any failure inside a foreign pickle is the artifact's fault
        raise ModelArtifactError(
            f"{path} is a pickle that is not a loadable XGBoost Booster: {error}") from error
    if not isinstance(booster, xgboost.Booster):
        raise ModelArtifactError(f"{path} is a pickle of {type(booster).__name__}, not a Booster.")
    return booster
