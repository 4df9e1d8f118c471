"""What bounds a W1 epoch on this machine: the floor of each part outside the products.

Issue 16 asks for W1 at >= 75% (float32) / 70% (float64) of the same-run rate of W1's
own products. This script measures, per 20,000 rows (79 steps of 256 rows, 784-256-128-10),
the parts of the epoch that no fusion removes, each at its own best:

* the products with two BLAS threads (what ``bench_suite.py`` calls the W1-shape GEMM
  rate), and the same products with the batch split over two Python threads that each
  call single-threaded BLAS (the "batch-parallel" alternative; the reduction of the two
  half-batch weight gradients is left out, in its favour);
* the batch gather: ``X[idx]`` as the trainer does it, ``np.take(..., out=)`` into one
  buffer, and a contiguous copy of the same size (what no shuffling would cost; the
  ceilings below use the faster of the first two, as ``shuffle=True`` needs);
* Adam's fused update alone (``skneural._jit``), and the same loop with the square root
  and the division replaced by products (same memory traffic): whether it is bound by
  arithmetic or by memory;
* the penalty-gradient pass alone (``_jit._penalize_divide``);
* Adam's update split over a helper thread (nogil kernel, two halves), alone and in a
  whole ``partial_fit`` epoch: whether the second core helps the element-wise work;
* the other parts, each alone: bias + relu, the relu derivative, the softmax
  cross-entropy, the bias gradients, the penalty value, ``partial_fit``'s input check.

It then prints the ratio of products to epoch that the epoch could reach if it were
nothing but these parts, each at its best (no cache interference between them, no Python).

    python benchmarks/w1_limits.py    # about 20 s; needs numba (the jit extra)
"""

import threading
import time
import warnings

import numpy as np
from _common import best_time, training_step_products
from threadpoolctl import threadpool_limits

import skneural
import skneural._jit as jit

SIZES, BATCH, ROWS = [784, 256, 128, 10], 256, 20_000
STEPS = -(-ROWS // BATCH)


def best(function, repeats=5):
    """Milliseconds of the best of ``repeats`` calls, after a warm-up call."""
    return 1e3 * best_time(function, repeats)


class Helper:
    """One persistent worker thread: ``run(f, *args)`` runs f there; ``wait()`` joins."""

    def __init__(self):
        self.go, self.done, self.job = threading.Semaphore(0), threading.Semaphore(0), None
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            self.go.acquire()
            function, args = self.job
            function(*args)
            self.done.release()

    def run(self, function, *args):
        self.job = (function, args)
        self.go.release()

    def wait(self):
        self.done.acquire()


def products(dtype, helper):
    """ms per 20,000 rows: two-thread BLAS, the batch split over two threads, and
    the two-thread products with Adam's update on a model-sized buffer after each step
    (the cache interference between the two)."""
    rng = np.random.default_rng(0)
    coefs = [rng.random((a, b), dtype=dtype) - 0.5 for a, b in zip(SIZES, SIZES[1:])]
    n = sum(a * b for a, b in zip(SIZES, SIZES[1:])) + sum(SIZES[1:])
    adam_args = (*rng.standard_normal((2, n)).astype(dtype), np.zeros(n, dtype),
                 np.ones(n, dtype), np.array([0.9, 0.1, 0.999, 0.001, 1e-9, 1e-8], dtype))

    def buffers(rows):
        return ([rng.random((rows, n), dtype=dtype) for n in SIZES],
                [rng.random((rows, n), dtype=dtype) for n in SIZES[1:]],
                [np.empty_like(coef) for coef in coefs])

    def step(activations, deltas, grads):
        training_step_products(coefs, activations, deltas, grads)

    whole, halves = buffers(BATCH), (buffers(BATCH // 2), buffers(BATCH // 2))

    def split():
        for _ in range(STEPS):
            helper.run(step, *halves[1])
            step(*halves[0])
            helper.wait()

    two_threads = best(lambda: [step(*whole) for _ in range(STEPS)])
    with_adam = best(lambda: [(step(*whole), jit._adam(*adam_args))
                              for _ in range(STEPS)])
    with threadpool_limits(1):
        one_thread = best(lambda: [step(*whole) for _ in range(STEPS)])
        batch_split = best(split)
    return two_threads, one_thread, batch_split, with_adam


def gathers(dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60_000, SIZES[0])).astype(dtype)
    order = rng.permutation(len(X))[:STEPS * BATCH]
    buffer = np.empty((BATCH, SIZES[0]), dtype)

    def fancy():
        for start in range(0, len(order), BATCH):
            X[order[start:start + BATCH]]

    def take():
        for start in range(0, len(order), BATCH):
            np.take(X, order[start:start + BATCH], axis=0, out=buffer)

    def contiguous():
        for start in range(0, len(order), BATCH):
            buffer[...] = X[start:start + BATCH]

    return best(fancy), best(take), best(contiguous)


def kernels(dtype, helper):
    """ms per 79 steps: Adam's update, serial and split over two threads, the same
    traffic without sqrt / division, and the penalty-gradient pass."""
    import numba

    @numba.njit(nogil=True, error_model="numpy")
    def same_traffic(params, grad, m, v, c):
        for i in range(params.shape[0]):
            g = grad[i]
            mi = m[i] * c[0] + g * c[1]
            vi = v[i] * c[2] + (g * g) * c[3]
            m[i] = mi
            v[i] = vi
            params[i] -= (mi * (vi + c[5])) * c[4]

    rng = np.random.default_rng(0)
    n_coefs = sum(a * b for a, b in zip(SIZES, SIZES[1:]))
    n = n_coefs + sum(SIZES[1:])
    params, grad = rng.standard_normal((2, n)).astype(dtype)
    m, v = np.zeros(n, dtype), np.ones(n, dtype)
    c = np.array([0.9, 0.1, 0.999, 0.001, 1e-9, 1e-8], dtype)
    adam = best(lambda: [jit._adam(params, grad, m, v, c) for _ in range(STEPS)])
    half = n // 2

    def split():
        helper.run(jit._adam, params[half:], grad[half:], m[half:], v[half:], c)
        jit._adam(params[:half], grad[:half], m[:half], v[:half], c)
        helper.wait()

    adam_split = best(lambda: [split() for _ in range(STEPS)])
    traffic = best(lambda: [same_traffic(params, grad, m, v, c) for _ in range(STEPS)])
    scale, divisor = dtype(1e-4), dtype(BATCH)
    penalty = best(lambda: [jit._penalize_divide(grad, params, n_coefs, scale, divisor)
                            for _ in range(STEPS)])
    return adam, adam_split, traffic, penalty


def rest(dtype):
    """ms per 20,000 rows of the other parts, each alone at its best: bias + relu and
    the relu derivative (compiled kernels), the softmax cross-entropy, the bias
    gradients, the penalty value ``w @ w``, and ``partial_fit``'s input check
    (scikit-learn's ``check_array``, which scans X for non-finite values)."""
    from sklearn.utils import check_array

    rng = np.random.default_rng(0)
    hidden = [rng.standard_normal((BATCH, n)).astype(dtype) for n in SIZES[1:-1]]
    biases = [np.zeros(n, dtype) for n in SIZES[1:-1]]
    raw = rng.standard_normal((BATCH, SIZES[-1])).astype(dtype)
    target = np.eye(SIZES[-1], dtype=dtype)[rng.integers(0, SIZES[-1], BATCH)]
    deltas = hidden + [raw]
    ones, weights = np.ones(BATCH, dtype), rng.standard_normal(200_000).astype(dtype)
    outs = [np.empty(delta.shape[1], dtype) for delta in deltas]

    def step():
        for out, bias in zip(hidden, biases):
            jit._bias_relu(out, bias)
            jit._relu_backward(out, out)
        jit.log_loss(target, raw.copy(), np.empty_like(raw), None)
        for delta, out in zip(deltas, outs):
            np.dot(ones, delta, out=out)
        float(np.dot(weights, weights))

    X = rng.standard_normal((ROWS, SIZES[0])).astype(dtype)
    return best(lambda: [step() for _ in range(STEPS)]), best(lambda: check_array(X))


def epochs(dtype, helper, rounds=5):
    """ms per partial_fit epoch: Adam serial, and Adam split over the helper thread."""
    serial = jit._adam

    def split_adam(params, grad, m, v, c):
        h = params.shape[0] // 2
        helper.run(serial, params[h:], grad[h:], m[h:], v[h:], c)
        serial(params[:h], grad[:h], m[:h], v[:h], c)
        helper.wait()

    rng = np.random.default_rng(0)
    X = rng.standard_normal((ROWS, SIZES[0])).astype(dtype)
    y = rng.integers(0, 10, ROWS)
    variants = {"serial": serial, "split": split_adam}
    models, times = {}, {name: [] for name in variants}
    try:
        for name, kernel in variants.items():
            jit._adam = kernel
            models[name] = skneural.MLPClassifier((256, 128), batch_size=BATCH,
                                                  random_state=0)
            models[name].partial_fit(X, y, classes=np.arange(10))
        for _ in range(rounds):  # interleaved
            for name, kernel in variants.items():
                jit._adam = kernel
                start = time.perf_counter()
                models[name].partial_fit(X, y)
                times[name].append(time.perf_counter() - start)
    finally:
        jit._adam = serial
    same = all(np.array_equal(a, b) for a, b in
               zip(models["serial"].coefs_, models["split"].coefs_))
    return 1e3 * np.median(times["serial"]), 1e3 * np.median(times["split"]), same


def main():
    if not jit.ENABLED:
        raise SystemExit("needs the compiled kernels: pip install -e '.[jit]' and "
                         "SKNEURAL_JIT unset")
    warnings.simplefilter("ignore")
    helper = Helper()
    print(f"per {ROWS:,} rows ({STEPS} steps of {BATCH}), 784-256-128-10; "
          "ms, best of 5 unless said")
    for dtype in (np.float32, np.float64):
        two, one, split, with_adam = products(dtype, helper)
        fancy, take, contiguous = gathers(dtype)
        adam, adam_split, traffic, penalty = kernels(dtype, helper)
        other, check = rest(dtype)
        serial, split_adam, same = epochs(dtype, helper)
        print(f"\n{dtype.__name__}")
        print(f"  products, 2 BLAS threads             {two:7.1f}")
        print(f"  products, 1 BLAS thread              {one:7.1f}")
        print(f"  products, batch split over 2 threads {split:7.1f}  (1 BLAS thread each)")
        print(f"  gather X[idx] / np.take / contiguous {fancy:7.1f} / {take:.1f} / "
              f"{contiguous:.1f}")
        print(f"  Adam update / same traffic, no sqrt  {adam:7.1f} / {traffic:.1f}")
        print(f"  Adam update split over 2 threads     {adam_split:7.1f}")
        print(f"  products and Adam in one loop        {with_adam:7.1f}  "
              f"(apart: {two + adam:.1f})")
        print(f"  penalty gradient pass                {penalty:7.1f}")
        print(f"  activations, loss, bias grads, w @ w {other:7.1f}")
        print(f"  partial_fit's check_array of X       {check:7.1f}")
        print(f"  epoch, Adam serial / split (median)  {serial:7.1f} / {split_adam:.1f}"
              f"  (same weights: {same})")
        shuffled = min(fancy, take)  # the floor of a shuffled epoch's gathers
        floor = two + shuffled + adam + penalty
        everything = floor + other + check
        print(f"  products / epoch, measured            {two / serial:7.3f}")
        print(f"  products / (products + gather + Adam + penalty pass)     "
              f"= {two / floor:.3f}: the ceiling with everything else free")
        print(f"  products / (all of the above, each at its best)          "
              f"= {two / everything:.3f}: the ceiling with only Python free")


if __name__ == "__main__":
    main()
