"""The fixed cost of each call: small ``partial_fit``, ``predict``, ``predict_proba``
and ``score`` calls of skneural against scikit-learn's MLPs and onnxruntime.

What online learning (one row or a mini-batch per call) and serving (one row per
query) pay is the cost of a call, not of an epoch. On scikit-learn's digits (1,797
rows of 64 pixels / 16, ``hidden_layer_sizes=(100,)``), in float32 and float64:

* ``partial_fit`` on 1, 32 and 256 rows, with 'sgd' and 'adam' (each call on the next
  rows of the data, as a stream would give them);
* ``predict``, ``predict_proba`` and ``score`` on 1, 100 and 10,000 rows (the digits
  repeated), and onnxruntime's ``InferenceSession.run`` on the exported model for the
  first two (labels and probabilities in one run);
* the arithmetic floor: the call's own matrix products alone (``np.matmul`` into
  preallocated outputs; for ``partial_fit`` the forward and backward products of one
  step), the least any implementation pays.

The packages' calls are interleaved round by round (see ``_common.interleaved``); each
timed unit is many calls, so the timer's resolution does not matter. The ratio is the
median over rounds of skneural's time over scikit-learn's in the same round, then the
ratio of the best times. ``--before PATH`` adds another checkout of skneural (see
``bench_versions.py``) to compare with, e.g. the commit before a change.

    python benchmarks/bench_calls.py                       # about 2 minutes
    python benchmarks/bench_calls.py --quick               # float64, fewer rounds
    python benchmarks/bench_calls.py --before ../before    # and the other version

Prints a table and exits 0; nothing is asserted about speed.
"""

import argparse
import warnings

import numpy as np
from _common import describe_environment, load_scaled_digits, ratio_stats, time_interleaved
from bench_versions import import_before
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from skneural import MLPClassifier

HIDDEN = (100,)


def _models(packages, X, y, solver):
    """Each package's classifier, fitted by one warm-up epoch (partial_fit)."""
    classes = np.unique(y)
    models = {}
    for name, estimator in packages.items():
        model = estimator(HIDDEN, solver=solver, random_state=0, learning_rate_init=0.01)
        model.partial_fit(X, y, classes=classes)
        models[name] = model
    return models


def _stream(model, X, y, rows, calls):
    """``calls`` partial_fit calls, each on the next ``rows`` rows."""
    n = X.shape[0]
    starts = [(i * rows) % (n - rows) for i in range(calls)]

    def run():
        for start in starts:
            model.partial_fit(X[start:start + rows], y[start:start + rows])
    return run


def _repeat(function, argument, calls):
    def run():
        for _ in range(calls):
            function(argument)
    return run


def _floor(coefs, X, rows, training):
    """The products of one call alone: forward (and, training, backward)."""
    sizes = [X.shape[1]] + [c.shape[1] for c in coefs]
    activations = [np.ascontiguousarray(X[:rows])] + [
        np.empty((rows, n), dtype=X.dtype) for n in sizes[1:]]
    deltas = [np.ones((rows, n), dtype=X.dtype) for n in sizes[1:]]
    grads = [np.empty_like(c) for c in coefs]

    def run():
        for i, coef in enumerate(coefs):
            np.matmul(activations[i], coef, out=activations[i + 1])
        if training:
            for i in range(len(coefs) - 1, -1, -1):
                np.matmul(activations[i].T, deltas[i], out=grads[i])
                if i > 0:
                    np.matmul(deltas[i], coefs[i].T, out=deltas[i - 1])
    return run


def _row(label, rows, dtype, times, calls, floor_times):
    per_call = {name: np.median(values) / calls * 1e6 for name, values in times.items()}
    median, best = ratio_stats(times["skneural"], times["sklearn"])
    cells = [label, str(rows), dtype, f"{per_call['sklearn']:.1f}",
             f"{per_call['skneural']:.1f}", f"{median:.3f} / {best:.3f}"]
    cells.append(f"{per_call['before']:.1f}" if "before" in per_call else "")
    cells.append(f"{per_call['onnxruntime']:.1f}" if "onnxruntime" in per_call else "")
    cells.append(f"{np.min(floor_times) / calls * 1e6:.1f}")
    return "| " + " | ".join(cells) + " |"


def _session(model, dtype):
    try:
        import onnxruntime as ort

        from skneural.onnx import to_onnx
    except ImportError:
        return None
    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = 1
    onnx_model = to_onnx(model, dtype=dtype)
    session = ort.InferenceSession(onnx_model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda X: session.run(None, {name: X})


def bench_training(packages, X, y, dtype, repeats):
    rows_out = []
    for solver in ("sgd", "adam"):
        for rows, calls in ((1, 300), (32, 100), (256, 20)):
            models = _models(packages, X, y, solver)
            runs = {name: _stream(model, X, y, rows, calls)
                    for name, model in models.items()}
            for run in runs.values():
                run()  # warm-up
            times = time_interleaved(runs, repeats)
            floor = time_interleaved({"floor": _repeat(
                lambda _, m=models["skneural"], r=rows: _floor_call(m, X, r), None,
                calls)}, repeats)["floor"]
            rows_out.append(_row(f"partial_fit ({solver})", rows, dtype, times, calls,
                                 floor))
            print(rows_out[-1], flush=True)
    return rows_out


_FLOORS = {}


def _floor_call(model, X, rows):
    key = (id(model), rows, X.dtype.str)
    if key not in _FLOORS:
        _FLOORS[key] = _floor(model.coefs_, X, rows, training=True)
    _FLOORS[key]()


def bench_prediction(packages, X, y, dtype, repeats):
    models = _models(packages, X, y, "adam")
    big_X = np.ascontiguousarray(np.tile(X, (6, 1))[:10_000])
    big_y = np.tile(y, 6)[:10_000]
    session = _session(models["skneural"], dtype)
    rows_out = []
    for method in ("predict", "predict_proba", "score"):
        for rows, calls in ((1, 300), (100, 100), (10_000, 3)):
            data = big_X[:rows]
            if method == "score":
                runs = {name: _repeat(lambda x, m=model, t=big_y[:rows]: m.score(x, t),
                                      data, calls) for name, model in models.items()}
            else:
                runs = {name: _repeat(getattr(model, method), data, calls)
                        for name, model in models.items()}
                if session is not None:
                    runs["onnxruntime"] = _repeat(session, data, calls)
            for run in runs.values():
                run()  # warm-up
            times = time_interleaved(runs, repeats)
            floor = _floor(models["skneural"].coefs_, big_X, rows, training=False)
            floor_times = time_interleaved({"floor": _repeat(lambda _, f=floor: f(),
                                                             None, calls)},
                                           repeats)["floor"]
            rows_out.append(_row(method, rows, dtype, times, calls, floor_times))
            print(rows_out[-1], flush=True)
    return rows_out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=None,
                        help="interleaved rounds (default 9, 5 with --quick)")
    parser.add_argument("--quick", action="store_true", help="float64 only, 5 rounds")
    parser.add_argument("--before", default=None,
                        help="another checkout of skneural to time beside this one")
    args = parser.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 9)
    packages = {"sklearn": SklearnMLPClassifier, "skneural": MLPClassifier}
    if args.before:
        packages["before"] = import_before(args.before).MLPClassifier
    describe_environment(False)
    warnings.simplefilter("ignore", ConvergenceWarning)
    header = ["| call | rows | dtype | sklearn us | skneural us | skneural/sklearn "
              "(median / min) | before us | onnxruntime us | products alone us |",
              "|---|---|---|---|---|---|---|---|---|"]
    print("\n".join(header), flush=True)
    rows = []
    for dtype in (["float64"] if args.quick else ["float32", "float64"]):
        X, y = load_scaled_digits(dtype=dtype)
        rows += bench_training(packages, X, y, dtype, repeats)
        rows += bench_prediction(packages, X, y, dtype, repeats)
    print("\n" + "\n".join(header + rows))


if __name__ == "__main__":
    main()
