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
#   encoder (the encoder-decoder in ``neuron.transformer.seq2seq``), pre- and
#   post-LN, with a ``Trace`` of every step
#   (``neuron.transformer.trace``), built from ``neuron.transformer.layers``
#   (layer norm, GELU and ReLU, forward and backward; sinusoidal positions).
# - ``neuron.transformer.backward``: ``block_backward``, one block's
#   gradients derived by hand; ``neuron.transformer.seq2seq_backward``:
#   ``decoder_block_backward``, an encoder-decoder's decoder block, with the
#   gradient of the encoder memory its cross-attention reads.
# - ``neuron.transformer.model``: ``Transformer``, the PyTorch module with the
#   reference's parameter names, imported on first use so that the NumPy
#   reference does not load PyTorch.
# - ``neuron.transformer.pretrained``: BERT and GPT-2 checkpoints from a
#   local folder, into both.
# - ``neuron.transformer.attention_maps``: a sentence's attention per layer
#   and head, from any of them.
# - ``neuron.transformer.builder``: what the Builder workspace shows of a
#   config (field checks, stages and shapes, a mermaid diagram, memory and
#   time estimates) and its hand-off to Code Lab.
#
# ---- training (PyTorch, imported on first use) ------------------------------
#
# - ``neuron.transformer.train``: ``train(config, settings, data)``, one
#   process or many under torchrun (import it from there: the name
#   ``neuron.transformer.train`` is the module); ``TrainSettings`` and the
#   result and report types live in ``neuron.transformer.settings``.
# - ``neuron.transformer.data``: ``TextData`` (a text as token ids, split)
#   and ``Batches`` (seeded windows, split across processes).
# - ``neuron.transformer.optim`` (the loss with label smoothing, AdamW and
#   its weight-decay rule, gradient clipping) and
#   ``neuron.transformer.schedule`` (learning-rate schedules).
# - ``neuron.transformer.sampling``: ``generate`` with temperature, top-k
#   and top-p.
# - ``neuron.transformer.checkpoint``: files that resume a run exactly;
#   ``neuron.transformer.runtime``: processes, devices, the measured peak;
#   ``neuron.transformer.record``: the run's record in the store.

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
from neuron.transformer.seq2seq_backward import (  # noqa: E402
    DecoderBlockGradients,
    decoder_block_backward,
)
from neuron.transformer.trace import Step, Trace  # noqa: E402

__all__ += [
    "BlockGradients",
    "DecoderBlockGradients",
    "Pretrained",
    "Step",
    "TextData",
    "Trace",
    "TrainSettings",
    "Transformer",
    "block_backward",
    "decoder_block_backward",
    "forward",
    "generate",
    "init_parameters",
    "load_model",
    "load_pretrained",
    "minilm_path",
    "parameter_shapes",
]


# Names whose modules load PyTorch, imported when first asked for.
_LAZY = {
    "Transformer": "neuron.transformer.model",
    "TextData": "neuron.transformer.data",
    "TrainSettings": "neuron.transformer.settings",
    "generate": "neuron.transformer.sampling",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'neuron.transformer' has no attribute {name!r}")
