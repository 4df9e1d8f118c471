"""Fits on a machine whose cores are busy: default BLAS threads against one thread.

OpenBLAS starts one thread per core and has them spin while they wait for work. When
other processes already keep the cores busy, the spinning threads compete with them and
with each other, and a fit can take many times longer than on one thread. This script
starts ``--load`` busy processes (pure-Python loops, one per core by default), then
times each fit with NumPy's BLAS at its default thread count and under
``threadpoolctl.threadpool_limits(1)``, interleaved, for skneural and scikit-learn; then
the same without the busy processes (whatever else runs on the machine stays: the
load average printed says how busy it was).

    python benchmarks/busy_machine.py [--load 2] [--repeats 3]
"""

import argparse
import multiprocessing
import os
import statistics
import time
import warnings

import numpy as np
import sklearn.neural_network as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import skneural
from skneural.datasets import load_fashion_mnist, load_petrol_consumption


def _spin(stop):
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def _workloads():
    X, y = load_fashion_mnist("train", scale=True)
    X, y = X[:10_000].astype(np.float64), y[:10_000]
    Xp, yp, _ = load_petrol_consumption()
    Xp = StandardScaler().fit_transform(Xp)
    yp = (yp - yp.mean()) / yp.std()
    return {
        "Fashion-MNIST 10,000 rows, (100,), adam, 3 epochs": (
            lambda package: package.MLPClassifier((100,), max_iter=3, random_state=0),
            X, y),
        "petrol (48 rows), (10,), lbfgs, 200 iterations": (
            lambda package: package.MLPRegressor(hidden_layer_sizes=(10,),
                                                 solver="lbfgs", max_iter=200,
                                                 random_state=0),
            Xp, yp),
    }


def _time(make, package, X, y, threads):
    with warnings.catch_warnings(), threadpool_limits(threads):
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        make(package).fit(X, y)
        return time.perf_counter() - start


def _measure(workloads, repeats, label):
    print(f"\n{label}; median of {repeats}, seconds; load average before "
          f"(1 min): {os.getloadavg()[0]:.1f}")
    print(f"{'workload':52s} {'package':9s} {'default':>8s} {'1 thread':>9s} {'ratio':>6s}")
    for name, (make, X, y) in workloads.items():
        for package in (skneural, sk):
            times = {None: [], 1: []}
            for _ in range(repeats):
                for threads in (None, 1):
                    times[threads].append(_time(make, package, X, y, threads))
            default, one = (statistics.median(times[t]) for t in (None, 1))
            print(f"{name:52s} {package.__name__.split('.')[0]:9s} {default:8.3f} "
                  f"{one:9.3f} {default / one:6.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    workloads = _workloads()
    print(f"{os.cpu_count()} cores; {args.load} busy processes")
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
                for _ in range(args.load)]
    for process in spinners:
        process.start()
    try:
        time.sleep(2)
        _measure(workloads, args.repeats, "busy machine")
    finally:
        stop.set()
        for process in spinners:
            process.join()
    time.sleep(2)
    _measure(workloads, args.repeats, "without the busy processes")


if __name__ == "__main__":
    main()
