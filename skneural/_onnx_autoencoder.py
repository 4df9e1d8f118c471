"""The ONNX converter of :class:`~skneural.MLPAutoencoder`'s ``transform``.

Registered with skl2onnx by :mod:`skneural.onnx` (importing it is enough): the graph
computes the code, the encoder's forward pass, in the dtype ``transform`` computes
in; one output, ``variable``, of shape (n, code_size). Alone or inside a Pipeline,
e.g. an autoencoder's code feeding a classifier.
"""

from skl2onnx import update_registered_converter

from ._autoencoder import MLPAutoencoder
from ._onnx_graph import (
    GraphBuilder,
    _compute_dtype,
    _dense_layers,
    _graph_input,
    _matrix_output_shapes,
)

__all__ = []


def _autoencoder_shapes(operator):
    _matrix_output_shapes(operator, "_n_features_out")


def _convert_autoencoder(scope, operator, container):
    model = operator.raw_operator
    graph = GraphBuilder(scope, container, _compute_dtype(model, operator.inputs))
    n_encoder = model._n_encoder_layers
    activations = model._network_from_coefs().activations[:n_encoder]
    code = _dense_layers(graph, _graph_input(graph, operator), model.coefs_[:n_encoder],
                         model.intercepts_[:n_encoder], [a.name for a in activations])
    graph.op("Identity", code, output=operator.outputs[0].full_name)


update_registered_converter(MLPAutoencoder, "SkneuralMLPAutoencoder",
                            _autoencoder_shapes, _convert_autoencoder)
