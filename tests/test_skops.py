"""skops persistence: what a saved skneural model asks its loader to trust."""

import io
import json
import warnings
import zipfile

import numpy as np
import pytest

sio = pytest.importorskip("skops.io")

from numpy.testing import assert_array_equal  # noqa: E402
from skops.io.exceptions import UntrustedTypesFoundException  # noqa: E402

from skneural import (  # noqa: E402
    MLPAutoencoder,
    MLPClassifier,
    MLPRegressor,
    PerceptronClassifier,
    activations,
    optim,
)
from skneural.persistence import load, trusted_types  # noqa: E402

CLASSIFIER_LOSSES = {"log_loss", "binary_log_loss"}
SCHEDULES = ["constant", "invscaling", "adaptive", "plateau", "bold_driver"]
PARAMETERIZED_ACTIVATIONS = ["leaky_relu(negative_slope=0.2)", "elu(alpha=0.5)",
                             "gelu(approximate='tanh')"]


def _builtin_activations():
    def defined_here(record):
        function = getattr(record.function, "func", record.function)
        return getattr(function, "__module__", "") == "skneural.activations"

    return sorted(name for name, record in activations.ACTIVATIONS.items()
                  if defined_here(record))


def _regression_losses():
    from skneural import losses

    return sorted(set(losses.LOSSES) - CLASSIFIER_LOSSES)


def _data(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] > 0).astype(int), np.abs(X[:, 1]) + X[:, 0] ** 2


# Each case: (estimator, how to fit it). Every solver name, every schedule, every
# activation name, every regression loss, the parameterized string specs, and a few
# fitted states beyond plain fit (partial_fit, early stopping, perceptron variants).
CASES = (
    [(f"solver={s}", MLPClassifier((3,), solver=s, max_iter=3), "fit")
     for s in optim.SOLVERS]
    + [(f"learning_rate={r}", MLPClassifier((3,), solver="sgd", learning_rate=r,
                                            max_iter=4), "fit") for r in SCHEDULES]
    + [(f"learning_rate={r},solver=adam", MLPRegressor((3,), learning_rate=r,
                                                       max_iter=4), "fit")
       for r in ("plateau", "bold_driver")]
    + [(f"activation={a}", MLPRegressor((3,), activation=a, max_iter=3), "fit")
       for a in _builtin_activations() + PARAMETERIZED_ACTIVATIONS]
    + [(f"loss={loss}", MLPRegressor((3,), loss=loss, max_iter=3), "fit")
       for loss in _regression_losses() + ["huber(delta=2.0)"]]
    + [("partial_fit", MLPClassifier((3,), solver="sgd", learning_rate="bold_driver"),
        "partial_fit"),
       ("early_stopping", MLPClassifier((3,), early_stopping=True, max_iter=5), "fit"),
       ("perceptron", PerceptronClassifier(max_iter=3), "fit"),
       ("perceptron_averaged", PerceptronClassifier(averaged=True, max_iter=3), "fit"),
       ("perceptron_pocket", PerceptronClassifier(pocket=True, max_iter=3), "fit")]
)


def _fitted(model, how):
    X, y_class, y_reg = _data()
    y = y_reg if isinstance(model, MLPRegressor) else y_class
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if how == "partial_fit":
            model.partial_fit(X, y, classes=np.unique(y))
            return model.partial_fit(X, y), X
        return model.fit(X, y), X


@pytest.mark.parametrize("model, how", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_string_configured_model_needs_only_its_class_trusted(model, how):
    model, X = _fitted(model, how)
    data = sio.dumps(model)
    assert sio.get_untrusted_types(data=data) == trusted_types(type(model))
    loaded = load(data)
    assert type(loaded) is type(model)
    assert_array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "predict_proba"):
        assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_trusted_types_names_the_estimator_classes():
    names = trusted_types()
    for cls in (MLPClassifier, MLPRegressor, MLPAutoencoder, PerceptronClassifier):
        # the names skops records for the class, compared with a dump's own listing
        model, _ = _fitted(cls(max_iter=2) if cls is PerceptronClassifier
                           else cls((2,), max_iter=2), "fit")
        untrusted = sio.get_untrusted_types(data=sio.dumps(model))
        assert f"{cls.__module__}.{cls.__name__}" in untrusted
        assert set(untrusted) <= set(names)
    with pytest.raises(ValueError, match="not one of skneural's estimators"):
        trusted_types(dict)


def test_user_objects_must_be_trusted_by_the_user(tmp_path):
    model, X = _fitted(MLPClassifier((3,), activation=activations.leaky_relu(0.3),
                                     max_iter=3), "fit")
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    extra = sorted(set(sio.get_untrusted_types(file=path)) - set(trusted_types()))
    assert "skneural.activations.Activation" in extra
    with pytest.raises(UntrustedTypesFoundException):
        load(path)
    loaded = load(path, trusted=extra)
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def _edited(data, edit):
    """The skops bytes ``data`` with its schema.json passed through ``edit``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "schema.json":
                schema = json.loads(content)
                edit(schema)
                content = json.dumps(schema).encode()
            target.writestr(name, content)
    return out.getvalue()


def _claim_popen(schema):
    schema["__module__"], schema["__class__"] = "subprocess", "Popen"


def _activation_is_os_system(schema):
    schema["content"]["content"]["activation"] = {
        "__class__": "system", "__module__": "os", "__loader__": "TypeNode",
        "__id__": 1}


@pytest.mark.parametrize("edit", [_claim_popen, _activation_is_os_system])
def test_edited_file_is_refused(edit):
    model, _ = _fitted(MLPClassifier((3,), max_iter=3), "fit")
    data = sio.dumps(model)
    assert isinstance(load(data), MLPClassifier)  # the unedited file loads
    with pytest.raises(UntrustedTypesFoundException):
        load(_edited(data, edit))
    with pytest.raises(UntrustedTypesFoundException):
        sio.loads(_edited(data, edit), trusted=trusted_types())


def test_file_holding_another_estimator_class_is_refused():
    # A loader that expects a classifier trusts only that class.
    model, _ = _fitted(MLPRegressor((3,), max_iter=3), "fit")
    with pytest.raises(UntrustedTypesFoundException):
        sio.loads(sio.dumps(model), trusted=trusted_types(MLPClassifier))
    assert isinstance(sio.loads(sio.dumps(model), trusted=trusted_types(MLPRegressor)),
                      MLPRegressor)
