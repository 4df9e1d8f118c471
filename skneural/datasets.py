"""Loaders for the offline data sets kept beside the repository.

The data live in ``<repo>/../shared/data`` (Fashion-MNIST, MNIST as the original IDX
files, and the petrol-consumption table). Point ``SKNEURAL_DATA_HOME`` at another folder
to use a copy elsewhere.
"""

import gzip
import os
from pathlib import Path

import numpy as np

__all__ = ["get_data_home", "load_idx", "load_fashion_mnist", "load_mnist",
           "load_petrol_consumption"]


def get_data_home(data_home=None):
    """Return the folder holding the shared data sets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder. When None, ``$SKNEURAL_DATA_HOME`` is used if set, else
        ``shared/data`` next to the repository this package was installed from.

    Returns
    -------
    path : pathlib.Path
    """
    if data_home is not None:
        return Path(data_home)
    env = os.environ.get("SKNEURAL_DATA_HOME")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def load_idx(path):
    """Read an IDX file (optionally gzipped) into a uint8 array of its stored shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    n_dims = raw[3]
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)
    )
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(shape)


def _load_mnist_like(folder, subset, data_home):
    root = get_data_home(data_home) / folder
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root} does not exist: the {folder} files are expected in "
            "shared/data next to the repository (or set SKNEURAL_DATA_HOME)."
        )
    prefix = {"train": "train", "test": "t10k"}[subset]
    X = load_idx(root / f"{prefix}-images-idx3-ubyte.gz")
    y = load_idx(root / f"{prefix}-labels-idx1-ubyte.gz")
    return X.reshape(len(X), -1), y


def load_fashion_mnist(subset="train", data_home=None):
    """Fashion-MNIST images as flat uint8 rows (n, 784) and labels 0..9.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        60,000 training rows or 10,000 test rows.
    data_home : str or path-like, default=None
        See :func:`get_data_home`.

    Returns
    -------
    X : ndarray of shape (n_samples, 784), dtype uint8
    y : ndarray of shape (n_samples,), dtype uint8
    """
    return _load_mnist_like("fashion-mnist", subset, data_home)


def load_mnist(subset="train", data_home=None):
    """MNIST digits as flat uint8 rows (n, 784) and labels 0..9 (see
    :func:`load_fashion_mnist`)."""
    return _load_mnist_like("mnist", subset, data_home)


def load_petrol_consumption(data_home=None):
    """The 48-state petrol-consumption table (Weisberg 1980).

    Returns
    -------
    X : ndarray of shape (48, 4)
        Petrol tax, average income, paved highways, proportion of drivers.
    y : ndarray of shape (48,)
        Petrol consumption.
    feature_names : list of str
    """
    path = get_data_home(data_home) / "petrol-consumption" / "petrol_consumption.csv"
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1], header[:-1]
