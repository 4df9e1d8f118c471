"""The offline data loaders read the shared IDX / CSV files correctly."""

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
def test_petrol_consumption_matches_its_readme():
    X, y, names = datasets.load_petrol_consumption()
    assert X.shape == (48, 4) and y.shape == (48,)
    assert names[0] == "Petrol_tax"
    np.testing.assert_allclose(X.mean(axis=0), [7.668, 4241.8, 5565.4, 0.570], rtol=1e-3)
    np.testing.assert_allclose(y.mean(), 576.8, rtol=1e-3)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="SKNEURAL_DATA_HOME"):
        datasets.load_mnist(data_home=tmp_path)
