"""skneural: scikit-learn compatible neural networks on a small NumPy backprop core.

Drop-in replacements for :class:`sklearn.neural_network.MLPClassifier`,
:class:`sklearn.neural_network.MLPRegressor` and :class:`sklearn.linear_model.Perceptron`,
an autoencoder (:class:`MLPAutoencoder`), plus the solvers, activations, losses and
training controls a neural-network course teaches.
"""

from ._autoencoder import MLPAutoencoder
from ._backend import to_namespace
from ._mlp import MLPClassifier, MLPRegressor
from ._perceptron import PerceptronClassifier

__version__ = "0.1.0.dev0"

__all__ = ["MLPClassifier", "MLPRegressor", "MLPAutoencoder", "PerceptronClassifier",
           "to_namespace", "__version__"]
