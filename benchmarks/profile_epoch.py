"""Where one W1 training epoch goes: every product and kernel call timed.

Trains skneural's ``MLPClassifier`` (784-256-128-10 relu, adam, batch 256) on
synthetic data with ``partial_fit`` and wraps ``numpy.matmul`` and ``numpy.dot`` (every
product of the forward and backward passes goes through them), the compiled kernels,
the penalty and the solver step with timers, then prints the mean time per epoch of
each. The kernels are timed where the rules marked ``@fusable`` call them (the rule,
or its kernel when the kernels are on). The wrappers add about 1 us per call.
Compare the products' line with the W1-shape GEMM rate of ``bench_suite.py``.

    python benchmarks/profile_epoch.py                 # float32, 20,000 rows
    python benchmarks/profile_epoch.py --dtype float64 --rows 60000
"""

import argparse
import collections
import time
import warnings

import numpy as np

import skneural
import skneural._data as data
import skneural._jit as jit
import skneural.losses as losses
import skneural.network as network
import skneural.optim.sgd as sgd
import skneural.regularizers as regularizers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    seconds, calls = collections.defaultdict(float), collections.Counter()

    def timed(owner, name, label=None):
        function, label = getattr(owner, name), label or name

        def wrapper(*a, **k):
            start = time.perf_counter()
            result = function(*a, **k)
            seconds[label] += time.perf_counter() - start
            calls[label] += 1
            return result
        setattr(owner, name, wrapper)

    def timed_product(function):
        def wrapper(a, b, out=None):
            start = time.perf_counter()
            result = function(a, b, out=out)
            label = ("1-D: bias gradients, w @ w" if a.ndim == 1 else
                     "products: A.T @ delta" if not a.flags.c_contiguous else
                     "products: forward, delta @ W.T")
            seconds[label] += time.perf_counter() - start
            calls[label] += 1
            return result
        return wrapper

    # numpy.dot and numpy.matmul themselves, for the rest of this process.
    network.np.dot, network.np.matmul = timed_product(np.dot), timed_product(np.matmul)
    # The rules with a compiled kernel: each runs its kernel (kernels on) or itself.
    for owner, name in [(network, "_bias_activation"), (network, "_activation_backward"),
                        (losses, "_log_loss"), (regularizers, "_penalize_divide"),
                        (sgd, "adam_update")]:
        timed(owner, name)
    # The registered record holds the rule itself: register it again with the timer.
    losses.LOSSES["log_loss"] = losses.Loss("log_loss", "softmax", losses._log_loss)
    timed(data.InMemoryData, "arrays", "batch gather and cast")
    timed(sgd.Adam, "step", "solver step (total)")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.rows, 784)).astype(args.dtype)
    y = rng.integers(0, 10, args.rows)
    clf = skneural.MLPClassifier((256, 128), batch_size=256, random_state=0)
    clf.partial_fit(X, y, classes=np.arange(10))
    seconds.clear()
    calls.clear()
    start = time.perf_counter()
    for _ in range(args.epochs):
        clf.partial_fit(X, y)
    epoch = (time.perf_counter() - start) / args.epochs
    print(f"{args.dtype}, {args.rows} rows: epoch {1e3 * epoch:.1f} ms "
          f"(kernels {'on' if jit.ENABLED else 'off'})")
    for label, total in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"  {label:32s} {1e3 * total / args.epochs:7.1f} ms  "
              f"({calls[label] // args.epochs} calls)")


if __name__ == "__main__":
    main()
