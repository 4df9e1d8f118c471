"""Epoch time of skneural's MLP on GPU arrays against a native PyTorch loop.

Workload W1 on synthetic data: 60,000 x 784 float32 inputs, 10 classes, a
784-256-128-10 ReLU network trained with Adam, at batch sizes 256 (per-step
overhead bound) and 4096 (product bound). Contestants, all on the same device:

* ``skneural/torch``: ``MLPClassifier`` fed torch tensors under
  ``sklearn.set_config(array_api_dispatch=True)`` (the Array API path);
* ``skneural/cupy``: the same with CuPy arrays (``--device cuda`` and CuPy installed);
* ``torch native``: a hand-written PyTorch loop (``nn.Sequential``,
  ``torch.optim.Adam``, ``cross_entropy``, a ``randperm`` shuffle per epoch), the
  baseline of the ratio column.

One epoch is one ``partial_fit`` for skneural (which ends by reading the epoch loss,
so the device has finished) and one pass of the loop followed by a device
synchronisation for PyTorch. After a warm-up epoch each, the contestants' epochs are
interleaved in an order that changes every round; the table gives the median and
minimum epoch time and the median over rounds of the per-round ratio to native
PyTorch (below 1: skneural is faster). No weight penalty on either side
(``penalty=None``), shuffling on both.

    python benchmarks/bench_gpu.py                       # CUDA, W1, 5 rounds
    python benchmarks/bench_gpu.py --device cpu --rows 10000 --repeats 3 --threads 1
    python benchmarks/bench_gpu.py --batch-sizes 256 --backends torch

``--device cpu`` runs the same comparison on torch CPU tensors (no CuPy), so the
script can be tried on a machine without a GPU. No assertion is made on timings.
"""

import os

# scipy reads this once, at its first import: before sklearn is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from _common import format_ms, format_ratio, time_interleaved  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from skneural import MLPClassifier  # noqa: E402

HIDDEN = (256, 128)
N_FEATURES, N_CLASSES = 784, 10


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda",
                        help="torch device: cuda (default), cuda:1, cpu, mps, ...")
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--batch-sizes", default="256,4096")
    parser.add_argument("--backends", default="torch,cupy",
                        help="skneural's array libraries to time (torch, cupy)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch's CPU threads (torch.set_num_threads); on a busy "
                             "machine 1 avoids OpenMP threads waiting on each other")
    return parser.parse_args(argv)


def synthetic_w1(n_rows, seed=0):
    """Standardized Gaussian inputs and the labels of a random linear teacher."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_rows, N_FEATURES)).astype(np.float32)
    teacher = rng.standard_normal((N_FEATURES, N_CLASSES)).astype(np.float32)
    y = np.argmax(X @ teacher + rng.standard_normal((n_rows, N_CLASSES)), axis=1)
    return X, y.astype(np.int64)


def skneural_epoch(X, y, batch_size):
    """``(model, epoch)`` for skneural on the namespace and device of ``X``."""
    model = MLPClassifier(HIDDEN, solver="adam", batch_size=batch_size, penalty=None,
                          random_state=0)
    classes = np.arange(N_CLASSES)
    model.partial_fit(X, y, classes=classes)  # warm-up
    return lambda: model.partial_fit(X, y)


def torch_native_epoch(torch, X, y, batch_size, device):
    """``epoch`` of a plain PyTorch training loop with the same network."""
    torch.manual_seed(0)
    layers, sizes = [], (N_FEATURES, *HIDDEN, N_CLASSES)
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)

    def epoch():
        order = torch.randperm(X.shape[0], device=device)
        for start in range(0, X.shape[0], batch_size):
            batch = order[start:start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(net(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
        synchronize(torch, device)

    epoch()  # warm-up
    return epoch


def synchronize(torch, device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def contestants(args, X, y, batch_size):
    """name -> epoch callable, native PyTorch first."""
    import torch

    device = torch.device(args.device)
    X_t, y_t = torch.asarray(X, device=device), torch.asarray(y, device=device)
    runs = {"torch native": torch_native_epoch(torch, X_t, y_t, batch_size, device)}
    backends = args.backends.split(",")
    if "torch" in backends:
        runs["skneural/torch"] = skneural_epoch(X_t, y_t, batch_size)
    if "cupy" in backends and device.type == "cuda":
        try:
            import cupy
        except ImportError:
            print("CuPy is not installed: the skneural/cupy row is left out.")
        else:
            with cupy.cuda.Device(device.index or 0):
                runs["skneural/cupy"] = skneural_epoch(cupy.asarray(X), cupy.asarray(y),
                                                       batch_size)
    return runs


def describe(args):
    import torch

    lines = [f"torch {torch.__version__}, scikit-learn {sklearn.__version__}, "
             f"numpy {np.__version__}, device {args.device}"]
    if args.device.startswith("cuda"):
        lines.append(f"GPU: {torch.cuda.get_device_name(torch.device(args.device))}")
    else:
        lines.append(f"torch CPU threads: {torch.get_num_threads()}")
    return lines


def main(argv=None):
    args = parse_args(argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (pip install torch): nothing to compare.")
        return 0
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("No CUDA device is available: run with --device cpu to try the script "
              "on torch CPU tensors.")
        return 0
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    sklearn.set_config(array_api_dispatch=True)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, y = synthetic_w1(args.rows)
    print("\n".join(describe(args)))
    rows = []
    for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
        layers = "-".join(map(str, (N_FEATURES, *HIDDEN, N_CLASSES)))
        print(f"W1 {args.rows} x {N_FEATURES}, {layers}, adam, float32, batch "
              f"{batch_size}: {args.repeats} rounds ...", flush=True)
        times = time_interleaved(contestants(args, X, y, batch_size), args.repeats)
        baseline = times["torch native"]
        for name, seconds in times.items():
            rows.append(f"| {name} | {args.device} | {batch_size} | {args.rows} | "
                        f"{format_ms(seconds)} | {format_ratio(seconds, baseline)} |")
    print("\nEpoch times in milliseconds; ratio = contestant / torch native "
          "(median of per-round ratios / ratio of minima).\n")
    print("| contestant | device | batch | rows | epoch ms (median / min) | "
          "ratio to torch native (median / min) |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
