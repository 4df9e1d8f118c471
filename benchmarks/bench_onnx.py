"""Prediction speed of onnxruntime against skneural's own predict.

An ``MLPClassifier`` (ReLU, Adam) is trained on Fashion-MNIST training rows, exported
with ``skneural.onnx.to_onnx`` (float32 and float64 graphs), and both predict the
10,000 test rows: ``predict_proba`` (NumPy) against one ``InferenceSession.run`` that
returns the labels and the probabilities. Rounds are interleaved (see
``_common.interleaved``); the ratio is the median over rounds of onnxruntime's time
over ``predict_proba``'s in the same round, then the ratio of the best times. A second
column times single-row calls, where the per-call overhead dominates. onnxruntime runs
with its default thread pool (one thread per physical core) but without spinning, so
that its idle threads do not compete with NumPy's BLAS threads between rounds.

    python benchmarks/bench_onnx.py                 # about a minute on 2 cores
    python benchmarks/bench_onnx.py --repeats 21 --hidden 256,128

Training is not timed. The script prints and exits 0; it asserts nothing about speed.
It does check that both sides give the same labels.
"""

import argparse
import statistics
import warnings

import numpy as np
from _common import (
    describe_environment,
    format_ms,
    format_ratio,
    load_fashion,
    time_interleaved,
)

import skneural
from skneural import MLPClassifier
from skneural.onnx import to_onnx


def _session(model, dtype):
    import onnxruntime as ort

    options = ort.SessionOptions()
    # onnxruntime's idle threads spin for a while after each run; interleaved with
    # NumPy's BLAS threads on the same cores they would slow both sides down.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(to_onnx(model, dtype=dtype).SerializeToString(),
                                options, providers=["CPUExecutionProvider"])


def _fit(dtype, hidden, train_rows, epochs):
    X, y = load_fashion("train", n_rows=train_rows, dtype=dtype)
    model = MLPClassifier(hidden, max_iter=epochs, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs do not converge
        return model.fit(X, y)


def _single_rows(run, X, calls):
    """``calls`` calls of ``run`` on one row each (time it, divide by ``calls``)."""
    for i in range(calls):
        run(X[i : i + 1])


def bench(dtype, hidden, repeats, train_rows, epochs, single_calls):
    model = _fit(dtype, hidden, train_rows, epochs)
    X_test, _ = load_fashion("test", n_rows=10_000, dtype=dtype)
    session = _session(model, dtype)
    label, proba = session.run(None, {"X": X_test})
    agree = np.mean(label == model.predict(X_test))
    error = np.abs(proba - model.predict_proba(X_test)).max()
    times = time_interleaved({
        "predict_proba": lambda: model.predict_proba(X_test),
        "onnxruntime": lambda: session.run(None, {"X": X_test}),
    }, repeats)
    single = time_interleaved({
        "predict_proba": lambda: _single_rows(model.predict_proba, X_test,
                                              single_calls),
        "onnxruntime": lambda: _single_rows(lambda x: session.run(None, {"X": x}),
                                            X_test, single_calls),
    }, max(3, repeats // 3))
    return times, single, agree, error


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--hidden", default="100",
                        help="hidden layer sizes, comma-separated (default 100)")
    parser.add_argument("--train-rows", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--single-calls", type=int, default=200)
    args = parser.parse_args()
    hidden = tuple(int(h) for h in args.hidden.split(","))

    import onnx
    import onnxruntime
    import skl2onnx

    describe_environment(with_torch=False)
    print(f"onnx {onnx.__version__}, skl2onnx {skl2onnx.__version__}, onnxruntime "
          f"{onnxruntime.__version__}, skneural {skneural.__version__}")
    print(f"MLPClassifier{hidden}, Fashion-MNIST: {args.train_rows} training rows, "
          f"{args.epochs} epochs; predict 10,000 test rows, {args.repeats} rounds\n")
    print("| dtype | predict_proba ms (median / min) | onnxruntime ms | ratio ort / "
          "numpy (median / best) | single row µs numpy / ort | same labels | "
          "max abs proba diff |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for dtype in (np.float32, np.float64):
        times, single, agree, error = bench(dtype, hidden, args.repeats,
                                            args.train_rows, args.epochs,
                                            args.single_calls)
        per_call = 1e6 / args.single_calls
        single_numpy = per_call * statistics.median(single["predict_proba"])
        single_ort = per_call * statistics.median(single["onnxruntime"])
        print(f"| {np.dtype(dtype).name} | {format_ms(times['predict_proba'])} | "
              f"{format_ms(times['onnxruntime'])} | "
              f"{format_ratio(times['onnxruntime'], times['predict_proba'])} | "
              f"{single_numpy:.0f} / {single_ort:.0f} | {agree:.4f} | {error:.1e} |")


if __name__ == "__main__":
    main()
