"""Time one training epoch of two versions of skneural side by side, in one process.

The "before" version is another checkout of the repository (e.g. made with
``git worktree add ../before <commit>``); its ``skneural`` package is copied to a
temporary folder as ``skneural_before`` and imported beside the current one. For each
workload of ``bench_epoch.py`` (the same models: Adam, one ``partial_fit`` epoch,
input validation included) the epochs of the two versions and of scikit-learn are
interleaved, in an order that changes every round, so machine noise hits all alike.
The table gives the median over rounds of the per-round ratio after / before (below
1: the current version is faster) and both versions' ratio to scikit-learn.

    python benchmarks/bench_versions.py --before ../before
    SKNEURAL_JIT=0 python benchmarks/bench_versions.py --before ../before
    python benchmarks/bench_versions.py --before ../before --quick --repeats 9

Both copies read ``SKNEURAL_JIT`` when imported. No assertion is made; exits 0.
"""

import argparse
import importlib
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from _common import (
    describe_environment,
    format_ms,
    mlp_epoch,
    ratio_stats,
    time_interleaved,
)
from bench_epoch import WORKLOADS, add_workload_arguments
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from skneural import MLPClassifier


def import_before(checkout):
    """The ``skneural`` package of another checkout, imported as
    ``skneural_before`` (its imports are relative, so a renamed copy works)."""
    source = Path(checkout).resolve() / "skneural"
    if not (source / "__init__.py").exists():
        raise SystemExit(f"{source} is not a skneural package")
    folder = Path(tempfile.mkdtemp(prefix="skneural_before_"))
    shutil.copytree(source, folder / "skneural_before",
                    ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(folder))
    return importlib.import_module("skneural_before")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True,
                        help="path of the other checkout (its skneural/ folder)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed epochs per version (default 7, 3 with --quick); "
                             "digits runs 10x as many")
    add_workload_arguments(parser)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 7
    return args


def main(argv=None):
    args = parse_args(argv)
    before = import_before(args.before)
    describe_environment(False)
    print(f"before: {before.__file__}")
    warnings.simplefilter("ignore", ConvergenceWarning)
    rows = ["| workload | dtype | repeats | after ms (median / min) "
            "| before ms (median / min) | after/before (median / min) "
            "| after/sklearn | before/sklearn |",
            "|---|---|---|---|---|---|---|---|"]
    for workload in args.workloads:
        description, loader, hidden_layer_sizes, batch_size, factor = WORKLOADS[workload]
        try:
            X64, y = loader(args.quick)
        except FileNotFoundError as error:
            print(f"skipping {workload}: {error}")
            continue
        repeats = args.repeats * factor
        for dtype in args.dtypes:
            X = np.ascontiguousarray(X64, dtype=dtype)
            epochs = {}
            for name, estimator in [("sklearn", SklearnMLPClassifier),
                                    ("after", MLPClassifier),
                                    ("before", before.MLPClassifier)]:
                _, epochs[name] = mlp_epoch(estimator, X, y, hidden_layer_sizes,
                                            batch_size)
            times = time_interleaved(epochs, repeats)
            versus = ratio_stats(times["after"], times["before"])
            row = (f"| {description} | {dtype} | {repeats} | {format_ms(times['after'])} "
                   f"| {format_ms(times['before'])} | {versus[0]:.3f} / {versus[1]:.3f} "
                   f"| {ratio_stats(times['after'], times['sklearn'])[0]:.3f} "
                   f"| {ratio_stats(times['before'], times['sklearn'])[0]:.3f} |")
            rows.append(row)
            print(row, flush=True)
    print("\n" + "\n".join(rows))


if __name__ == "__main__":
    main()
