"""Thread limits for small products: one BLAS thread while a fit runs many small
steps, scoped and shared by concurrent fits (threadpoolctl's limits are process-wide).

Only host (NumPy) fits are limited; the trainer (:mod:`skneural._training`) asks once
per call.
"""

import contextlib
import threading

__all__ = ["blas_threads_for"]


# Steps of fewer floating-point operations than this run with one BLAS thread: on
# such small products a second thread saves less than its hand-offs and spinning
# cost the element-wise work between them (digits, 64-100-10, batch 200: 11% faster).
SMALL_STEP_FLOPS = 4e6
# Calls of fewer steps than this keep the thread settings as they are.
MIN_LIMITED_STEPS = 8
_blas_controllers = None
# threadpoolctl's limits are process-wide, so concurrent fits share one: the first
# small-step fit to start sets it, the last one to end restores what was there before.
_blas_lock = threading.Lock()
_blas_users = 0
_blas_originals = None


def blas_threads_for(backend, coef_shapes, batch_size, steps):
    """A context that limits NumPy's BLAS to one thread for many small steps (else
    does nothing); shared by reference count, restored by the last fit to leave.
    A call of a few steps (a small ``partial_fit``) is left alone: setting and
    restoring the limit costs more than it saves there."""
    global _blas_controllers
    flops = 2 * batch_size * sum(a * b for a, b in coef_shapes)
    if not backend.host or flops >= SMALL_STEP_FLOPS or steps < MIN_LIMITED_STEPS:
        return contextlib.nullcontext()
    if _blas_controllers is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # threadpoolctl comes with scikit-learn; be safe anyway
            return contextlib.nullcontext()
        # The BLAS libraries' controllers, found once: setting their thread count
        # directly costs microseconds, where threadpoolctl's limit() inspects every
        # loaded library each time (a small partial_fit pays it on every call).
        _blas_controllers = [library for library in
                             ThreadpoolController().lib_controllers
                             if library.user_api == "blas"]
    return _shared_blas_limit()


@contextlib.contextmanager
def _shared_blas_limit():
    global _blas_users, _blas_originals
    with _blas_lock:
        if _blas_users == 0:
            _blas_originals = [library.get_num_threads()
                               for library in _blas_controllers]
            for library in _blas_controllers:
                library.set_num_threads(1)
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                for library, threads in zip(_blas_controllers, _blas_originals):
                    library.set_num_threads(threads)
                _blas_originals = None
