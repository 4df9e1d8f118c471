"""L-BFGS on a chunked Dask array on a LocalCluster against the NumPy fit in one process.

Synthetic data, ``--rows`` x ``--features`` float64 (2,000,000 x 64 is 1.02 GB), a
binary target that needs the hidden layer, ``MLPClassifier(solver="lbfgs")``. Each fit
runs in a fresh child process so that its peak resident memory (``ru_maxrss``) is its
own:

* ``numpy``: the data generated in the process (the same numbers: Dask's per-chunk
  random streams, computed locally), a plain NumPy fit.
* ``dask``: a ``distributed.LocalCluster`` with ``--workers`` single-threaded worker
  processes; the data are generated on the workers and never leave them. The client's
  peak memory is the number to watch.

Prints one table row per fit (markdown) and the largest relative difference between the
two fits' weights. Nothing is asserted.

    python benchmarks/bench_dask.py --rows 200000      # a quick run
    python benchmarks/bench_dask.py                    # 2,000,000 x 64, about 1 GB
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np


def make_data(rows, features, chunk_rows, seed=0):
    """X (standard normal) and y = [x0 * x1 + x2 > 0] as Dask arrays."""
    import dask.array as da

    X = da.random.RandomState(seed).standard_normal((rows, features),
                                                     chunks=(chunk_rows, features))
    y = ((X[:, 0] * X[:, 1] + X[:, 2]) > 0).astype(np.int8)
    return X, y


def rss_mb():
    """The process's current resident memory in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_objective(cls):
    """Count and time ``cls.loss_gradient`` calls (the objective evaluations)."""
    original, stats = cls.loss_gradient, {"calls": 0, "seconds": 0.0}

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            stats["calls"] += 1
            stats["seconds"] += time.perf_counter() - start

    cls.loss_gradient = wrapper
    return stats


def fit_and_report(X, y, args, mode, stats, rss_before):
    from skneural import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(args.hidden,), solver="lbfgs",
                          max_iter=args.max_iter, random_state=0, tol=0.0)
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    np.save(args.weights_out, model.coefs_[0])
    return {"mode": mode, "fit_s": seconds, "n_iter": model.n_iter_,
            "evaluations": stats["calls"], "objective_s": stats["seconds"],
            "rss_before_mb": rss_before, "peak_rss_mb": peak_rss_mb()}


def run_numpy(args):
    from skneural.network import Network

    X, y = make_data(args.rows, args.features, args.chunk_rows)
    X, y = (a.compute(scheduler="threads") for a in (X, y))
    stats = timed_objective(Network)
    return fit_and_report(X, y, args, "numpy", stats, rss_mb())


def run_dask(args):
    from distributed import Client, LocalCluster

    from skneural.dask import ChunkedData

    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    with Client(cluster):
        X, y = make_data(args.rows, args.features, args.chunk_rows)
        stats = timed_objective(ChunkedData)
        report = fit_and_report(X, y, args, "dask", stats, rss_mb())
    cluster.close()
    return report


def row(report, args):
    per_iter = report["fit_s"] / max(report["n_iter"], 1)
    per_eval = report["objective_s"] / max(report["evaluations"], 1)
    setup = report["fit_s"] - report["objective_s"]
    where = ("NumPy, one process" if report["mode"] == "numpy"
             else f"Dask, {args.workers} workers x 1 thread, "
                  f"{-(-args.rows // args.chunk_rows)} chunks")
    return (f"| {where} | {report['n_iter']} | {report['evaluations']} | "
            f"{report['fit_s']:.1f} | {setup:.1f} | {per_iter:.2f} | {per_eval:.2f} | "
            f"{report['rss_before_mb']:.0f} | {report['peak_rss_mb']:.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--chunk-rows", type=int, default=125_000)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--max-iter", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["numpy", "dask"])
    parser.add_argument("--child", choices=["numpy", "dask"], help=argparse.SUPPRESS)
    parser.add_argument("--weights-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        report = run_numpy(args) if args.child == "numpy" else run_dask(args)
        print(json.dumps(report))
        return
    gigabytes = args.rows * args.features * 8 / 1e9
    print(f"{args.rows:,} x {args.features} float64 ({gigabytes:.2f} GB), hidden "
          f"({args.hidden},), lbfgs max_iter={args.max_iter}, {os.cpu_count()} cores\n")
    print("| where | iterations | evaluations | fit (s) | data setup + checks (s) | "
          "s / iteration | s / evaluation | client RSS before fit (MB) | "
          "client peak RSS (MB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    weights = {}
    for mode in ["numpy", "dask"] if args.only is None else [args.only]:
        weights[mode] = f"/tmp/bench_dask_{mode}_{os.getpid()}.npy"
        command = [sys.executable, __file__, *sys.argv[1:], "--child", mode,
                   "--weights-out", weights[mode]]
        output = subprocess.run(command, check=True, capture_output=True, text=True)
        print(row(json.loads(output.stdout.strip().splitlines()[-1]), args), flush=True)
    if len(weights) == 2:
        first, second = (np.load(path) for path in weights.values())
        difference = np.abs(first - second).max() / np.abs(first).max()
        print(f"\nlargest relative difference of the first-layer weights: "
              f"{difference:.1e}")
    for path in weights.values():
        os.remove(path)


if __name__ == "__main__":
    main()
