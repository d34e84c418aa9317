"""The transformer: its configuration and accounting, and the models built
from it.

- ``neuron.transformer.config``: ``TransformerConfig``, the architecture as a
  frozen, validated dataclass, with the known models (GPT-2, BERT,
  all-MiniLM-L6-v2, the 2017 base and big models) and exact counts of
  parameters, FLOPs per token, training memory and key/value cache.
"""

from neuron.transformer.config import TransformerConfig

__all__ = [
    "TransformerConfig",
]

# ---- the models ------------------------------------------------------------
#
# - ``neuron.transformer.reference``: the forward pass in NumPy, decoder and
#   encoder, pre- and post-LN, with a ``Trace`` of every step
#   (``neuron.transformer.trace``), built from ``neuron.transformer.layers``
#   (layer norm, GELU and ReLU, forward and backward; sinusoidal positions).
# - ``neuron.transformer.backward``: ``block_backward``, one block's
#   gradients derived by hand.
# - ``neuron.transformer.model``: ``Transformer``, the PyTorch module with the
#   reference's parameter names, imported on first use so that the NumPy
#   reference does not load PyTorch.
# - ``neuron.transformer.pretrained``: BERT and GPT-2 checkpoints from a
#   local folder, into both.

from neuron.transformer.backward import BlockGradients, block_backward  # noqa: E402
from neuron.transformer.parameters import (  # noqa: E402
    init_parameters,
    parameter_shapes,
)
from neuron.transformer.pretrained import (  # noqa: E402
    Pretrained,
    load_model,
    load_pretrained,
    minilm_path,
)
from neuron.transformer.reference import forward  # noqa: E402
from neuron.transformer.trace import Step, Trace  # noqa: E402

__all__ += [
    "BlockGradients",
    "Pretrained",
    "Step",
    "Trace",
    "Transformer",
    "block_backward",
    "forward",
    "init_parameters",
    "load_model",
    "load_pretrained",
    "minilm_path",
    "parameter_shapes",
]


def __getattr__(name: str):
    if name == "Transformer":
        from neuron.transformer.model import Transformer

        return Transformer
    raise AttributeError(f"module 'neuron.transformer' has no attribute {name!r}")
