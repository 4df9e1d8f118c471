"""The performance suite of issue 7: skneural against scikit-learn and PyTorch (CPU).

All packages run in the same process on the same data, interleaved (A B, B A, ...),
and the script prints, per workload, times and the median over rounds of the
per-round ratios (plus the ratio of the minima), then one table of the targets:

* W1: one Adam epoch of a 784-256-128-10 relu network, batch 256, on the 60,000
  Fashion-MNIST training rows, float32 and float64 (and skneural's opt-in float32
  training of float64 input, when it exists); achieved GFLOP/s against the GEMM rate
  measured in the same run;
* W2: ``fit`` for exactly 200 Adam epochs of 64-100-10, batch 200, on digits;
* W3: training time to 0.88 test accuracy on Fashion-MNIST;
* W4: L-BFGS to convergence on digits: time, function evaluations, final loss;
* W5: predict throughput on the 10,000 Fashion-MNIST test rows;
* MEM: peak memory of the W1 ``fit(max_iter=1)``, each in a fresh subprocess.

    python benchmarks/bench_suite.py                  # everything (several minutes)
    python benchmarks/bench_suite.py --quick          # smoke run (about 1-2 minutes)
    python benchmarks/bench_suite.py --workloads W1,W5 --repeats 9 --no-torch
    python benchmarks/bench_suite.py --profile        # plus where skneural's time goes

Nothing is asserted about the numbers; the script exits 0. See benchmarks/README.md.
"""

import argparse
import contextlib
import gc
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from _common import (
    QUICK_ROWS,
    TorchMLPClassifier,
    best_time,
    describe_environment,
    format_ms,
    interleaved,
    load_fashion,
    load_scaled_digits,
    mlp_epoch,
    ratio_stats,
    time_interleaved,
    torch_available,
    torch_epoch,
    training_step_products,
)
from _jax_peer import JaxMLPClassifier, jax_available, jax_epoch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

import skneural.network
from skneural import MLPClassifier

ALL_WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "MEM"]
N_FEATURES = 784
N_CLASSES = 10

W1_HIDDEN, W1_BATCH = (256, 128), 256
W2_HIDDEN, W2_BATCH, W2_EPOCHS = (100,), 200, 200
W3_THRESHOLD, W3_MAX_EPOCHS = 0.88, 30
# --quick trains W3 on 10,000 rows, which do not reach 0.88 within a few epochs.
W3_QUICK_THRESHOLD, W3_QUICK_MAX_EPOCHS = 0.83, 15
W4_HIDDEN, W4_MAX_ITER = (100,), 2000
W5_ROWS = 10_000
# Equal final losses are compared with this relative tolerance (rounding).
LOSS_RTOL = 1e-6


def has_training_dtype():
    """Whether skneural has the opt-in ``training_dtype`` parameter (issue 7)."""
    return "training_dtype" in MLPClassifier().get_params()


# -- FLOP count and GEMM rates ---------------------------------------------------------

def w1_layer_sizes():
    return [N_FEATURES, *W1_HIDDEN, N_CLASSES]


def epoch_flops(layer_sizes, n_samples):
    """Floating-point operations of the matrix products of one training epoch.

    A product of an (n, k) and a (k, m) matrix is counted as 2 n k m operations.
    Per sample: the forward pass ``2 sum(fan_in fan_out)``, the weight gradients the
    same again, and the deltas sent back ``2 sum(fan_in fan_out)`` over the layers
    after the first (the input needs none). Bias terms, activations, the loss and the
    solver are elementwise work and not counted.
    """
    products = [fan_in * fan_out
                for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:])]
    return 2 * n_samples * (2 * sum(products) + sum(products[1:]))


def square_gemm_rate(dtype, size=2048, repeats=5):
    """GFLOP/s of the best of ``repeats`` (size x size) @ (size x size) products."""
    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype=dtype)
    b = rng.random((size, size), dtype=dtype)
    out = np.empty_like(a)
    seconds = best_time(lambda: np.matmul(a, b, out=out), repeats)
    return 2 * size**3 / seconds / 1e9


def layer_gemm_rate(dtype, layer_sizes, batch_size, n_steps, repeats=3):
    """GFLOP/s of exactly the products of ``n_steps`` training steps at these shapes.

    Per step, with preallocated outputs: the forward products ``A_i @ W_i``, the
    weight gradients ``A_i.T @ D_i`` and the deltas ``D_i @ W_i.T`` (i > 0): the
    BLAS limit of W1 with nothing else in the way.
    """
    rng = np.random.default_rng(0)
    coefs = [rng.random((fan_in, fan_out), dtype=dtype) - 0.5
             for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:])]
    activations = [rng.random((batch_size, n), dtype=dtype) for n in layer_sizes]
    deltas = [rng.random((batch_size, n), dtype=dtype) for n in layer_sizes[1:]]
    grads = [np.empty_like(coef) for coef in coefs]

    def steps():
        for _ in range(n_steps):
            training_step_products(coefs, activations, deltas, grads)

    seconds = best_time(steps, repeats)
    return epoch_flops(layer_sizes, batch_size * n_steps) / seconds / 1e9


def measure_gemm(n_rows):
    """The square and the W1-shape GEMM rates, float32 and float64."""
    n_steps = math.ceil(n_rows / W1_BATCH)
    return {
        dtype: {
            "square": square_gemm_rate(dtype),
            "w1": layer_gemm_rate(dtype, w1_layer_sizes(), W1_BATCH, n_steps),
        }
        for dtype in ("float32", "float64")
    }


# -- targets ---------------------------------------------------------------------------

class Targets:
    """Collects ``measured vs target`` rows for the closing table."""

    def __init__(self):
        self.rows = []

    def add(self, name, value, target, *, higher_is_better=False, best=None,
            note=""):
        if target is None:
            status = "(reported)"
        elif value is None or math.isnan(value):
            status = "not measured"
        else:
            met = value >= target if higher_is_better else value <= target
            if met:
                status = "met"
            elif higher_is_better:
                status = f"missed by {_percent(1 - value / target)}"
            else:
                status = ("missed (never reached)" if math.isinf(value)
                          else f"missed by {_percent(value / target - 1)}")
        relation = ">=" if higher_is_better else "<="
        self.rows.append((name, _fmt(value), "" if best is None else _fmt(best),
                          "" if target is None else f"{relation} {target:g}",
                          status, note))

    def add_text(self, name, measured, target, status, note=""):
        self.rows.append((name, measured, "", target, status, note))

    def print(self):
        print_table(["target", "measured (median of ratios)", "min-based", "target",
                     "status", "note"], self.rows)


def _fmt(value):
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.3f}"


def _percent(fraction):
    return f"{fraction:.1%}" if fraction < 0.1 else f"{fraction:.0%}"


def print_table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print(flush=True)


def section(title):
    print(f"\n## {title}\n", flush=True)


# -- W1: one epoch ---------------------------------------------------------------------

def w1_runs(X, y, with_torch, float64_in_float32, with_jax=False):
    """name -> (model, epoch callable, training dtype)."""
    runs = {}
    for name, estimator_class in [("sklearn", SklearnMLPClassifier),
                                  ("skneural", MLPClassifier)]:
        model, epoch = mlp_epoch(estimator_class, X, y, W1_HIDDEN, W1_BATCH)
        runs[name] = (model, epoch, str(model.coefs_[0].dtype))
    if float64_in_float32:
        model, epoch = mlp_epoch(MLPClassifier, X, y, W1_HIDDEN, W1_BATCH,
                                 training_dtype="float32")
        runs["skneural training_dtype=float32"] = (model, epoch,
                                                   str(model.coefs_[0].dtype))
    if with_torch:
        model, epoch = torch_epoch(X, y, W1_HIDDEN, W1_BATCH)
        runs["torch"] = (model, epoch, str(X.dtype))
    if with_jax:
        model, epoch = jax_epoch(X, y, W1_HIDDEN, W1_BATCH)
        runs["jax"] = (model, epoch, str(X.dtype))
    return runs


def run_w1(args, data, targets, models):
    X_by_dtype, y = data["train"]
    flops = epoch_flops(w1_layer_sizes(), len(y))
    print(f"784-256-128-10 relu, adam, batch {W1_BATCH}, {len(y):,} rows; one epoch = "
          f"one partial_fit after a warm-up one; {args.repeats} rounds.")
    print(f"Matrix products per epoch: {flops / 1e9:.2f} GFLOP (forward "
          "2n*sum(fan_in*fan_out), weight gradients the same, deltas 2n*sum over "
          "the layers after the first).\n")
    # The GEMM rates are measured before and after the epochs and the better one is
    # kept, so that a busy moment of the machine cannot flatter the fractions.
    gemm = measure_gemm(len(y))
    available = has_training_dtype()
    measured = {}
    for dtype in ("float32", "float64"):
        runs = w1_runs(X_by_dtype[dtype], y, args.torch,
                       dtype == "float64" and available, args.jax)
        times = time_interleaved({name: run[1] for name, run in runs.items()},
                                 args.repeats)
        measured[dtype] = runs, times
        for name, (model, _, _) in runs.items():
            models[name, dtype] = model
    again = measure_gemm(len(y))
    for dtype, rates in gemm.items():
        for kind in rates:
            rates[kind] = max(rates[kind], again[dtype][kind])
    print("GEMM rates measured in this run, GFLOP/s (best of a few, before and after "
          "the W1 epochs):")
    print_table(["dtype", "square 2048 x 2048", f"W1 shapes, batch {W1_BATCH}"],
                [(dtype, f"{rates['square']:.1f}", f"{rates['w1']:.1f}")
                 for dtype, rates in gemm.items()])

    for dtype, (runs, times) in measured.items():
        rows = []
        for name, (_, _, training_dtype) in runs.items():
            seconds = times[name]
            gflops = flops / statistics.median(seconds) / 1e9
            rates = gemm[training_dtype]
            versus_torch = (ratio_stats(seconds, times["torch"]) if "torch" in times
                            else None)
            # The products alone, at the BLAS rate for these shapes, would take
            # gemm_ms; the rest of the epoch is everything else (gathering batches,
            # elementwise work, the solver, Python).
            gemm_ms = 1e3 * flops / (rates["w1"] * 1e9)
            rest_ms = 1e3 * statistics.median(seconds) - gemm_ms
            rows.append((
                name, training_dtype, format_ms(seconds),
                "%.2f / %.2f" % ratio_stats(seconds, times["sklearn"]),
                "n/a" if versus_torch is None else "%.2f / %.2f" % versus_torch,
                f"{gflops:.1f}",
                f"{gflops / rates['square']:.0%}",
                f"{gflops / rates['w1']:.0%}",
                f"{gemm_ms:.0f} + {rest_ms:.0f}",
            ))
        print(f"W1, {dtype} input:")
        print_table(["package", "training dtype", "epoch ms (median / min)",
                     "/ sklearn (median ratio / min)", "/ torch (median ratio / min)",
                     "GFLOP/s (median)", "of square GEMM (training dtype)",
                     "of GEMM at W1 shapes (training dtype)",
                     "ms: products at the W1-shape GEMM rate + the rest"], rows)
        w1_targets(targets, dtype, times, flops, gemm)
        if "jax" in times:
            median, best = ratio_stats(times["skneural"], times["jax"])
            targets.add(f"W1 {dtype}: skneural / jax epoch time", median, None,
                        best=best, note="reported (issue 16)")


def w1_targets(targets, dtype, times, flops, gemm):
    # Issue 16: skneural's epoch at >= 75% (float32) / 70% (float64) of the rate of
    # W1's own products measured in the same run.
    gflops = flops / statistics.median(times["skneural"]) / 1e9
    best_gflops = flops / min(times["skneural"]) / 1e9
    rate = gemm[dtype]["w1"]
    targets.add(f"W1 {dtype}: skneural GFLOP/s / {dtype} GEMM at the W1 shapes",
                gflops / rate, 0.75 if dtype == "float32" else 0.70,
                higher_is_better=True, best=best_gflops / rate,
                note=f"{gflops:.0f} of {rate:.0f} GFLOP/s")
    median, best = ratio_stats(times["skneural"], times["sklearn"])
    if dtype == "float64":
        targets.add("W1 float64: skneural / sklearn epoch time", median, 0.95,
                    best=best)
        name = "skneural training_dtype=float32"
        if name in times:
            median, best = ratio_stats(times[name], times["sklearn"])
            targets.add("W1 float64 input trained in float32 (training_dtype): "
                        "skneural / sklearn", median, None, best=best,
                        note="opt-in; sklearn trains in float64")
        else:
            print("skneural has no training_dtype parameter yet: the opt-in float32 "
                  "training of float64 input is not measured.\n")
            targets.add_text("W1 float64 input trained in float32 (training_dtype)",
                             "n/a", "(reported)", "option not available yet")
        return
    targets.add("W1 float32: skneural / sklearn epoch time", median, 0.85, best=best)
    if "torch" in times:
        median, best = ratio_stats(times["skneural"], times["torch"])
        targets.add("W1 float32: skneural / torch epoch time", median, 1.0, best=best)
    else:
        targets.add("W1 float32: skneural / torch epoch time", None, 1.0,
                    note="torch not run")
    rate = gemm["float32"]["square"]
    targets.add("W1 float32: skneural GFLOP/s / square 2048^2 float32 GEMM",
                gflops / rate, None, higher_is_better=True, best=best_gflops / rate,
                note=f"{gflops:.0f} of {rate:.0f} GFLOP/s")


# -- W2: 200 epochs on digits ----------------------------------------------------------

def run_w2(args, targets):
    dtypes = ["float64"] if args.quick else ["float64", "float32"]
    print(f"64-100-10 relu, adam, batch {W2_BATCH}, scaled digits (1,797 rows): "
          f"fit(max_iter={W2_EPOCHS}, n_iter_no_change=10**9, tol=0), so exactly "
          f"{W2_EPOCHS} epochs; {args.repeats} rounds.\n")
    for dtype in dtypes:
        X, y = load_scaled_digits(dtype)
        n_iter = {}

        def fit(name, estimator_class, X=X, y=y, n_iter=n_iter):
            model = estimator_class(
                hidden_layer_sizes=W2_HIDDEN, solver="adam", batch_size=W2_BATCH,
                max_iter=W2_EPOCHS, n_iter_no_change=10**9, tol=0.0, random_state=0)
            model.fit(X, y)
            n_iter[name] = model.n_iter_

        runs = {"sklearn": lambda: fit("sklearn", SklearnMLPClassifier),
                "skneural": lambda: fit("skneural", MLPClassifier)}
        if args.torch:
            runs["torch"] = lambda X=X, y=y: TorchMLPClassifier(
                W2_HIDDEN, batch_size=W2_BATCH).fit(X, y, n_epochs=W2_EPOCHS)
            n_iter["torch"] = W2_EPOCHS
        if args.jax:
            runs["jax"] = lambda X=X, y=y: JaxMLPClassifier(
                W2_HIDDEN, batch_size=W2_BATCH).fit(X, y, n_epochs=W2_EPOCHS)
            n_iter["jax"] = W2_EPOCHS
        times = time_interleaved(runs, args.repeats)
        rows = [(name, format_ms(seconds), n_iter[name],
                 "%.2f / %.2f" % ratio_stats(seconds, times["sklearn"]))
                for name, seconds in times.items()]
        print(f"W2 {dtype}:")
        print_table(["package", f"{W2_EPOCHS} epochs, ms (median / min)", "epochs run",
                     "/ sklearn (median ratio / min)"], rows)
        for name, epochs in n_iter.items():
            if epochs != W2_EPOCHS:
                print(f"warning: {name} ran {epochs} epochs, not {W2_EPOCHS}")
        median, best = ratio_stats(times["skneural"], times["sklearn"])
        targets.add(f"W2 {dtype}: skneural / sklearn time", median, 0.5, best=best)
        if "jax" in times:
            median, best = ratio_stats(times["skneural"], times["jax"])
            targets.add(f"W2 {dtype}: skneural / jax time", median, None, best=best,
                        note="reported (issue 16)")


# -- W3: time to accuracy --------------------------------------------------------------

def time_to_accuracy(model, X, y, X_test, y_test, threshold, max_epochs):
    """Train epoch by epoch; return (training seconds, epochs, test accuracy) at the
    first epoch whose test accuracy reaches ``threshold`` (seconds = inf if none
    does within ``max_epochs``). Only training is on the clock, not the scoring."""
    classes = np.unique(y)
    elapsed = 0.0
    accuracy = float("nan")
    for epoch in range(1, max_epochs + 1):
        start = time.perf_counter()
        model.partial_fit(X, y, classes=classes)
        elapsed += time.perf_counter() - start
        accuracy = model.score(X_test, y_test)
        if accuracy >= threshold:
            return elapsed, epoch, accuracy
    return math.inf, max_epochs, accuracy


def w3_setups(with_torch):
    """name -> (input dtype, factory(seed)): each package's best documented setting."""
    def mlp(estimator_class):
        return lambda seed: estimator_class(
            hidden_layer_sizes=W1_HIDDEN, solver="adam", batch_size=W1_BATCH,
            learning_rate_init=1e-3, random_state=seed)

    setups = {
        "sklearn": ("float64", mlp(SklearnMLPClassifier)),
        "sklearn float32 input": ("float32", mlp(SklearnMLPClassifier)),
        "skneural": ("float32", mlp(MLPClassifier)),
    }
    if with_torch:
        setups["torch"] = ("float32", lambda seed: TorchMLPClassifier(
            W1_HIDDEN, batch_size=W1_BATCH, learning_rate_init=1e-3,
            random_state=seed))
    return setups


def run_w3(args, data, targets):
    X_by_dtype, y = data["train"]
    X_test_by_dtype, y_test = data["test"]
    threshold, max_epochs = ((W3_QUICK_THRESHOLD, W3_QUICK_MAX_EPOCHS) if args.quick
                             else (W3_THRESHOLD, W3_MAX_EPOCHS))
    rounds = args.repeats
    print(f"784-256-128-10 relu, adam lr 1e-3, batch {W1_BATCH}, {len(y):,} training "
          f"rows; training time until the test accuracy on {len(y_test):,} rows "
          f"reaches {threshold} (at most {max_epochs} epochs; scoring off the clock); "
          f"{rounds} rounds, seed = round.\n")
    setups = w3_setups(args.torch)
    results = {name: [] for name in setups}
    for seed, name in interleaved(list(setups), rounds):
        dtype, factory = setups[name]
        results[name].append(time_to_accuracy(
            factory(seed), X_by_dtype[dtype], y, X_test_by_dtype[dtype], y_test,
            threshold, max_epochs))
    seconds = {name: [r[0] for r in runs] for name, runs in results.items()}
    rows = []
    for name, runs in results.items():
        reached = [r for r in runs if math.isfinite(r[0])]
        rows.append((
            name, setups[name][0],
            format_ms(seconds[name]) if reached else "never",
            f"{len(reached)} of {len(runs)}",
            " ".join(str(r[1]) for r in runs),
            " ".join(f"{r[2]:.3f}" for r in runs),
            "%.2f / %.2f" % ratio_stats(seconds[name], seconds["sklearn"]),
        ))
    print_table(["package", "input dtype", "time to accuracy, ms (median / min)",
                 "reached", "epochs per round", "accuracy per round",
                 "/ sklearn (median ratio / min)"], rows)
    median, best = ratio_stats(seconds["skneural"], seconds["sklearn"])
    targets.add(f"W3: skneural / sklearn time to {threshold} test accuracy",
                median, 0.7, best=best, note="sklearn on float64 X/255 (its default)")


# -- W4: L-BFGS ------------------------------------------------------------------------

@contextlib.contextmanager
def count_calls(owner, name):
    """Count the calls of the method ``owner.name`` (patched on the class)."""
    original = owner.__dict__.get(name)
    method = getattr(owner, name)
    counter = {"calls": 0}

    def counting(*args, **kwargs):
        counter["calls"] += 1
        return method(*args, **kwargs)

    setattr(owner, name, counting)
    try:
        yield counter
    finally:
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)


# The objective each package hands to scipy.optimize.minimize in its lbfgs path:
# sklearn's BaseMultilayerPerceptron._fit_lbfgs and skneural's Trainer (through the
# data source, skneural._data.InMemoryData.loss_gradient).
W4_OBJECTIVES = {
    "sklearn": (SklearnMLPClassifier, "_loss_grad_lbfgs"),
    "skneural": (skneural.network.Network, "constrained_loss_gradient"),
}


def run_w4(args, targets):
    X, y = load_scaled_digits()
    rounds = args.long_repeats
    print(f"64-100-10 relu, lbfgs (max_iter={W4_MAX_ITER}, default tol=1e-4 and "
          f"max_fun=15000), scaled digits, float64, random_state=0; {rounds} rounds. "
          "Function evaluations counted by wrapping the objective handed to scipy "
          "(sklearn: MLPClassifier._loss_grad_lbfgs; skneural: "
          "Network.constrained_loss_gradient). torch.optim.LBFGS is not run: its line "
          "search and stopping rules differ, so its counts would not compare.\n")
    outcome = {}

    def fit(name, estimator_class):
        owner, method = W4_OBJECTIVES[name]
        model = estimator_class(hidden_layer_sizes=W4_HIDDEN, solver="lbfgs",
                                max_iter=W4_MAX_ITER, random_state=0)
        with count_calls(owner, method) as counter:
            model.fit(X, y)
        outcome[name] = (counter["calls"], model.n_iter_, model.loss_)

    runs = {"sklearn": lambda: fit("sklearn", SklearnMLPClassifier),
            "skneural": lambda: fit("skneural", MLPClassifier)}
    times = time_interleaved(runs, rounds)
    rows = [(name, format_ms(seconds), outcome[name][0], outcome[name][1],
             f"{outcome[name][2]:.10g}",
             "%.2f / %.2f" % ratio_stats(seconds, times["sklearn"]))
            for name, seconds in times.items()]
    print_table(["package", "time ms (median / min)", "function evaluations",
                 "iterations (n_iter_)", "final loss_",
                 "/ sklearn time (median ratio / min)"], rows)
    (n_fun, _, loss), (n_fun_sk, _, loss_sk) = outcome["skneural"], outcome["sklearn"]
    if n_fun == 0:
        print("warning: skneural's objective was never called: its lbfgs path no "
              "longer goes through Network.constrained_loss_gradient; update "
              "W4_OBJECTIVES.")
    met = n_fun <= n_fun_sk and loss <= loss_sk + LOSS_RTOL * abs(loss_sk)
    targets.add_text("W4: skneural function evaluations and final loss vs sklearn",
                     f"{n_fun} vs {n_fun_sk}; {loss:.6g} vs {loss_sk:.6g}",
                     "<= evaluations, <= loss", "met" if met else "missed",
                     note="loss equal within rtol %g" % LOSS_RTOL)
    median, best = ratio_stats(times["skneural"], times["sklearn"])
    targets.add("W4: skneural / sklearn time", median, None, best=best)


# -- W5: predict throughput ------------------------------------------------------------

def run_w5(args, data, targets, models):
    X_by_dtype, y = data["train"]
    X_test_by_dtype, _ = data["test"]
    repeats = 5 * args.repeats
    print(f"predict() on {W5_ROWS:,} Fashion-MNIST test rows with the W1 models "
          f"(trained for W1, or for one epoch when W1 is not run); {repeats} rounds; "
          "rows per second from the median time.\n")
    names = ["sklearn", "skneural", "skneural training_dtype=float32"]
    if args.torch:
        names.append("torch")
    for dtype in ("float32", "float64"):
        X_test = X_test_by_dtype[dtype][:W5_ROWS]
        if ("sklearn", dtype) not in models:  # W1 not run: train the same models
            runs = w1_runs(X_by_dtype[dtype], y, args.torch,
                           dtype == "float64" and has_training_dtype())
            for name, (model, _, _) in runs.items():
                models[name, dtype] = model
        predicts = {name: models[name, dtype].predict for name in names
                    if (name, dtype) in models}
        times = time_interleaved({name: lambda p=p, X=X_test: p(X)
                                  for name, p in predicts.items()}, repeats)
        rows = []
        for name, seconds in times.items():
            # Throughput ratio = inverse time ratio: sklearn's time over this one's.
            rows.append((name, format_ms(seconds),
                         f"{len(X_test) / statistics.median(seconds):,.0f}",
                         "%.2f / %.2f" % ratio_stats(times["sklearn"], seconds)))
        print(f"W5 {dtype}:")
        print_table(["package", "predict ms (median / min)", "rows/s (median)",
                     "throughput / sklearn (median ratio / max-based)"], rows)
        median, best = ratio_stats(times["sklearn"], times["skneural"])
        targets.add(f"W5 {dtype}: skneural / sklearn predict throughput", median, 1.0,
                    higher_is_better=True, best=best)


# -- MEM: peak memory of the W1 fit, each in a fresh subprocess ------------------------

def _proc_status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def current_rss_kib():
    return _proc_status_kib("VmRSS")


def peak_rss_kib():
    """The process's peak RSS: VmHWM on Linux, else ``getrusage().ru_maxrss``.

    Not ru_maxrss on Linux: a child started by a large parent inherits the
    parent's peak in ru_maxrss (the kernel carries it over at exec), while VmHWM
    belongs to the child's own memory and can be reset.
    """
    try:
        return _proc_status_kib("VmHWM")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS


def reset_peak_rss():
    """Reset the process's peak RSS to its current RSS (Linux >= 4.0); False if the
    kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def memory_fit(package, X, y):
    """The W1 fit: ``fit(max_iter=1)`` (one epoch of PyTorch)."""
    if package == "torch":
        TorchMLPClassifier(W1_HIDDEN, batch_size=W1_BATCH).partial_fit(X, y)
        return
    estimator_class = SklearnMLPClassifier if package == "sklearn" else MLPClassifier
    params = {"training_dtype": "float32"} if package.endswith("float32") else {}
    estimator_class(hidden_layer_sizes=W1_HIDDEN, solver="adam", batch_size=W1_BATCH,
                    max_iter=1, random_state=0, **params).fit(X, y)


def memory_child(package, dtype, n_rows):
    """Run in a fresh interpreter: print the peak RSS increase of the W1 fit over
    the baseline after imports, data loading and a warm-up fit, and tracemalloc's
    peak of a second fit, as one JSON line."""
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_fashion("train", n_rows, dtype)
    # Warm-up on 512 rows: lazy imports, BLAS thread buffers, first-call caches are
    # process costs, not costs of the data size.
    memory_fit(package, X[:512], y[:512])
    gc.collect()
    exact = reset_peak_rss()
    baseline = peak_rss_kib() if exact else current_rss_kib()
    memory_fit(package, X, y)
    result = {"rss_increase_mib": (peak_rss_kib() - baseline) / 1024,
              "exact_baseline": exact, "x_mib": X.nbytes / 2**20,
              "tracemalloc_peak_mib": None}
    if package != "torch":  # torch's allocator is invisible to tracemalloc
        gc.collect()
        tracemalloc.start()
        memory_fit(package, X, y)
        result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    print(json.dumps(result))


# glibc keeps freed memory for reuse, so that RSS would follow the largest earlier
# allocation rather than what the fit holds: fixed thresholds make it hand blocks
# of 64 KiB and more straight back to the system, the same for every package.
MEMORY_CHILD_ENV = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536",
                    "MALLOC_TRIM_THRESHOLD_": "0"}


def run_memory(args, targets):
    n_rows = QUICK_ROWS if args.quick else None
    packages = ["sklearn", "skneural"]
    if has_training_dtype():
        packages.append("skneural training_dtype=float32")
    if args.torch:
        packages.append("torch")
    print("Each W1 fit (fit(max_iter=1); torch: one epoch) in a fresh subprocess: "
          "peak RSS (VmHWM) increase over the baseline after imports, loading "
          "the data and a warm-up fit on 512 rows (the peak is reset to the current "
          "RSS there through /proc/self/clear_refs; glibc returns blocks of 64 KiB "
          "and more to the system); then tracemalloc's peak of a second fit (NumPy "
          "packages only).\n")
    rows = []
    measured = {}
    for dtype in ("float32", "float64"):
        for package in packages:
            if package.endswith("float32") and dtype == "float32":
                continue
            command = [sys.executable, str(Path(__file__).resolve()), "--memory-child",
                       package, dtype, str(n_rows or 0)]
            completed = subprocess.run(command, capture_output=True, text=True,
                                       env=MEMORY_CHILD_ENV)
            if completed.returncode != 0:
                print(f"{package} {dtype}: the subprocess failed:\n"
                      f"{completed.stderr[-2000:]}")
                continue
            result = json.loads(completed.stdout.strip().splitlines()[-1])
            measured[package, dtype] = result
            tracemalloc_peak = result["tracemalloc_peak_mib"]
            rows.append((package, dtype, f"{result['x_mib']:.1f}",
                         f"{result['rss_increase_mib']:.1f}"
                         + ("" if result["exact_baseline"] else " (upper bound)"),
                         "n/a" if tracemalloc_peak is None
                         else f"{tracemalloc_peak:.1f}"))
    print_table(["package", "input dtype", "X MiB", "peak RSS increase MiB",
                 "tracemalloc peak MiB"], rows)
    for dtype in ("float32", "float64"):
        if ("sklearn", dtype) in measured and ("skneural", dtype) in measured:
            ours = measured["skneural", dtype]["rss_increase_mib"]
            theirs = measured["sklearn", dtype]["rss_increase_mib"]
            targets.add_text(f"MEM {dtype}: skneural / sklearn W1 peak RSS increase",
                             f"{ours:.1f} vs {theirs:.1f} MiB", "<= sklearn",
                             "met" if ours <= theirs
                             else f"missed by {ours - theirs:.1f} MiB")


# -- profile --------------------------------------------------------------------------

def run_profile(args, data):
    """cProfile of one skneural W1 epoch (float32) and one W2 fit (float64): where
    the time goes beyond the matrix products. NumPy's ufuncs and BLAS calls are
    counted in the Python function that calls them."""
    import cProfile
    import io
    import pstats

    cases = []
    if "train" in data:
        X_by_dtype, y = data["train"]
        _, epoch = mlp_epoch(MLPClassifier, X_by_dtype["float32"], y, W1_HIDDEN,
                             W1_BATCH)
        cases.append(("W1: one skneural epoch, float32", epoch))
    X, y = load_scaled_digits()
    cases.append(("W2: skneural fit, 200 epochs on digits, float64", lambda: (
        MLPClassifier(hidden_layer_sizes=W2_HIDDEN, batch_size=W2_BATCH,
                      max_iter=W2_EPOCHS, n_iter_no_change=10**9, tol=0.0,
                      random_state=0).fit(X, y))))
    for title, function in cases:
        profiler = cProfile.Profile()
        profiler.runcall(function)
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("tottime").print_stats(15)
        print(f"{title}, top 15 functions by own time:\n```")
        # Drop pstats' preamble; keep the totals line and the table.
        lines = [line for line in stream.getvalue().splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if "function calls" in line)
        print("\n".join(lines[start:]))
        print("```\n", flush=True)


# -- main ------------------------------------------------------------------------------

def cpu_busy_fraction(seconds=1.0):
    """Fraction of all CPU time spent busy over the next ``seconds`` (from
    /proc/stat; None where it does not exist). Taken while this script is idle, so
    it is what other processes use."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    try:
        total_before, idle_before = sample()
        time.sleep(seconds)
        total_after, idle_after = sample()
    except (OSError, IndexError, ValueError):
        return None
    total = total_after - total_before
    return 1 - (idle_after - idle_before) / total if total else None


def load_line(when):
    """The load average and the CPU use of other processes, with a warning when
    other work competes for the cores."""
    try:
        line = f"load average {when}: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        line = f"load average {when}: unknown"
    busy = cpu_busy_fraction()
    if busy is not None:
        line += f"; CPU busy over 1 s while this script idles: {busy:.0%}"
        if busy > 0.1:
            line += (" -- WARNING: other processes are using the CPU; with as many "
                     "BLAS threads as cores that can slow an epoch several-fold and "
                     "the ratios are unreliable")
    return line


def parse_workloads(text):
    names = [name.strip().upper() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(ALL_WORKLOADS))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown workloads {unknown}; choose from {','.join(ALL_WORKLOADS)}")
    return names


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_ROWS:,} Fashion-MNIST training rows, "
                             "3 rounds, W2 in float64 only, W3 to "
                             f"{W3_QUICK_THRESHOLD} accuracy")
    parser.add_argument("--workloads", type=parse_workloads,
                        default=list(ALL_WORKLOADS),
                        help="comma-separated subset of " + ",".join(ALL_WORKLOADS))
    parser.add_argument("--repeats", type=int, default=None,
                        help="rounds for W1, W2 and W3 (default 5, 3 with --quick); W4 "
                             "runs about half as many, W5 five times as many")
    parser.add_argument("--no-torch", dest="torch", action="store_false",
                        help="leave PyTorch out even when it is installed")
    parser.add_argument("--no-jax", dest="jax", action="store_false",
                        help="leave JAX out even when it is installed")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of a skneural W1 epoch and W2 fit")
    parser.add_argument("--memory-child", nargs=3,
                        metavar=("PACKAGE", "DTYPE", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5
    args.repeats = max(args.repeats, 1)
    args.long_repeats = max(1, (args.repeats + 1) // 2)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.memory_child:
        package, dtype, n_rows = args.memory_child
        memory_child(package, dtype, int(n_rows) or None)
        return 0
    if args.torch and not torch_available():
        print("PyTorch is not installed: the torch columns are left out "
              "(pip install torch==2.13.0, or pip install -e .[bench])")
        args.torch = False
    if args.jax and not jax_available():
        print("JAX is not installed: the jax rows are left out "
              "(pip install -e .[bench])")
        args.jax = False
    warnings.simplefilter("ignore", ConvergenceWarning)
    started = time.perf_counter()
    print(f"# skneural benchmark suite ({time.strftime('%Y-%m-%d %H:%M')}"
          f"{', --quick' if args.quick else ''})\n")
    describe_environment(args.torch)
    print(load_line("before"))

    n_rows = QUICK_ROWS if args.quick else None
    data = {}
    if {"W1", "W3", "W5"} & set(args.workloads) or args.profile:
        try:
            for subset, rows in [("train", n_rows), ("test", None)]:
                X, y = load_fashion(subset, rows)
                data[subset] = ({"float64": X, "float32": X.astype(np.float32)}, y)
        except (FileNotFoundError, ImportError) as error:
            print(f"\nFashion-MNIST is missing, W1, W3, W5 and MEM are skipped: {error}")
            args.workloads = [w for w in args.workloads if w in ("W2", "W4")]

    targets = Targets()
    models = {}
    if "W1" in args.workloads:
        section("W1: one epoch, Fashion-MNIST 784-256-128-10")
        run_w1(args, data, targets, models)
    if "W5" in args.workloads:
        section("W5: predict throughput")
        run_w5(args, data, targets, models)
    models.clear()
    if "W2" in args.workloads:
        section("W2: 200 epochs on digits (overhead-bound)")
        run_w2(args, targets)
    if "W3" in args.workloads:
        section("W3: time to accuracy, Fashion-MNIST")
        run_w3(args, data, targets)
    if "W4" in args.workloads:
        section("W4: L-BFGS to convergence on digits")
        run_w4(args, targets)
    if "MEM" in args.workloads:
        section("MEM: peak memory of the W1 fit")
        run_memory(args, targets)

    if args.profile:
        section("Profile: where skneural's time goes")
        run_profile(args, data)
    section("Targets")
    print("Time ratios: skneural / peer, median over rounds of the per-round ratio "
          "(below 1: skneural is faster); throughput ratios: skneural / sklearn "
          "(above 1: skneural is faster).\n")
    targets.print()
    print(load_line("after"))
    print(f"Total {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
