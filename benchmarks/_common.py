"""Pieces shared by the benchmark scripts: data, environment, interleaved timing,
ratio statistics and the PyTorch peer.

Not a module of the package: the scripts import it from their own folder
(``python benchmarks/<script>.py`` puts ``benchmarks/`` first on ``sys.path``).
"""

import itertools
import math
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_info

import skneural
from skneural.datasets import load_fashion_mnist

QUICK_ROWS = 10_000


# -- data ------------------------------------------------------------------------------

def load_fashion(subset="train", n_rows=None, dtype=np.float64):
    """Fashion-MNIST scaled to [0, 1] as a C-contiguous ``dtype`` array, and labels.

    Raises FileNotFoundError (with the folders it looked in, or the sources it tried)
    when the data are absent and cannot be downloaded, ImportError when downloading
    needs pooch.
    """
    X, y = load_fashion_mnist(subset)
    if n_rows is not None:
        X, y = X[:n_rows], y[:n_rows]
    # Cast first, then divide in place: one array of the final dtype, no float64
    # temporary for float32 data.
    X = X.astype(dtype)
    X /= 255
    return X, y


def load_scaled_digits(dtype=np.float64):
    """scikit-learn's digits (1,797 x 64) divided by 16, and labels."""
    X, y = load_digits(return_X_y=True)
    return np.ascontiguousarray(X / 16.0, dtype=dtype), y


# -- environment -----------------------------------------------------------------------

def blas_threads():
    """Threads of the BLAS that NumPy uses (the largest pool threadpoolctl sees)."""
    counts = [pool["num_threads"] for pool in threadpool_info()
              if pool["user_api"] == "blas"]
    return max(counts) if counts else 1


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def import_torch():
    """Import torch with as many intra-op threads as NumPy's BLAS has."""
    import torch

    threads = blas_threads()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return torch


def environment_lines(with_torch):
    """The versions, the CPU and every thread pool, one line each."""
    lines = [
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cpus, {cpu_model()} ({platform.platform(terse=True)})",
        f"numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}, skneural {skneural.__version__}",
    ]
    if with_torch:
        torch = import_torch()
        lines.append(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op "
                     "threads (set to NumPy's BLAS threads)")
    for pool in threadpool_info():
        owner = Path(pool["filepath"]).parent.name  # e.g. numpy.libs
        library = " ".join(filter(None, [pool["internal_api"], pool.get("version"),
                                         pool.get("architecture")]))
        lines.append(f"  {pool['user_api']}: {library} ({owner}), "
                     f"num_threads={pool['num_threads']}")
    return lines


def describe_environment(with_torch):
    print("\n".join(environment_lines(with_torch)))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown cpu"


# -- timing ----------------------------------------------------------------------------

def interleaved(names, repeats):
    """Yield ``(round, name)``: ``repeats`` rounds, each name once per round.

    Rounds cycle through every order of the names (A B, B A, A B, ...), so that no
    package always runs right after another one, whose threads may still be spinning
    down, and machine noise hits all alike.
    """
    orders = itertools.cycle(itertools.permutations(names))
    for round_index in range(repeats):
        for name in next(orders):
            yield round_index, name


def best_time(function, repeats):
    function()  # warm-up: thread start, buffers, page faults
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def time_interleaved(runs, repeats):
    """Call each of ``runs`` (name -> callable) ``repeats`` times, interleaved (see
    :func:`interleaved`). Returns name -> list of seconds, one per round, so that
    entries with the same index come from the same round."""
    times = {name: [] for name in runs}
    for _, name in interleaved(list(runs), repeats):
        start = time.perf_counter()
        runs[name]()
        times[name].append(time.perf_counter() - start)
    return times


def ratio_stats(values, baseline):
    """``(median over rounds of value / baseline, min(values) / min(baseline))``.

    The first is the median of the per-round ratios (both measured in the same
    round, so a slow phase of the machine cancels out); the second compares each
    side's best run.
    """
    ratios = [_divide(v, b) for v, b in zip(values, baseline, strict=True)]
    return statistics.median(ratios), _divide(min(values), min(baseline))


def _divide(a, b):
    if math.isinf(a) or b == 0:
        return math.inf
    return a / b


def format_ms(seconds_list):
    """``median / min`` in milliseconds."""
    return (f"{1e3 * statistics.median(seconds_list):.1f} / "
            f"{1e3 * min(seconds_list):.1f}")


def format_ratio(values, baseline):
    """``median of per-round ratios / ratio of minima``."""
    median, best = ratio_stats(values, baseline)
    return f"{median:.2f} / {best:.2f}"


# -- the products of one step ---------------------------------------------------------

def training_step_products(coefs, activations, deltas, grads):
    """Exactly the matrix products of one training step, into preallocated outputs:
    the forward ``A_i @ W_i``, the weight gradients ``A_i.T @ D_i`` and the deltas
    ``D_i @ W_i.T`` (i > 0). Nothing else: the BLAS limit of a step."""
    for i, coef in enumerate(coefs):
        np.matmul(activations[i], coef, out=activations[i + 1])
    for i in range(len(coefs) - 1, -1, -1):
        np.matmul(activations[i].T, deltas[i], out=grads[i])
        if i > 0:
            np.matmul(deltas[i], coefs[i].T, out=deltas[i - 1])


# -- the estimators --------------------------------------------------------------------

def mlp_epoch(estimator_class, X, y, hidden_layer_sizes, batch_size, **params):
    """Build an Adam MLP, initialize it by one warm-up ``partial_fit`` and return
    ``(model, epoch)``: ``epoch()`` is one more ``partial_fit(X, y)``, i.e. exactly
    one shuffled pass over the data, input validation included."""
    model = estimator_class(
        hidden_layer_sizes=hidden_layer_sizes,
        solver="adam",
        batch_size=batch_size,
        random_state=0,
        max_iter=1,
        shuffle=True,
        **params,
    )
    model.partial_fit(X, y, classes=np.unique(y))
    return model, lambda: model.partial_fit(X, y)


class PeerMixin:
    """``fit`` / ``partial_fit`` / ``score`` of the peers: a subclass defines
    ``_build(X, classes)``, ``_epochs(X, y, n_epochs)``, ``predict`` and
    ``_fitted_attribute`` (what ``_build`` sets)."""

    def __init__(self, hidden_layer_sizes=(100,), *, batch_size=200,
                 learning_rate_init=1e-3, random_state=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.random_state = random_state

    def fit(self, X, y, n_epochs=200):
        """Fresh weights, then ``n_epochs`` epochs."""
        self._build(X, y)
        return self._epochs(X, y, n_epochs)

    def partial_fit(self, X, y, classes=None):
        """One epoch (the first call builds the model)."""
        if not hasattr(self, self._fitted_attribute):
            self._build(X, y if classes is None else classes)
        return self._epochs(X, y, 1)

    def score(self, X, y):
        return float(np.mean(self.predict(X) == y))


class TorchMLPClassifier(PeerMixin):
    """The PyTorch peer: an ``nn.Sequential`` of ``Linear`` + ``ReLU`` layers.

    Trained like scikit-learn's ``MLPClassifier(solver="adam")``: mean cross-entropy
    (``CrossEntropyLoss``), ``torch.optim.Adam(lr, eps=1e-8)`` with its defaults
    otherwise, a fresh ``randperm`` shuffle every epoch and the last batch smaller.
    Batches are gathered by indexing the whole-data tensor (a ``DataLoader`` over a
    ``TensorDataset`` collates row by row and is several times slower; indexing is
    what a performance-minded user writes). PyTorch's default initialization is
    kept. scikit-learn's L2 term (``alpha=1e-4``) is left out: with weight decay
    it would cost one more vector operation per step and change nothing measured.
    The model runs in the input's dtype; ``torch.from_numpy`` shares memory, so no
    copy of X is made.
    """

    _fitted_attribute = "model_"

    def _build(self, X, classes):
        torch = import_torch()
        self.classes_ = np.unique(classes)
        torch.manual_seed(self.random_state)
        self._generator = torch.Generator().manual_seed(self.random_state)
        sizes = [X.shape[1], *self.hidden_layer_sizes, len(self.classes_)]
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
        dtype = torch.from_numpy(X[:1]).dtype
        self.model_ = torch.nn.Sequential(*layers[:-1]).to(dtype)
        self.optimizer_ = torch.optim.Adam(self.model_.parameters(),
                                           lr=self.learning_rate_init, eps=1e-8)
        self.loss_function_ = torch.nn.CrossEntropyLoss()

    def _epochs(self, X, y, n_epochs):
        torch = import_torch()
        X_tensor = torch.from_numpy(X)
        y_tensor = torch.from_numpy(np.searchsorted(self.classes_, y).astype(np.int64))
        n_samples = len(X)
        batch_size = min(self.batch_size, n_samples)
        self.model_.train()
        for _ in range(n_epochs):
            order = torch.randperm(n_samples, generator=self._generator)
            for start in range(0, n_samples, batch_size):
                batch = order[start : start + batch_size]
                self.optimizer_.zero_grad()
                loss = self.loss_function_(self.model_(X_tensor[batch]),
                                           y_tensor[batch])
                loss.backward()
                self.optimizer_.step()
        return self

    def predict(self, X):
        torch = import_torch()
        with torch.inference_mode():
            raw = self.model_(torch.from_numpy(X))
        return self.classes_[raw.argmax(dim=1).numpy()]



def torch_epoch(X, y, hidden_layer_sizes, batch_size):
    """:func:`mlp_epoch` for the PyTorch peer: ``(model, epoch)`` after a warm-up
    epoch (``batch_size="auto"`` is scikit-learn's ``min(200, n_samples)``)."""
    if batch_size == "auto":
        batch_size = min(200, len(X))
    model = TorchMLPClassifier(hidden_layer_sizes, batch_size=batch_size)
    model.partial_fit(X, y)
    return model, lambda: model.partial_fit(X, y)
