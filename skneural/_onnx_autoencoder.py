"""The ONNX converter of :class:`~skneural.MLPAutoencoder`'s ``transform``.

Registered with skl2onnx by :mod:`skneural.onnx` (importing it is enough): the graph
computes the code, the encoder's forward pass, in the dtype ``transform`` computes
in; one output, ``variable``, of shape (n, code_size). Alone or inside a Pipeline,
e.g. an autoencoder's code feeding a classifier.
"""

from skl2onnx import update_registered_converter
from skl2onnx.common.utils import check_input_and_output_numbers
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import MLPAutoencoder
from ._onnx_graph import (
    GraphBuilder,
    _activation,
    _compute_dtype,
    _graph_input,
    _tensor_type,
)

__all__ = []


def _autoencoder_shapes(operator):
    check_input_and_output_numbers(operator, input_count_range=[1, None],
                                   output_count_range=1)
    model = operator.raw_operator
    check_is_fitted(model)
    n = operator.inputs[0].get_first_dimension()
    dtype = _compute_dtype(model, operator.inputs)
    operator.outputs[0].type = _tensor_type(dtype, [n, model._n_features_out])


def _convert_autoencoder(scope, operator, container):
    model = operator.raw_operator
    graph = GraphBuilder(scope, container, _compute_dtype(model, operator.inputs))
    x = _graph_input(graph, operator)
    n_encoder = model._n_encoder_layers
    activations = model._network_from_coefs().activations[:n_encoder]
    for coef, intercept, activation in zip(model.coefs_[:n_encoder],
                                           model.intercepts_[:n_encoder], activations):
        product = graph.op("MatMul", x, graph.const(coef))
        x = _activation(graph, activation.name, graph.op("Add", product,
                                                         graph.const(intercept)))
    graph.op("Identity", x, output=operator.outputs[0].full_name)


update_registered_converter(MLPAutoencoder, "SkneuralMLPAutoencoder",
                            _autoencoder_shapes, _convert_autoencoder)
