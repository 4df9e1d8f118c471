"""Saving and loading skneural models, and what loading them asks you to trust.

pickle and joblib restore skneural models bit for bit, but unpickling runs whatever
code the file names: load only files you would run as programs. skops
(``pip install skneural[skops]``) stores a model as data plus the names of the types
it holds, and refuses to build any type you have not trusted. scikit-learn's types are
trusted by default; skneural's estimator classes are not, and skops offers no way for
another package to add its own, so pass them: :func:`trusted_types` lists them, and
:func:`load` passes them for you::

    import skops.io
    from skneural.persistence import trusted_types

    skops.io.dump(model, "model.skops")
    model = skops.io.load("model.skops", trusted=trusted_types())

A model configured with strings (every solver, schedule, activation and loss name,
including parameterized names such as ``activation="leaky_relu(negative_slope=0.2)"``
or ``loss="huber(delta=2.0)"``) holds nothing else that skops would question. A model
given objects (an ``Activation`` or ``Loss`` record, a solver object, a callable
``weight_init``) also stores their types and functions, for instance
``skneural.activations.Activation``, ``functools.partial`` and the functions the record
wraps. Review them with ``skops.io.get_untrusted_types(file=...)`` and trust exactly
those you recognise: ``load(file, trusted=[...])``.

Callbacks (``set_callbacks``) are not saved: a fitted model saves as the same model
fitted without them (see :mod:`skneural.callbacks`), so nothing more needs trust.
"""

from ._autoencoder import MLPAutoencoder
from ._mlp import MLPClassifier, MLPRegressor
from ._perceptron import PerceptronClassifier

__all__ = ["ESTIMATORS", "trusted_types", "load"]

#: The estimator classes skneural's skops files may hold at their root.
ESTIMATORS = (MLPClassifier, MLPRegressor, MLPAutoencoder, PerceptronClassifier)


def trusted_types(*estimators):
    """Fully qualified names of skneural's estimator classes, for ``skops.io.load``.

    Parameters
    ----------
    *estimators : classes
        Restrict the list to these classes, e.g. ``trusted_types(MLPClassifier)``
        to accept only files holding an ``MLPClassifier``. Default: all of
        :data:`ESTIMATORS`.

    Returns
    -------
    names : list of str
        As :func:`skops.io.get_untrusted_types` writes them, e.g.
        ``"skneural._mlp.MLPClassifier"``.

    Examples
    --------
    >>> from skneural.persistence import trusted_types
    >>> trusted_types()
    ['skneural._mlp.MLPClassifier', 'skneural._mlp.MLPRegressor', \
'skneural._autoencoder.MLPAutoencoder', 'skneural._perceptron.PerceptronClassifier']
    """
    for estimator in estimators:
        if estimator not in ESTIMATORS:
            raise ValueError(f"{estimator!r} is not one of skneural's estimators "
                             f"{[cls.__name__ for cls in ESTIMATORS]}.")
    return [f"{cls.__module__}.{cls.__qualname__}" for cls in estimators or ESTIMATORS]


def load(file, *, trusted=None):
    """Load a skops file trusting skneural's estimator classes and ``trusted``.

    Parameters
    ----------
    file : str, path, file-like object or bytes
        A file written by ``skops.io.dump``, or the bytes of ``skops.io.dumps``.
    trusted : list of str or type, default=None
        Further types to trust, as reviewed with ``skops.io.get_untrusted_types``
        (the types and functions of objects passed as parameters).

    Returns
    -------
    model : object

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        If the file holds any other type.
    """
    import skops.io

    trusted = trusted_types() + list(trusted or [])
    if isinstance(file, (bytes, bytearray)):
        return skops.io.loads(file, trusted=trusted)
    return skops.io.load(file, trusted=trusted)
