"""Time one training epoch of skneural and scikit-learn side by side.

Both packages train the same network on the same data in the same process. For each
package an ``MLPClassifier`` is built, one warm-up ``partial_fit`` initializes it, and
then each further ``partial_fit(X, y)`` call (exactly one epoch in both packages) is
timed with ``time.perf_counter``. The packages' epochs are interleaved, in an order
that changes every round (A B, B A, ...), so that machine noise hits both alike. The
table gives the median and the minimum epoch time, the median over rounds of the
per-round ratio skneural / scikit-learn, and the ratio of the minima (below 1:
skneural is faster). The whole suite (W1-W5, memory, GEMM rate) is bench_suite.py.

    python benchmarks/bench_epoch.py                  # full run
    python benchmarks/bench_epoch.py --quick          # smoke run, 10,000 rows
    python benchmarks/bench_epoch.py --workloads digits --dtypes float64 --repeats 9
    python benchmarks/bench_epoch.py --torch          # add PyTorch (CPU) if installed
    python benchmarks/bench_epoch.py --jax            # add JAX (jit-compiled step, CPU)

No assertion is made on the timings; the script exits 0.
"""

import argparse
import sys
import warnings

import numpy as np
from _common import (
    QUICK_ROWS,
    describe_environment,
    format_ms,
    format_ratio,
    load_fashion,
    load_scaled_digits,
    mlp_epoch,
    time_interleaved,
    torch_available,
    torch_epoch,
)
from _jax_peer import jax_available, jax_epoch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from skneural import MLPClassifier


def load_fashion_workload(quick):
    return load_fashion("train", QUICK_ROWS if quick else None)


def load_digits_workload(quick):  # 1,797 rows: --quick changes nothing
    return load_scaled_digits()


# name -> (description, loader, hidden_layer_sizes, batch_size, repeat factor).
# Digits epochs take milliseconds, so they get more repeats for a stable median.
WORKLOADS = {
    "fashion": ("Fashion-MNIST 784-256-128-10", load_fashion_workload, (256, 128), 256,
                1),
    "digits": ("digits 64-100-10", load_digits_workload, (100,), "auto", 10),
}


def add_workload_arguments(parser):
    """--quick, --workloads and --dtypes: the choice of workloads, shared with
    bench_versions.py."""
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: first {QUICK_ROWS:,} Fashion-MNIST rows")
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS),
                        default=list(WORKLOADS))
    parser.add_argument("--dtypes", nargs="+", choices=["float32", "float64"],
                        default=["float32", "float64"])


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed epochs per package (default 5, 3 with --quick); "
                             "digits runs 10x as many")
    add_workload_arguments(parser)
    parser.add_argument("--torch", action="store_true",
                        help="also time PyTorch (CPU), when it is installed")
    parser.add_argument("--jax", action="store_true",
                        help="also time JAX (jit-compiled Adam step, CPU), when "
                             "it is installed")
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
    with_jax = args.jax and jax_available()
    if args.jax and not with_jax:
        print("--jax: JAX is not installed, skipping it (pip install -e .[bench])")
    describe_environment(with_torch)
    warnings.simplefilter("ignore", ConvergenceWarning)

    header = ("| workload | dtype | rows | batch | repeats | sklearn ms (median / min) "
              "| skneural ms (median / min) | skneural/sklearn (median / min) |")
    if with_torch:
        header += " torch ms (median / min) | torch/sklearn (median / min) |"
    if with_jax:
        header += " jax ms (median / min) | jax/sklearn (median / min) |"
    rows = []
    for workload in args.workloads:
        description, loader, hidden_layer_sizes, batch_size, factor = WORKLOADS[workload]
        try:
            X64, y = loader(args.quick)
        except (FileNotFoundError, ImportError) as error:
            print(f"\nskipping {workload}: {error}")
            continue
        repeats = args.repeats * factor
        for dtype in args.dtypes:
            X = np.ascontiguousarray(X64, dtype=dtype)
            print(f"\n{description}, {dtype}, {X.shape[0]} rows, "
                  f"batch_size={batch_size}: {repeats} epochs per package ...",
                  flush=True)
            epochs = {}
            for package, estimator_class in [("sklearn", SklearnMLPClassifier),
                                             ("skneural", MLPClassifier)]:
                model, epochs[package] = mlp_epoch(estimator_class, X, y,
                                                   hidden_layer_sizes, batch_size)
                if model.coefs_[0].dtype != X.dtype:
                    print(f"  note: {package} trained in {model.coefs_[0].dtype} "
                          f"on {X.dtype} input")
            if with_torch:
                _, epochs["torch"] = torch_epoch(X, y, hidden_layer_sizes, batch_size)
            if with_jax:
                _, epochs["jax"] = jax_epoch(X, y, hidden_layer_sizes, batch_size)
            times = time_interleaved(epochs, repeats)
            batch = f"auto={min(200, len(X))}" if batch_size == "auto" else batch_size
            row = (f"| {description} | {dtype} | {X.shape[0]} | {batch} "
                   f"| {repeats} | {format_ms(times['sklearn'])} |")
            for name in list(epochs)[1:]:
                row += (f" {format_ms(times[name])} "
                        f"| {format_ratio(times[name], times['sklearn'])} |")
            rows.append(row)
            print(row, flush=True)
            for peer in ("torch", "jax"):
                if peer in times:
                    print(f"  skneural / {peer}: "
                          f"{format_ratio(times['skneural'], times[peer])}")

    print("\nOne epoch = one partial_fit(X, y) after a warm-up partial_fit; "
          "times in milliseconds.\n")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
