"""Where a network's weights and biases live in its one flat parameter buffer, and
the buffers its forward and backward passes reuse (:class:`Workspace`).

All weights and biases live in one contiguous 1-D array: first every *stored* weight
matrix (row-major, shape (fan_in, fan_out)), then every layer's bias vector, the
layout of scikit-learn's ``_pack``. With tied weights (a mirrored network such as an
autoencoder's ``784-128-32-128-784``) the second half's weight matrices are not
stored: layer ``L - 1 - i`` reads the transpose of layer ``i``'s matrix (a view), so
the buffer, the gradient, the penalty and the solvers' state hold each tied matrix
once, and its gradient is the sum of both uses (:meth:`Network.backward
<skneural.network.Network.backward>`).

Views are made with the Array API's ``reshape`` and ``.T``, so this works for every
namespace (:mod:`skneural._backend`).
"""

import numpy as np

from ._backend import HOST, namespace

__all__ = ["Layout", "Workspace"]


class Layout:
    """The layout of a flat parameter buffer.

    Parameters
    ----------
    shapes : list of (int, int)
        ``(fan_in, fan_out)`` of every weight layer, input side first.
    tied_weights : bool, default=False
        Layer ``L - 1 - i`` uses the transpose of layer ``i``'s matrix for every ``i
        < L / 2`` (``L`` weight layers, an even number; the shapes must mirror).

    Attributes
    ----------
    owners : list of int
        For each weight layer, the layer whose stored matrix it reads (itself, or
        its mirror image with tied weights).
    n_stored : int
        Stored weight matrices: they come first in the buffer, in layer order.
    bounds : list of (int, int)
        ``(start, stop)`` of each stored matrix, then of each layer's bias vector.
    n_coefs, n_params : int
        Number of stored weights (the penalized part, first in the buffer) and
        length of the buffer.
    """

    def __init__(self, shapes, tied_weights=False):
        self.shapes = [tuple(shape) for shape in shapes]
        n_layers = len(self.shapes)
        self.tied_weights = bool(tied_weights)
        if self.tied_weights:
            mirrored = all(self.shapes[n_layers - 1 - i] == self.shapes[i][::-1]
                           for i in range(n_layers))
            if n_layers % 2 or not mirrored:
                sizes = [fan_in for fan_in, _ in self.shapes] + [self.shapes[-1][1]]
                raise ValueError(
                    "Tied weights need a mirrored network with an even number of "
                    f"weight layers (e.g. [784, 128, 32, 128, 784]), got layer sizes "
                    f"{sizes}.")
        self.n_stored = n_layers // 2 if self.tied_weights else n_layers
        self.owners = [min(i, n_layers - 1 - i) if self.tied_weights else i
                       for i in range(n_layers)]
        sizes = [fan_in * fan_out for fan_in, fan_out in self.shapes[: self.n_stored]]
        sizes += [fan_out for _, fan_out in self.shapes]
        stops = np.cumsum(sizes).tolist()
        self.bounds = list(zip([0] + stops[:-1], stops))
        self.n_coefs = sum(sizes[: self.n_stored])
        self.n_params = stops[-1]

    def views(self, flat):
        """``(coefs, intercepts)``: one weight matrix per layer (a tied layer's is the
        transposed view of its owner's) and one bias vector per layer, views into
        ``flat`` (lists of None for None)."""
        n_layers = len(self.shapes)
        if flat is None:
            return [None] * n_layers, [None] * n_layers
        xp = namespace(flat)
        stored = [xp.reshape(flat[start:stop], shape) for (start, stop), shape
                  in zip(self.bounds, self.shapes[: self.n_stored])]
        coefs = self.tie(stored)
        intercepts = [flat[start:stop] for start, stop in self.bounds[self.n_stored:]]
        return coefs, intercepts

    def tie(self, stored):
        """One matrix per layer from the stored ones (tied layers: transposes)."""
        if not self.tied_weights:
            return list(stored)
        return list(stored) + [stored[owner].T
                               for owner in self.owners[self.n_stored:]]

    def stored(self, coefs):
        """The stored matrices of a list with one matrix per layer."""
        return list(coefs[: self.n_stored])


class Workspace:
    """Reusable forward/backward buffers of one network, per batch size (opt-in).

    Only NumPy arrays are written into (:meth:`skneural._backend.Backend.matmul`);
    for other namespaces the buffers are None and every product is a new array.

    Parameters
    ----------
    network : Network
    backend : Backend, default=the host (NumPy)
    """

    def __init__(self, network, backend=HOST):
        self.network = network
        self.backend = backend
        self._by_size = {}
        self._gradient = None

    def buffers(self, n_samples):
        """``(outputs, deltas, ones)`` for ``n_samples`` rows, allocated once (None
        entries where the backend makes new arrays)."""
        buffers = self._by_size.get(n_samples)
        if buffers is None:
            if len(self._by_size) > 4:  # e.g. partial_fit on ever-changing sizes
                self._by_size.clear()
            sizes, dtype = self.network.layer_sizes[1:], self.network.dtype
            new = self.backend.buffer
            buffers = self._by_size[n_samples] = (
                [new((n_samples, n), dtype) for n in sizes],
                [new((n_samples, n), dtype) for n in sizes],
                # Bias gradients as ones @ delta: a BLAS gemv beats a column sum.
                new(n_samples, dtype, fill=1.0),
            )
        return buffers

    def gradient(self):
        """The gradient buffer (allocated once; None where products make new
        arrays)."""
        if self._gradient is None:
            network = self.network
            self._gradient = self.backend.buffer(network.n_params, network.dtype)
        return self._gradient
