"""Where a model looks: its attention weights for one sentence, every layer
and head.

``sentence_attention`` tokenizes a sentence, runs the traced NumPy reference
(``neuron.transformer.reference.forward(..., trace=True)``) and gathers the
softmax weights of every block, ``blocks.{i}.attn.probs``, into one array of
shape (L, H, T, T): row i of head h in layer l says how much position i
takes from each position j. The trace itself comes back too, so a view can
walk through every other step of the same forward pass.

It works for any model the reference runs: a pretrained checkpoint
(``neuron.transformer.pretrained``), a model trained in a run
(``neuron.transformer.checkpoint.load_trained``; pass
``model.numpy_parameters()``), or the small random decoder ``random_model``
makes, which needs no tokenizer: it hashes words to ids.

For the paper's encoder-decoder, ``translation_attention`` gathers the
cross-attention instead: (L, H, T, S), each target token's weights over the
S source tokens.

Legend:
    L   layers        H   heads        T   tokens of the sentence
    S   tokens of a source sentence (encoder-decoder)
"""

import re
import zlib
from dataclasses import dataclass

import numpy as np

from neuron.errors import InvalidArgumentError
from neuron.transformer.config import TransformerConfig
from neuron.transformer.parameters import init_parameters
from neuron.transformer.reference import forward
from neuron.transformer.trace import Trace

__all__ = [
    "SentenceAttention",
    "TranslationAttention",
    "attention_maps",
    "encode_sentence",
    "random_model",
    "sentence_attention",
    "translation_attention",
]


@dataclass(frozen=True)
class SentenceAttention:
    """A model's attention for one sentence.

    Attributes:
        tokens: the tokens as text, in order (special tokens included).
        token_ids: their ids, (T,).
        probs: the attention weights, (L, H, T, T); each row sums to 1.
        trace: the full trace of the forward pass (batch of one).
        truncated: True if the sentence was cut to the model's context.
    """

    tokens: list[str]
    token_ids: np.ndarray
    probs: np.ndarray
    trace: Trace
    truncated: bool = False

    @property
    def layers(self) -> int:
        """L, the number of blocks."""
        return self.probs.shape[0]

    @property
    def heads(self) -> int:
        """H, the heads per block."""
        return self.probs.shape[1]


#: A step holding attention weights: stack, block index, sublayer.
_ANY_ATTENTION = re.compile(r"(.*blocks)\.\d+\.(\w+)\.probs")


def attention_maps(
    trace: Trace, batch: int = 0, *, stack: str = "blocks", sublayer: str = "attn"
) -> np.ndarray:
    """Stack the attention weights of every block of a trace.

    Args:
        trace: a trace from ``reference.forward(..., trace=True)``.
        batch: which sequence of the batch to take.
        stack: ``"blocks"`` for a decoder or an encoder; for an
            encoder-decoder, ``"encoder.blocks"`` or ``"decoder.blocks"``.
        sublayer: ``"attn"`` (self-attention) or, in the decoder of an
            encoder-decoder, ``"cross"`` (queries from the target, keys from
            the source).

    Returns:
        The weights of sequence ``batch``, (L, H, T, T) in block order;
        (L, H, T, S) for cross-attention over S source tokens.

    Raises:
        InvalidArgumentError: the trace holds no such attention step, or
            ``batch`` is out of range.
    """
    pattern = re.compile(rf"{re.escape(stack)}\.(\d+)\.{re.escape(sublayer)}\.probs")
    found = {int(m.group(1)): s.name for s in trace if (m := pattern.fullmatch(s.name))}
    names = [found[layer] for layer in sorted(found)]
    if not names:
        # Say what the trace does hold: "encoder.blocks attn", ...
        held = sorted(
            {
                f"stack={m.group(1)!r} sublayer={m.group(2)!r}"
                for s in trace
                if (m := _ANY_ATTENTION.fullmatch(s.name))
            }
        )
        raise InvalidArgumentError(
            f"expected a trace with steps named {stack}.{{i}}.{sublayer}.probs, "
            f"got none; it holds {'; '.join(held) or 'no attention step'}: pass "
            "one of those, and a trace of reference.forward(..., trace=True)"
        )
    B = trace[names[0]].shape[0]
    if isinstance(batch, bool) or not isinstance(batch, int) or not 0 <= batch < B:
        raise InvalidArgumentError(
            f"expected batch in [0, {B}), got {batch!r}; the trace holds {B} sequences"
        )
    return np.stack([trace[name].value[batch] for name in names])  # (L, H, T, T)


def encode_sentence(
    tokenizer, sentence: str, config: TransformerConfig
) -> tuple[list[int], list[str], bool]:
    """Cut a sentence into the model's tokens.

    With a tokenizer, its ``encode`` gives the ids (a WordPiece tokenizer
    adds [CLS] and [SEP]) and ``id_to_token`` their text. Without one
    (``None``), the sentence is split on whitespace and each word is hashed to
    ``zlib.crc32(word) % vocab_size``, enough for a model with random weights.

    Args:
        tokenizer: a ``neuron.text`` tokenizer, or None.
        sentence: the text.
        config: the model's configuration (vocabulary size and context).

    Returns:
        ``(ids, tokens, truncated)``: at most ``config.context`` ids, their
        text, and whether the sentence was longer.

    Raises:
        InvalidArgumentError: the sentence gives no token.
    """
    if not isinstance(sentence, str):
        raise InvalidArgumentError(
            f"expected the sentence as a string, got {type(sentence).__name__}"
        )
    if tokenizer is None:
        tokens = sentence.split()
        ids = [zlib.crc32(t.encode("utf-8")) % config.vocab_size for t in tokens]
    else:
        ids = list(tokenizer.encode(sentence))
        tokens = [tokenizer.id_to_token(i) for i in ids]
    if not ids:
        raise InvalidArgumentError(
            f"expected a sentence with at least one token, got {sentence!r}; "
            "type a few words"
        )
    truncated = len(ids) > config.context
    return ids[: config.context], tokens[: config.context], truncated


def sentence_attention(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    sentence: str,
    tokenizer=None,
) -> SentenceAttention:
    """Run a model on one sentence and collect its attention maps.

    Args:
        config: the model's configuration (decoder or encoder).
        params: its parameters in neuron's names, float32 or float64.
        sentence: the text to run.
        tokenizer: the model's tokenizer, or None to hash words (for a
            random model; see ``encode_sentence``).

    Returns:
        A ``SentenceAttention`` with the weights (L, H, T, T) and the trace.

    Raises:
        InvalidArgumentError: an empty sentence, or parameters that do not
            fit the config.
    """
    ids, tokens, truncated = encode_sentence(tokenizer, sentence, config)
    token_ids = np.asarray(ids, dtype=np.int64)  # (T,)
    _, trace = forward(config, params, token_ids[None], trace=True)
    return SentenceAttention(tokens, token_ids, attention_maps(trace), trace, truncated)


def random_model(
    seed: int = 0,
    *,
    layers: int = 2,
    heads: int = 4,
    d_model: int = 32,
    kind: str = "decoder",
) -> tuple[TransformerConfig, dict[str, np.ndarray]]:
    """A small GPT-style decoder with random weights, made in milliseconds;
    with ``kind="encoder-decoder"``, the paper's two stacks of that size.

    Vocabulary 512 (words are hashed into it), context 64, pre-LN, tied
    embeddings, feed-forward width 4 d_model, GPT-2's initialisation except
    that the query and key projections are drawn with standard deviation
    1.5 / sqrt(d_model) instead of 0.02: with 0.02 every score is near 0 and
    an untrained model's attention is uniform, nothing to look at.

    Args:
        seed: seeds the weights.
        layers: blocks, >= 1.
        heads: heads per block; must divide d_model.
        d_model: the width.
        kind: ``"decoder"`` or ``"encoder-decoder"`` (each stack ``layers``
            deep; self- and cross-attention queries and keys drawn wide).

    Returns:
        ``(config, params)``, float64 parameters.

    Raises:
        InvalidArgumentError: another kind.
    """
    if kind not in ("decoder", "encoder-decoder"):
        raise InvalidArgumentError(
            f"expected kind 'decoder' or 'encoder-decoder', got {kind!r}"
        )
    config = TransformerConfig(
        kind=kind,
        vocab_size=512,
        context=64,
        d_model=d_model,
        heads=heads,
        layers=layers,
        d_ff=4 * d_model,
        activation="gelu_tanh",
        norm="pre",
        tie_embeddings=True,
        final_norm=True,
        dropout=0.0,
    )
    params = init_parameters(config, seed=seed, dtype=np.float64)
    widened = re.compile(r"(.*blocks\.\d+\.(attn|cross))\.(q|k)\.weight")
    for name in params:
        if widened.fullmatch(name):
            params[name] = params[name] * (1.5 / np.sqrt(d_model) / 0.02)  # (C, C)
    return config, params


@dataclass(frozen=True)
class TranslationAttention:
    """An encoder-decoder's cross-attention for one source and one target.

    Attributes:
        source: the source tokens as text, S of them.
        target: the target tokens as text, T of them.
        cross: the cross-attention weights, (L, H, T, S): row t of head h in
            decoder block l says how much target position t takes from each
            source position; each row sums to 1.
        trace: the full trace of the forward pass (batch of one).
    """

    source: list[str]
    target: list[str]
    cross: np.ndarray
    trace: Trace


def translation_attention(
    config: TransformerConfig,
    params: dict[str, np.ndarray],
    source: str,
    target: str,
) -> TranslationAttention:
    """Run an encoder-decoder on a source and a target sentence, words
    hashed to ids (``encode_sentence``), and collect its cross-attention.

    Raises:
        InvalidArgumentError: a config of another kind, or a sentence with
            no word.
    """
    if config.kind != "encoder-decoder":
        raise InvalidArgumentError(
            f"expected an encoder-decoder config, got kind {config.kind!r}; "
            "use sentence_attention for a decoder or an encoder"
        )
    source_ids, source_tokens, _ = encode_sentence(None, source, config)
    target_ids, target_tokens, _ = encode_sentence(None, target, config)
    _, trace = forward(
        config,
        params,
        np.asarray([target_ids], dtype=np.int64),  # (1, T)
        source_ids=np.asarray([source_ids], dtype=np.int64),  # (1, S)
        trace=True,
    )
    cross = attention_maps(trace, stack="decoder.blocks", sublayer="cross")
    return TranslationAttention(source_tokens, target_tokens, cross, trace)
