"""The data loaders: the petrol table shipped in the package, Fashion-MNIST and MNIST
read from the shared copies or downloaded (from a local HTTP server serving those
copies) with their published checksums, writable arrays, and clear errors.

References: the published class counts and MD5 sums (``shared/data/README.md`` and
``MD5SUMS``, equal to the data sets' authors'), the petrol table's published means,
and a hand-made IDX file.
"""

import functools
import gzip
import hashlib
import http.server
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from skneural import datasets

# The repository's ../shared/data, located from this file (not from the package).
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"the shared data folder {SHARED} is absent")

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _published_md5(relative):
    for line in (SHARED / "MD5SUMS").read_text().splitlines():
        md5, name = line.split()
        if name == relative:
            return md5
    raise KeyError(relative)


def _md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def no_data_home(monkeypatch, tmp_path):
    """No $SKNEURAL_DATA_HOME, and no repository copy: the cache is ``tmp_path``."""
    monkeypatch.delenv("SKNEURAL_DATA_HOME", raising=False)
    monkeypatch.setattr(datasets, "__file__", str(tmp_path / "pkg" / "skneural" / "x.py"))
    monkeypatch.setattr(datasets, "_cache_folder", lambda: tmp_path / "cache")
    return tmp_path / "cache"


# -- the shared copies ------------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("loader", [datasets.load_fashion_mnist, datasets.load_mnist])
def test_mnist_like_shapes_and_labels(loader):
    X, y = loader("test", data_home=SHARED, download_if_missing=False)
    assert X.shape == (10000, 784) and X.dtype == np.uint8
    assert y.shape == (10000,) and set(np.unique(y)) == set(range(10))


@needs_shared
def test_known_class_counts():
    # Published counts: MNIST's test set, and Fashion-MNIST's balanced 1000 per class.
    _, y = datasets.load_mnist("test", data_home=SHARED)
    np.testing.assert_array_equal(np.bincount(y), MNIST_TEST_COUNTS)
    _, y = datasets.load_fashion_mnist("test", data_home=SHARED)
    np.testing.assert_array_equal(np.bincount(y), [1000] * 10)


@needs_shared
def test_scale_returns_float32_pixels_in_unit_interval():
    raw, y_raw = datasets.load_fashion_mnist("test", data_home=SHARED)
    X, y = datasets.load_fashion_mnist("test", scale=True, data_home=SHARED)
    assert X.dtype == np.float32 and X.shape == raw.shape
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_allclose(X, raw.astype(np.float64) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y, y_raw)


@needs_shared
def test_checksums_are_those_of_the_published_files():
    # The SHA-256 the downloads are checked against, of files whose MD5 is published.
    for relative, sha256 in datasets.CHECKSUMS.items():
        assert _md5(SHARED / relative) == _published_md5(relative)
        assert hashlib.sha256((SHARED / relative).read_bytes()).hexdigest() == sha256


# -- issue 24.7: writable arrays ---------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("scale", [False, True])
def test_arrays_are_writable(scale):
    X, y = datasets.load_mnist("test", scale=scale, data_home=SHARED)
    y[y == 9] = 0                              # the report's line
    X[0, 0] = 1
    assert np.bincount(y)[0] == MNIST_TEST_COUNTS[0] + MNIST_TEST_COUNTS[9]
    X, y, _ = datasets.load_petrol_consumption()
    X[0, 0], y[0] = 0, 0


@needs_shared
def test_torch_takes_the_arrays_without_a_warning():
    torch = pytest.importorskip("torch")
    X, y = datasets.load_mnist("test", data_home=SHARED)
    with warnings.catch_warnings():
        warnings.simplefilter("error")         # "The given NumPy array is not writable"
        torch.from_numpy(X), torch.from_numpy(y)


# -- issue 24.11: the petrol table ships with the package ------------------------------


def test_petrol_table_is_read_from_the_package(no_data_home):
    X, y, names = datasets.load_petrol_consumption()
    assert X.shape == (48, 4) and y.shape == (48,)
    assert names == ["Petrol_tax", "Average_income", "Paved_Highways",
                     "Population_Driver_licence(%)"]
    # Weisberg's table: means of the columns and of the target.
    np.testing.assert_allclose(X.mean(axis=0), [7.668, 4241.8, 5565.4, 0.570], rtol=1e-3)
    np.testing.assert_allclose(y.mean(), 576.8, rtol=1e-3)
    from importlib import resources

    shipped = resources.files("skneural") / "data" / "petrol_consumption.csv"
    assert hashlib.md5(shipped.read_bytes()).hexdigest() == \
        "cda58ebfd4ef5eb2b25828c6254d4ba5"  # shared/data/README.md


def test_petrol_table_as_frame():
    pytest.importorskip("pandas")
    X, y, names = datasets.load_petrol_consumption(as_frame=True)
    assert list(X.columns) == names and y.name == "Petrol_Consumption"
    assert X.dtypes["Average_income"] == np.int64
    values, target, _ = datasets.load_petrol_consumption()
    np.testing.assert_array_equal(X.to_numpy(dtype=float), values)
    np.testing.assert_array_equal(y.to_numpy(dtype=float), target)


def test_petrol_table_from_a_data_home(tmp_path):
    folder = tmp_path / "petrol-consumption"
    folder.mkdir()
    (folder / "petrol_consumption.csv").write_text("a,b,target\n1,2,3\n4,5,6\n")
    X, y, names = datasets.load_petrol_consumption(tmp_path)
    np.testing.assert_array_equal(X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(y, [3, 6])
    with pytest.raises(FileNotFoundError, match="copy shipped with skneural"):
        datasets.load_petrol_consumption(tmp_path / "elsewhere")


# -- issue 24.11: downloads, from a local server serving the shared copies -------------


class _Recording(http.server.SimpleHTTPRequestHandler):
    requests = None  # set per server

    def do_GET(self):
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    """An HTTP server on 127.0.0.1 serving shared/data; SOURCES point at it, after
    a mirror that answers 404. Yields the list of requested paths."""
    if not SHARED.is_dir():
        pytest.skip(f"the shared data folder {SHARED} is absent")
    requests = []
    handler = type("Handler", (_Recording,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(SHARED)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setattr(datasets, "SOURCES", {
        name: [f"{base}/missing-mirror/", f"{base}/{name}/"]
        for name in ("fashion-mnist", "mnist")})
    yield requests
    httpd.shutdown()
    httpd.server_close()


def test_download_into_the_cache_then_read_from_it(server, no_data_home):
    pytest.importorskip("pooch")
    X, y = datasets.load_mnist("test")
    np.testing.assert_array_equal(np.bincount(y), MNIST_TEST_COUNTS)
    assert X.shape == (10000, 784)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert _md5(no_data_home / "mnist" / name) == _published_md5(f"mnist/{name}")
        # The first mirror answered 404, the second gave the file.
        assert server.count(f"/missing-mirror/{name}") == 1
        assert server.count(f"/mnist/{name}") == 1
    n_requests = len(server)
    X_again, y_again = datasets.load_mnist("test")
    assert len(server) == n_requests           # the second load reads the cache
    np.testing.assert_array_equal(X_again, X)
    assert datasets.get_data_home() == no_data_home


def test_download_goes_to_the_environment_variables_folder(server, no_data_home,
                                                           tmp_path, monkeypatch):
    pytest.importorskip("pooch")
    monkeypatch.setenv("SKNEURAL_DATA_HOME", str(tmp_path / "home"))
    _, y = datasets.load_fashion_mnist("test")
    np.testing.assert_array_equal(np.bincount(y), [1000] * 10)
    assert (tmp_path / "home" / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    assert not no_data_home.exists()


def test_a_wrong_checksum_is_refused(server, no_data_home, monkeypatch):
    pytest.importorskip("pooch")
    relative = "mnist/t10k-labels-idx1-ubyte.gz"
    monkeypatch.setitem(datasets.CHECKSUMS, relative, "0" * 64)
    with pytest.raises(FileNotFoundError,
                       match="mnist/t10k-labels.* could not be downloaded") as info:
        datasets.load_mnist("test")
    assert "hash" in str(info.value).lower()   # pooch's checksum error, per mirror
    assert not (no_data_home / relative).exists()


def test_without_pooch_the_error_names_the_extra(no_data_home, monkeypatch):
    monkeypatch.setitem(sys.modules, "pooch", None)   # import pooch raises ImportError
    with pytest.raises(ImportError, match=r"skneural\[datasets\]"):
        datasets.load_fashion_mnist("test")


def test_missing_files_without_download_name_every_folder(no_data_home):
    with pytest.raises(FileNotFoundError, match="download_if_missing=True") as info:
        datasets.load_mnist(download_if_missing=False)
    assert str(no_data_home / "mnist" / "train-images-idx3-ubyte.gz") in str(info.value)
    assert "shared/data" in str(info.value) and "cache folder" in str(info.value)


# -- reading IDX files ------------------------------------------------------------------


def _write_idx(path, array, header=None):
    header = header or bytes([0, 0, 8, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_environment_variable_points_at_another_folder(tmp_path, monkeypatch):
    # A hand-made two-image IDX set in a folder named by SKNEURAL_DATA_HOME.
    folder = tmp_path / "mnist"
    folder.mkdir()
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([3, 7]))
    monkeypatch.setenv("SKNEURAL_DATA_HOME", str(tmp_path))
    assert datasets.get_data_home() == tmp_path
    X, y = datasets.load_mnist("test", scale=True)
    np.testing.assert_array_equal(y, [3, 7])
    np.testing.assert_allclose(X * 255, images.reshape(2, -1), atol=1e-4)


def test_files_that_are_not_idx_are_refused(tmp_path):
    _write_idx(tmp_path / "bad.gz", np.zeros(3), header=b"PK\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.load_idx(tmp_path / "bad.gz")
    with gzip.open(tmp_path / "short.gz", "wb") as f:
        f.write(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(ValueError, match="truncated: 2 of 5 bytes"):
        datasets.load_idx(tmp_path / "short.gz")


def test_default_folder_is_the_repository_copy_then_the_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("SKNEURAL_DATA_HOME", raising=False)
    source_tree = Path(datasets.__file__).resolve().parents[1]
    repository_copy = source_tree.parent / "shared" / "data"
    if repository_copy.is_dir():
        assert datasets.get_data_home() == repository_copy
    monkeypatch.setattr(datasets, "__file__", str(tmp_path / "site" / "skneural" / "x.py"))
    monkeypatch.setattr(datasets, "_cache_folder", lambda: tmp_path / "cache")
    assert datasets.get_data_home() == tmp_path / "cache"


def test_bad_subset_is_rejected():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        datasets.load_fashion_mnist("validation")
