"""What an estimator may reuse from one call to the next without it being state.

Small calls (``partial_fit`` on a mini-batch, ``predict`` on one row) would otherwise
spend most of their time rebuilding what the previous call already built: the
:class:`~skneural.network.Network` (activation and loss lookups, the buffer layout),
the flat parameter buffer that ``coefs_`` / ``intercepts_`` are views of, and the
forward/backward buffers. This module keeps them per estimator in a weak mapping:
nothing here is an attribute of the estimator, so nothing is pickled or saved with
skops, and an estimator that is garbage collected takes its entry with it.

Every entry is checked before it is reused: the network by a key of everything it was
built from (parameters that may change with ``set_params``), the buffer by the
identity of the weight arrays the estimator holds (a user who assigns new
``coefs_`` gets them packed afresh, as before).
"""

import weakref

__all__ = ["network", "parameters", "remember_parameters", "param_names"]

_NETWORKS = weakref.WeakKeyDictionary()
_PARAMETERS = weakref.WeakKeyDictionary()
_PARAM_NAMES = {}


def _hashable(value):
    try:
        hash(value)
    except TypeError:  # lists (per-layer activations, dropout rates) inside
        if isinstance(value, list | tuple):
            return tuple(_hashable(v) for v in value)
        return id(value)
    return value


def network(estimator, key, build):
    """The estimator's cached network for ``key`` (a tuple of what it is built
    from), or ``build()`` remembered under it."""
    key = _hashable(key)
    cached = _NETWORKS.get(estimator)
    if cached is not None and cached[0] == key:
        return cached[1]
    built = build()
    _NETWORKS[estimator] = (key, built)
    return built


def parameters(estimator, network):
    """The flat buffer that the estimator's ``coefs_`` / ``intercepts_`` are still
    views of (the same arrays it was given last time, for this network), or None."""
    cached = _PARAMETERS.get(estimator)
    if cached is None:
        return None
    buffer, cached_network, coefs, intercepts = cached
    if cached_network is not network:
        return None
    held_coefs = estimator.__dict__.get("coefs_")
    held_intercepts = estimator.__dict__.get("intercepts_")
    if held_coefs is None or held_intercepts is None or \
            len(held_coefs) != len(coefs) or len(held_intercepts) != len(intercepts):
        return None
    for held, view in zip(held_coefs + held_intercepts, coefs + intercepts):
        if held is not view:
            return None
    return buffer


def remember_parameters(estimator, network, buffer, coefs, intercepts):
    """Remember that ``coefs`` / ``intercepts`` (as the estimator now holds them)
    are views of ``buffer``."""
    _PARAMETERS[estimator] = (buffer, network, list(coefs), list(intercepts))


def param_names(cls, compute):
    """An estimator class's parameter names, computed once (``inspect.signature``
    is slow, and ``get_params`` runs on every ``partial_fit``)."""
    names = _PARAM_NAMES.get(cls)
    if names is None:
        names = _PARAM_NAMES[cls] = tuple(compute())
    return list(names)
