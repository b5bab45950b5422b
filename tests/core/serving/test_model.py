"""Model artifacts: model.tar.gz and plain files in every format current XGBoost loads."""

from __future__ import annotations

import io
import pickle
import tarfile

import numpy as np
import pytest
import xgboost

from core.serving.model import ModelArtifactError, load_model


@pytest.fixture(scope="module")
def booster():
    rng = np.random.default_rng(0)
    x = rng.random((200, 4))
    return xgboost.train({"objective": "binary:logistic", "nthread": 1},
                         xgboost.DMatrix(x, label=(x[:, 0] > 0.5)), 5), x[:5]


def _tar(path, members: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("fmt", ["ubj", "json", "pickle"])
def test_plain_and_tarred_models_predict_alike(booster, tmp_path, fmt):
    model, rows = booster
    raw = pickle.dumps(model) if fmt == "pickle" else bytes(model.save_raw(fmt))
    plain = tmp_path / f"model.{fmt}"
    plain.write_bytes(raw)
    tarred = _tar(tmp_path / "model.tar.gz", {"xgboost-model": raw})
    expected = model.inplace_predict(rows)
    for path in (plain, tarred):
        loaded = load_model(path)
        assert loaded.num_features == 4
        np.testing.assert_array_equal(loaded.predict(rows.astype(np.float32)),
                                      model.inplace_predict(rows.astype(np.float32)))
    assert expected.shape == (5,)


def test_demo_artifact_loads(model_tar):
    assert load_model(model_tar).num_features == 69


def test_tar_without_xgboost_model(tmp_path):
    path = _tar(tmp_path / "model.tar.gz", {"model.pkl": b"x", "code/inference.py": b""})
    with pytest.raises(ModelArtifactError, match="holds no 'xgboost-model'.*model.pkl"):
        load_model(path)


def test_garbage_and_missing_files(tmp_path):
    garbage = tmp_path / "xgboost-model"
    garbage.write_bytes(b"definitely not a model")
    with pytest.raises(ModelArtifactError, match="not an XGBoost model"):
        load_model(garbage)
    with pytest.raises(ModelArtifactError, match="does not exist"):
        load_model(tmp_path / "nope.tar.gz")
    truncated = tmp_path / "cut.tar.gz"
    good = _tar(tmp_path / "good.tar.gz", {"xgboost-model": b"a" * 10000}).read_bytes()
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelArtifactError):
        load_model(truncated)


class Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_pickles_other_than_a_booster_are_refused_without_running_code(tmp_path, capsys):
    path = tmp_path / "xgboost-model"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ModelArtifactError, match="refusing to load builtins.print"):
        load_model(path)
    assert "must never run" not in capsys.readouterr().out
