"""The endpoint's direct prediction call scores exactly as ``Booster.inplace_predict`` does,
for every output shape (binary, multi-class, multi-target) and any float32 input."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.serving.model import Model

FEATURES = 5


def _train(params: dict, labels) -> xgboost.Booster:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, FEATURES))
    return xgboost.train({**params, "nthread": 1}, xgboost.DMatrix(x, label=labels(x)), 8)


BOOSTERS = {
    "binary": lambda: _train({"objective": "binary:logistic"}, lambda x: x[:, 0] > 0),
    "multi-class": lambda: _train({"objective": "multi:softprob", "num_class": 3},
                                  lambda x: (x[:, 0] > 0).astype(int) + (x[:, 1] > 1)),
    "multi-target": lambda: _train({"objective": "reg:squarederror", "tree_method": "hist",
                                    "multi_strategy": "multi_output_tree"},
                                   lambda x: np.stack([x[:, 0], x[:, 1] * 2], axis=1)),
}

floats = st.floats(width=32, allow_nan=True, allow_infinity=True)


@pytest.fixture(scope="module", params=list(BOOSTERS))
def model(request) -> Model:
    return Model(BOOSTERS[request.param](), request.param)


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_direct_call_equals_inplace_predict(model, data):
    rows = data.draw(arrays(np.float32, st.tuples(st.integers(1, 40), st.just(FEATURES)),
                            elements=floats))
    expected = np.asarray(model.booster.inplace_predict(rows, validate_features=False))
    got = model.predict(rows)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert got.tobytes() == expected.tobytes()


def test_the_direct_call_is_used_and_survives_many_calls(model):
    assert model._dense is not None
    rows = np.random.default_rng(2).normal(size=(3, FEATURES)).astype(np.float32)
    first = model.predict(rows)
    other = model.predict(rows[:1] + 1)  # XGBoost reuses its buffer: the first must be a copy
    assert model.predict(rows).tobytes() == first.tobytes() and other.shape[0] == 1


def test_non_contiguous_and_other_dtypes_score_the_same(model):
    rows = np.random.default_rng(3).normal(size=(6, FEATURES * 2))
    view = rows[:, ::2].astype(np.float32)[::2]  # strided rows
    assert not rows[:, ::2].flags.c_contiguous
    expected = np.asarray(model.booster.inplace_predict(view, validate_features=False))
    assert model.predict(view).tobytes() == expected.tobytes()
    as64 = rows[:, :FEATURES]  # float64 takes the public call
    assert model.predict(as64).tobytes() == np.asarray(
        model.booster.inplace_predict(as64, validate_features=False)).tobytes()
