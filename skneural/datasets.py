"""The course's data sets: the petrol table (shipped), Fashion-MNIST and MNIST
(found on disk or downloaded once).

The 48-row petrol table ships inside the package, as scikit-learn ships its small
data sets: :func:`load_petrol_consumption` needs nothing else.

Fashion-MNIST and MNIST (the original gzipped IDX files, about 30 MB and 11 MB for
the training sets) are looked for, file by file, in:

1. ``data_home`` when given; else the folder named by the environment variable
   ``SKNEURAL_DATA_HOME`` when it is set; else
2. ``shared/data`` beside the source tree the package was imported from (the
   repository's ``../shared/data``: an editable install or a script run from a
   checkout), then skneural's cache folder (``~/.cache/skneural`` on Linux).

A file found nowhere is downloaded from the data set's public source (the mirrors in
:data:`SOURCES`, tried in order) into the first folder of the list that applies: the
``data_home`` argument, ``$SKNEURAL_DATA_HOME``, or the cache folder. Every
download is checked against the SHA-256 in :data:`CHECKSUMS` (the files the data
sets' authors published) and refused if it differs, so the second load reads the
verified copy and needs no network. Downloading needs `pooch
<https://www.fatiando.org/pooch>`_: ``pip install 'skneural[datasets]'``. A folder
holds ``fashion-mnist/`` and ``mnist/``, e.g. ``fashion-mnist/train-images-idx3-ubyte.gz``.

Every array returned is writable (``y[y == 9] = 0`` works, and ``torch.from_numpy``
takes it without a warning). Images come as flat rows of 784
pixels, uint8 in 0..255 by default; ``scale=True`` returns float32 in [0, 1], which
is what a neural network wants (with 0..255 inputs the first layer's units saturate
and training is much slower: scale your data).
"""

import gzip
import os
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["CHECKSUMS", "FASHION_MNIST_CLASSES", "SOURCES", "get_data_home",
           "load_idx", "load_fashion_mnist", "load_mnist", "load_petrol_consumption"]

#: Names of Fashion-MNIST's classes 0..9.
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

#: Where each data set is downloaded from: base URLs, tried in order until one gives
#: the file with the right checksum. Fashion-MNIST: its authors' repository and
#: their download bucket; MNIST: long-standing public mirrors of Yann LeCun's files,
#: then his page. Point these at a mirror of your own if you have one.
SOURCES = {
    "fashion-mnist": [
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/"
        "data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ],
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
}

#: SHA-256 of each file, as the data sets' authors published them (their MD5 sums
#: are in the Fashion-MNIST README and on Yann LeCun's MNIST page).
CHECKSUMS = {
    "fashion-mnist/train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "fashion-mnist/train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "fashion-mnist/t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "fashion-mnist/t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "mnist/train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "mnist/train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "mnist/t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "mnist/t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


# -- where the files are ---------------------------------------------------------------


def _cache_folder():
    """skneural's cache folder: pooch's ``os_cache`` (the platform's user cache)."""
    try:
        import pooch
    except ImportError:  # the same folder on Linux; without pooch nothing is fetched
        return Path("~/.cache/skneural").expanduser()
    return Path(pooch.os_cache("skneural"))


def _folders(data_home):
    """The folders searched, in order, each with where that choice came from; the
    last is where a missing file is downloaded to."""
    if data_home is not None:
        return [(Path(data_home), "the data_home argument")]
    env = os.environ.get("SKNEURAL_DATA_HOME")
    if env:
        return [(Path(env), "the SKNEURAL_DATA_HOME environment variable")]
    source_tree = Path(__file__).resolve().parents[1]
    return [(source_tree.parent / "shared" / "data",
             f"../shared/data beside the source tree {source_tree}"),
            (_cache_folder(), "skneural's cache folder")]


def get_data_home(data_home=None):
    """Return the folder the Fashion-MNIST and MNIST loaders read first.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder. When None, ``$SKNEURAL_DATA_HOME`` if set, else the
        repository's ``../shared/data`` if it exists, else skneural's cache folder
        (where downloads go).

    Returns
    -------
    path : pathlib.Path
        The folder; it may not exist yet.
    """
    folders = [folder for folder, _ in _folders(data_home)]
    return next((folder for folder in folders if folder.is_dir()), folders[-1])


def _import_pooch():
    try:
        import pooch
    except ImportError as exc:
        raise ImportError(
            "Downloading the data needs pooch: pip install 'skneural[datasets]' (or "
            "pip install pooch). Or put the files in a folder and set "
            "SKNEURAL_DATA_HOME to it.") from exc
    return pooch


def _download(relative, folder):
    """Download ``relative`` into ``folder`` from the first source that gives it
    with the published checksum; the path, or a FileNotFoundError listing every
    try."""
    pooch = _import_pooch()
    dataset, name = relative.split("/")
    failures = []
    for base in SOURCES[dataset]:
        try:
            return Path(pooch.retrieve(
                base + name, known_hash=f"sha256:{CHECKSUMS[relative]}", fname=name,
                path=folder / dataset, progressbar=False))
        except Exception as exc:  # network, HTTP and checksum errors alike
            failures.append(f"{base + name}: {type(exc).__name__}: {exc}")
    raise FileNotFoundError(
        f"{relative} is not on this machine and could not be downloaded into "
        f"{folder / dataset}; tried\n  " + "\n  ".join(failures))


def _find(relative, data_home, download_if_missing):
    """Path of ``relative``: the first copy found, else a fresh download."""
    folders = _folders(data_home)
    for folder, _ in folders:
        if (folder / relative).is_file():
            return folder / relative
    target, origin = folders[-1]
    if download_if_missing:
        return _download(relative, target)
    searched = ", ".join(f"{folder / relative} ({why})" for folder, why in folders)
    raise FileNotFoundError(
        f"{relative} not found: looked for {searched}. Pass download_if_missing=True "
        "to download it, put the data set's files there, pass data_home=..., or set "
        "the environment variable SKNEURAL_DATA_HOME to the folder holding "
        "fashion-mnist/ and mnist/.")


# -- reading ---------------------------------------------------------------------------


def load_idx(path):
    """Read an IDX file (optionally gzipped) into a uint8 array of its stored shape.

    Parameters
    ----------
    path : str or path-like
        An ``.idx*-ubyte`` file, gzipped when its name ends in ``.gz``.

    Returns
    -------
    array : ndarray of dtype uint8
        Shaped as the header says, e.g. (60000, 28, 28) for the training images;
        writable.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        magic = f.read(4)
        if len(magic) < 4 or magic[:3] != b"\x00\x00\x08":
            raise ValueError(f"{path} is not an IDX file of unsigned bytes (its first "
                             f"bytes are {magic!r}, expected 00 00 08 nd).")
        shape = tuple(int.from_bytes(f.read(4), "big") for _ in range(magic[3]))
        array = np.empty(shape, dtype=np.uint8)
        # Straight into the array: no read-only buffer, no second copy.
        view = memoryview(array).cast("B")
        n_read = 0
        while n_read < array.size:
            n = f.readinto(view[n_read:])
            if not n:
                raise ValueError(f"{path} is truncated: {n_read} of {array.size} bytes.")
            n_read += n
    return array


def _load_mnist_like(folder, subset, data_home, scale, download_if_missing):
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    prefix = {"train": "train", "test": "t10k"}[subset]
    X, y = (load_idx(_find(f"{folder}/{prefix}-{kind}-ubyte.gz", data_home,
                           download_if_missing))
            for kind in ("images-idx3", "labels-idx1"))
    X = X.reshape(len(X), -1)
    if scale:
        X = np.multiply(X, np.float32(1 / 255), dtype=np.float32)
    return X, y


def load_fashion_mnist(subset="train", *, scale=False, data_home=None,
                       download_if_missing=True):
    """Fashion-MNIST: 28x28 grey images of clothes as flat rows, labels 0..9.

    Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
    6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot (``FASHION_MNIST_CLASSES``). Zalando
    Research (Xiao, Rasul & Vollgraf 2017), MIT licence.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        60,000 training rows or 10,000 test rows.
    scale : bool, default=False
        If True, return the pixels as float32 in [0, 1] (divided by 255) instead of
        uint8 in 0..255. Scale before training a network: on raw pixels its units
        saturate from the first step.
    data_home : str or path-like, default=None
        Where to look and download; see the module's description.
    download_if_missing : bool, default=True
        Download the files found nowhere (30 MB for ``"train"``, 4.4 MB for
        ``"test"``; needs pooch). If False, raise FileNotFoundError instead.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        uint8, or float32 when ``scale=True``; writable.
    y : ndarray of shape (n_samples,), dtype uint8
        Writable.

    Raises
    ------
    FileNotFoundError
        If the files are missing and ``download_if_missing=False`` (the message
        names every folder searched), or no source gave a file with the published
        checksum (the message names every URL tried and why it failed).
    ImportError
        If a file must be downloaded and pooch is not installed.

    Examples
    --------
    >>> from skneural.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist("test", scale=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, float(X.max())                # doctest: +SKIP
    ((10000, 784), dtype('float32'), 1.0)
    """
    return _load_mnist_like("fashion-mnist", subset, data_home, scale,
                            download_if_missing)


def load_mnist(subset="train", *, scale=False, data_home=None, download_if_missing=True):
    """MNIST: 28x28 grey images of handwritten digits as flat rows, labels 0..9.

    Y. LeCun, C. Cortes and C. J. C. Burges's database.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        60,000 training rows or 10,000 test rows.
    scale : bool, default=False
        If True, return the pixels as float32 in [0, 1] instead of uint8 in 0..255.
    data_home : str or path-like, default=None
        Where to look and download; see the module's description.
    download_if_missing : bool, default=True
        Download the files found nowhere (11 MB for ``"train"``, 1.7 MB for
        ``"test"``; needs pooch). If False, raise FileNotFoundError instead.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        uint8, or float32 when ``scale=True``; writable.
    y : ndarray of shape (n_samples,), dtype uint8
        Writable.
    """
    return _load_mnist_like("mnist", subset, data_home, scale, download_if_missing)


def load_petrol_consumption(data_home=None, *, as_frame=False):
    """The 48-state petrol-consumption table (Weisberg 1980), shipped with skneural.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Read ``petrol-consumption/petrol_consumption.csv`` from this folder instead
        of the copy inside the package.
    as_frame : bool, default=False
        Return pandas objects, as pandas reads the CSV (needs pandas): ``X`` a
        DataFrame with the column names (income and paved highways as int64),
        ``y`` a Series.

    Returns
    -------
    X : ndarray of shape (48, 4) or DataFrame
        Petrol tax (cents per gallon), average income (dollars per capita), paved
        highways (miles), proportion of the population with a driving licence.
    y : ndarray of shape (48,) or Series
        Petrol consumption (gallons per capita).
    feature_names : list of str
        The CSV's column names for ``X``.

    Examples
    --------
    >>> from skneural.datasets import load_petrol_consumption
    >>> X, y, names = load_petrol_consumption()
    >>> X.shape, names[0], float(y.mean())
    ((48, 4), 'Petrol_tax', 576.7708333333334)
    """
    if data_home is not None:
        path = Path(data_home) / "petrol-consumption" / "petrol_consumption.csv"
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found (data_home={data_home!r}); "
                                    "without data_home the copy shipped with "
                                    "skneural is read.")
    else:
        path = resources.files("skneural") / "data" / "petrol_consumption.csv"
    with path.open() as f:
        if as_frame:
            import pandas as pd

            frame = pd.read_csv(f)
            return frame.iloc[:, :-1], frame.iloc[:, -1], list(frame.columns[:-1])
        header = f.readline().strip().split(",")
        data = np.loadtxt(f, delimiter=",")
    return (np.ascontiguousarray(data[:, :-1]), np.ascontiguousarray(data[:, -1]),
            header[:-1])
