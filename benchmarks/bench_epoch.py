"""Time one training epoch of skneural and scikit-learn side by side.

Both packages train the same network on the same data in the same process. For each
package an ``MLPClassifier`` is built, one warm-up ``partial_fit`` initializes it, and
then each further ``partial_fit(X, y)`` call (exactly one epoch in both packages) is
timed with ``time.perf_counter``. The packages' epochs are interleaved, in an order
that changes every round (A B, B A, ...), so that machine noise hits both alike. The
table gives the median and the minimum epoch time and the ratios of the medians and
of the minima, skneural / scikit-learn (below 1: skneural is faster).

    python benchmarks/bench_epoch.py                  # full run
    python benchmarks/bench_epoch.py --quick          # smoke run, 10,000 rows
    python benchmarks/bench_epoch.py --workloads digits --dtypes float64 --repeats 9
    python benchmarks/bench_epoch.py --torch          # add PyTorch (CPU) if installed

No assertion is made on the timings; the script exits 0.
"""

import argparse
import itertools
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from threadpoolctl import threadpool_info

import skneural
from skneural import MLPClassifier
from skneural.datasets import load_fashion_mnist

QUICK_ROWS = 10_000


def load_fashion(quick):
    X, y = load_fashion_mnist("train")
    if quick:
        X, y = X[:QUICK_ROWS], y[:QUICK_ROWS]
    return X / 255.0, y


def load_scaled_digits(quick):  # 1,797 rows: --quick changes nothing
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


# name -> (description, loader, hidden_layer_sizes, batch_size, repeat factor).
# Digits epochs take milliseconds, so they get more repeats for a stable median.
WORKLOADS = {
    "fashion": ("Fashion-MNIST 784-256-128-10", load_fashion, (256, 128), 256, 1),
    "digits": ("digits 64-100-10", load_scaled_digits, (100,), "auto", 10),
}


def mlp_epoch(estimator_class, X, y, hidden_layer_sizes, batch_size):
    """Initialize by one warm-up ``partial_fit``; return the one-epoch callable."""
    model = estimator_class(
        hidden_layer_sizes=hidden_layer_sizes,
        solver="adam",
        batch_size=batch_size,
        random_state=0,
        max_iter=1,
        shuffle=True,
    )
    model.partial_fit(X, y, classes=np.unique(y))
    if model.coefs_[0].dtype != X.dtype:
        print(f"  note: {estimator_class.__module__} trained in "
              f"{model.coefs_[0].dtype} on {X.dtype} input")
    return lambda: model.partial_fit(X, y)


def torch_epoch(X, y, hidden_layer_sizes, batch_size):
    """The same network in PyTorch: Adam(lr=1e-3), mean cross-entropy, a fresh
    shuffle each epoch, the last batch smaller, like scikit-learn's loop. The L2 term
    (scikit-learn's alpha=1e-4) is left out: it costs one vector operation per step."""
    import torch

    if batch_size == "auto":
        batch_size = min(200, len(X))
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    classes, y_encoded = np.unique(y, return_inverse=True)
    sizes = [X.shape[1], *hidden_layer_sizes, len(classes)]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1]).to(torch.from_numpy(X[:1]).dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    X_tensor = torch.from_numpy(X)
    y_tensor = torch.from_numpy(y_encoded.astype(np.int64))

    def epoch():
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(X_tensor[batch]), y_tensor[batch])
            loss.backward()
            optimizer.step()

    epoch()  # warm-up, as partial_fit's first call for the MLPs
    return epoch


def time_interleaved(epochs, repeats):
    """Run each package's epoch ``repeats`` times, alternating packages.

    Rounds cycle through every order of the packages (A B, B A, A B, ...), so that no
    package always runs right after another, whose threads may still be spinning down.
    """
    times = {name: [] for name in epochs}
    orders = itertools.cycle(itertools.permutations(epochs))
    for _ in range(repeats):
        for name in next(orders):
            start = time.perf_counter()
            epochs[name]()
            times[name].append(time.perf_counter() - start)
    return times


def describe_environment(with_torch):
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} cpus ({platform.platform(terse=True)})")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, "
          f"scikit-learn {sklearn.__version__}, skneural {skneural.__version__}")
    if with_torch:
        import torch

        print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads")
    for pool in threadpool_info():
        owner = Path(pool["filepath"]).parent.name  # e.g. numpy.libs
        library = " ".join(filter(None, [pool["internal_api"], pool.get("version")]))
        print(f"  {pool['user_api']}: {library} ({owner}), "
              f"num_threads={pool['num_threads']}")


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def format_ms(seconds_list):
    return (f"{1e3 * statistics.median(seconds_list):9.1f} / "
            f"{1e3 * min(seconds_list):9.1f}")


def format_ratio(seconds_list, baseline_list):
    return (f"{statistics.median(seconds_list) / statistics.median(baseline_list):.2f}"
            f" / {min(seconds_list) / min(baseline_list):.2f}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed epochs per package (default 5, 3 with --quick); "
                             "digits runs 10x as many")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: first {QUICK_ROWS:,} Fashion-MNIST rows")
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS),
                        default=list(WORKLOADS))
    parser.add_argument("--dtypes", nargs="+", choices=["float32", "float64"],
                        default=["float32", "float64"])
    parser.add_argument("--torch", action="store_true",
                        help="also time PyTorch (CPU), when it is installed")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5
    return args


def main(argv=None):
    args = parse_args(argv)
    with_torch = args.torch and torch_available()
    if args.torch and not with_torch:
        print("--torch: PyTorch is not installed, skipping it "
              "(pip install torch, or pip install -e .[bench])")
    describe_environment(with_torch)
    warnings.simplefilter("ignore", ConvergenceWarning)

    header = ("| workload | dtype | rows | batch | repeats | sklearn ms (median / min) "
              "| skneural ms (median / min) | skneural/sklearn (median / min) |")
    if with_torch:
        header += " torch ms (median / min) | torch/sklearn (median / min) |"
    rows = []
    for name in args.workloads:
        description, loader, hidden_layer_sizes, batch_size, factor = WORKLOADS[name]
        try:
            X64, y = loader(args.quick)
        except FileNotFoundError as error:
            print(f"\nskipping {name}: {error}")
            continue
        repeats = args.repeats * factor
        for dtype in args.dtypes:
            X = np.ascontiguousarray(X64, dtype=dtype)
            print(f"\n{description}, {dtype}, {X.shape[0]} rows, "
                  f"batch_size={batch_size}: {repeats} epochs per package ...",
                  flush=True)
            epochs = {
                "sklearn": mlp_epoch(SklearnMLPClassifier, X, y,
                                     hidden_layer_sizes, batch_size),
                "skneural": mlp_epoch(MLPClassifier, X, y,
                                      hidden_layer_sizes, batch_size),
            }
            if with_torch:
                epochs["torch"] = torch_epoch(X, y, hidden_layer_sizes, batch_size)
            times = time_interleaved(epochs, repeats)
            batch = f"auto={min(200, len(X))}" if batch_size == "auto" else batch_size
            row = (f"| {description} | {dtype} | {X.shape[0]} | {batch} "
                   f"| {repeats} | {format_ms(times['sklearn'])} |")
            for name in list(epochs)[1:]:
                row += (f" {format_ms(times[name])} "
                        f"| {format_ratio(times[name], times['sklearn'])} |")
            rows.append(row)
            print(row, flush=True)

    print("\nOne epoch = one partial_fit(X, y) after a warm-up partial_fit; "
          "times in milliseconds.\n")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
