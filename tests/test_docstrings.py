"""The Examples sections of the public modules run and print what they say."""

import doctest
import importlib
import pkgutil

import pytest

import skneural

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(skneural.__path__, "skneural.")
)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    registries = _snapshot_registries()
    try:
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE
                                 | doctest.ELLIPSIS)
    finally:
        _restore_registries(registries)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed"


def _snapshot_registries():
    from skneural import activations, losses

    return dict(activations.ACTIVATIONS), dict(losses.LOSSES)


def _restore_registries(snapshot):
    from skneural import activations, losses

    for registry, saved in zip((activations.ACTIVATIONS, losses.LOSSES), snapshot):
        registry.clear()
        registry.update(saved)
