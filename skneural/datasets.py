"""Loaders for the offline data sets of the course: Fashion-MNIST, MNIST, petrol.

The files are not shipped with the package. The loaders look for them in, in order:

1. ``data_home`` when given;
2. the folder named by the environment variable ``SKNEURAL_DATA_HOME``;
3. ``shared/data`` next to the source tree the package was imported from (the
   repository's ``../shared/data``: this works for an editable install and for a
   script run from a checkout).

The folder holds ``fashion-mnist/`` and ``mnist/`` (the original gzipped IDX files,
e.g. ``train-images-idx3-ubyte.gz``) and ``petrol-consumption/petrol_consumption.csv``.
When a file is missing, the error names every folder that was searched.

Images come as flat rows of 784 pixels, uint8 in 0..255 by default; ``scale=True``
returns float32 in [0, 1], which is what a neural network wants (with 0..255 inputs
the first layer's units saturate and training is much slower: scale your data).
"""

import gzip
import os
from pathlib import Path

import numpy as np

__all__ = ["FASHION_MNIST_CLASSES", "get_data_home", "load_idx", "load_fashion_mnist",
           "load_mnist", "load_petrol_consumption"]

#: Names of Fashion-MNIST's classes 0..9.
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _home_and_origin(data_home=None):
    """The data folder and a phrase saying where that choice came from."""
    if data_home is not None:
        return Path(data_home), "the data_home argument"
    env = os.environ.get("SKNEURAL_DATA_HOME")
    if env:
        return Path(env), "the SKNEURAL_DATA_HOME environment variable"
    source_tree = Path(__file__).resolve().parents[1]
    return (source_tree.parent / "shared" / "data",
            f"../shared/data beside the source tree {source_tree}")


def get_data_home(data_home=None):
    """Return the folder the loaders read from.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder. When None, ``$SKNEURAL_DATA_HOME`` if set, else
        ``shared/data`` beside the source tree (the repository's ``../shared/data``).

    Returns
    -------
    path : pathlib.Path
        The folder; it may not exist (the loaders then raise an error that says
        where they looked).
    """
    return _home_and_origin(data_home)[0]


def _find(relative, data_home):
    """Path of ``relative`` in the data folder, or a FileNotFoundError naming it."""
    home, origin = _home_and_origin(data_home)
    path = home / relative
    if path.is_file():
        return path
    raise FileNotFoundError(
        f"{relative} not found: looked for {path} (the data folder {home}, from {origin}). "
        "Put the course's data there, pass data_home=..., or set the environment "
        "variable SKNEURAL_DATA_HOME to the folder holding fashion-mnist/, mnist/ "
        "and petrol-consumption/."
    )


def load_idx(path):
    """Read an IDX file (optionally gzipped) into a uint8 array of its stored shape.

    Parameters
    ----------
    path : str or path-like
        An ``.idx*-ubyte`` file, gzipped when its name ends in ``.gz``.

    Returns
    -------
    array : ndarray of dtype uint8
        Shaped as the header says, e.g. (60000, 28, 28) for the training images.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    n_dims = raw[3]
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)
    )
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(shape)


def _load_mnist_like(folder, subset, data_home, scale):
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    prefix = {"train": "train", "test": "t10k"}[subset]
    X = load_idx(_find(f"{folder}/{prefix}-images-idx3-ubyte.gz", data_home))
    y = load_idx(_find(f"{folder}/{prefix}-labels-idx1-ubyte.gz", data_home))
    X = X.reshape(len(X), -1)
    if scale:
        X = np.multiply(X, np.float32(1 / 255), dtype=np.float32)
    return X, y


def load_fashion_mnist(subset="train", *, scale=False, data_home=None):
    """Fashion-MNIST: 28x28 grey images of clothes as flat rows, labels 0..9.

    Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
    6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot (``FASHION_MNIST_CLASSES``).

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        60,000 training rows or 10,000 test rows.
    scale : bool, default=False
        If True, return the pixels as float32 in [0, 1] (divided by 255) instead of
        uint8 in 0..255. Scale before training a network: on raw pixels its units
        saturate from the first step.
    data_home : str or path-like, default=None
        See :func:`get_data_home`.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        uint8, or float32 when ``scale=True``.
    y : ndarray of shape (n_samples,), dtype uint8

    Raises
    ------
    FileNotFoundError
        If the files are missing; the message names the folder searched.

    Examples
    --------
    >>> from skneural.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist("test", scale=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, float(X.max())                # doctest: +SKIP
    ((10000, 784), dtype('float32'), 1.0)
    """
    return _load_mnist_like("fashion-mnist", subset, data_home, scale)


def load_mnist(subset="train", *, scale=False, data_home=None):
    """MNIST: 28x28 grey images of handwritten digits as flat rows, labels 0..9.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        60,000 training rows or 10,000 test rows.
    scale : bool, default=False
        If True, return the pixels as float32 in [0, 1] instead of uint8 in 0..255.
    data_home : str or path-like, default=None
        See :func:`get_data_home`.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        uint8, or float32 when ``scale=True``.
    y : ndarray of shape (n_samples,), dtype uint8
    """
    return _load_mnist_like("mnist", subset, data_home, scale)


def load_petrol_consumption(data_home=None):
    """The 48-state petrol-consumption table (Weisberg 1980).

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`get_data_home`.

    Returns
    -------
    X : ndarray of shape (48, 4)
        Petrol tax (cents per gallon), average income (dollars per capita), paved
        highways (miles), proportion of the population with a driving licence.
    y : ndarray of shape (48,)
        Petrol consumption (gallons per capita).
    feature_names : list of str
        The CSV's column names for ``X``.
    """
    path = _find("petrol-consumption/petrol_consumption.csv", data_home)
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1], header[:-1]
