"""The offline data loaders read the shared IDX / CSV files correctly, find them
from an installed package, and say where they looked when they are missing."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from skneural import datasets

DATA_HOME = datasets.get_data_home()
needs_data = pytest.mark.skipif(
    not DATA_HOME.is_dir(),
    reason=f"the shared data folder {DATA_HOME} is absent (it lives beside the repo)",
)


@needs_data
@pytest.mark.parametrize("loader", [datasets.load_fashion_mnist, datasets.load_mnist])
def test_mnist_like_shapes_and_labels(loader):
    X, y = loader("test")
    assert X.shape == (10000, 784) and X.dtype == np.uint8
    assert y.shape == (10000,) and set(np.unique(y)) == set(range(10))


@needs_data
def test_known_class_counts():
    # Published counts: MNIST's test set, and Fashion-MNIST's balanced 1000 per class.
    _, y = datasets.load_mnist("test")
    np.testing.assert_array_equal(
        np.bincount(y), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    _, y = datasets.load_fashion_mnist("test")
    np.testing.assert_array_equal(np.bincount(y), [1000] * 10)


@needs_data
def test_scale_returns_float32_pixels_in_unit_interval():
    raw, y_raw = datasets.load_fashion_mnist("test")
    X, y = datasets.load_fashion_mnist("test", scale=True)
    assert X.dtype == np.float32 and X.shape == raw.shape
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_allclose(X, raw.astype(np.float64) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y, y_raw)


@needs_data
def test_petrol_consumption_matches_its_readme():
    X, y, names = datasets.load_petrol_consumption()
    assert X.shape == (48, 4) and y.shape == (48,)
    assert names[0] == "Petrol_tax"
    np.testing.assert_allclose(X.mean(axis=0), [7.668, 4241.8, 5565.4, 0.570], rtol=1e-3)
    np.testing.assert_allclose(y.mean(), 576.8, rtol=1e-3)


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
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


def test_missing_folder_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="SKNEURAL_DATA_HOME") as info:
        datasets.load_mnist(data_home=tmp_path)
    assert str(tmp_path / "mnist" / "train-images-idx3-ubyte.gz") in str(info.value)
    assert "data_home argument" in str(info.value)
    monkeypatch.setenv("SKNEURAL_DATA_HOME", str(tmp_path / "elsewhere"))
    with pytest.raises(FileNotFoundError, match="environment variable") as info:
        datasets.load_petrol_consumption()
    assert str(tmp_path / "elsewhere") in str(info.value)


def test_default_folder_is_beside_the_source_tree(monkeypatch):
    monkeypatch.delenv("SKNEURAL_DATA_HOME", raising=False)
    source_tree = Path(datasets.__file__).resolve().parents[1]
    assert datasets.get_data_home() == source_tree.parent / "shared" / "data"


def test_bad_subset_is_rejected():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        datasets.load_fashion_mnist("validation")

