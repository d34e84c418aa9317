"""The data flow of a transformer as stages, each with its shapes, and as a
mermaid flowchart with the shape on every edge.

A stage is one step of the forward pass: what it computes, the shape it
takes and gives, and the parameters it owns. The stages of a block are
listed once and carry ``repeat = layers``; summed with their repeats, the
parameters of all stages are ``config.parameter_count()`` (a matrix shared
between stages is counted where it first appears).

Legend (symbols of the shapes):
    B  batch     T  positions (target)   S  source positions
    H  heads     D  head width           d  d_model   f  d_ff   V  vocabulary
"""

from __future__ import annotations

import dataclasses
import numbers

from neuron.errors import InvalidArgumentError
from neuron.transformer.config import TransformerConfig

__all__ = ["Stage", "format_shape", "mermaid", "stages"]

Shape = tuple[int | str, ...]


@dataclasses.dataclass(frozen=True)
class Stage:
    """One step of the forward pass.

    Attributes:
        key: a unique id, such as ``"block.qkv"``.
        name: a short name, such as ``"q, k, v projections"``.
        operation: what it computes, as a formula in words.
        group: ``"embedding"``, ``"block"``, ``"encoder block"``,
            ``"decoder block"`` or ``"output"``.
        inputs: keys of the stages whose outputs it reads; the first one's
            shape is ``input_shape``.
        input_shape: the shape it takes, symbols or numbers.
        output_shape: the shape it gives.
        parameters: parameters of one copy.
        repeat: copies in the model (``layers`` inside a block, else 1).
    """

    key: str
    name: str
    operation: str
    group: str
    inputs: tuple[str, ...]
    input_shape: Shape
    output_shape: Shape
    parameters: int
    repeat: int = 1


def format_shape(shape: Shape) -> str:
    """``(B, T, 768)`` from ``("B", "T", 768)``."""
    return "(" + ", ".join(str(n) for n in shape) + ")"


def stages(
    config: TransformerConfig,
    batch: int | None = None,
    context: int | None = None,
) -> list[Stage]:
    """The forward pass of ``config`` as ordered stages.

    Args:
        config: the model.
        batch: sequences per batch; None writes the symbol B.
        context: positions per sequence (and source positions of an
            encoder-decoder); None writes the symbols T and S.

    Returns:
        Stages from the token ids to the logits (or, for an encoder, the
        hidden states and the pooler); one block's stages once, with
        ``repeat = layers``.

    Raises:
        InvalidArgumentError: batch or context is not an integer >= 1, or
            context is longer than learned positions allow.
    """
    B = "B" if batch is None else _check_size("batch", batch)
    T = "T" if context is None else _check_size("context", context)
    learned = config.positional == "learned"
    if context is not None and learned and context > config.context:
        raise InvalidArgumentError(
            f"expected context <= {config.context} (the model's learned "
            f"positions), got {context}; use a shorter sequence"
        )
    S = "S" if context is None else T
    flow = _Flow(config, B)
    if config.kind == "encoder-decoder":
        flow.embed("source", S, "embedding")
        flow.stack("encoder", S, S, causal=False, cross=False)
        memory = flow.last
        flow.embed("target", T, "embedding", shared=config.tie_embeddings)
        flow.stack("decoder", T, S, causal=True, cross=True, memory=memory)
    else:
        flow.embed("", T, "embedding")
        flow.stack("", T, T, causal=config.kind == "decoder", cross=False)
    flow.finish(T)
    return flow.stages


def mermaid(
    config: TransformerConfig,
    batch: int | None = None,
    context: int | None = None,
) -> str:
    """A mermaid flowchart of the data flow, the shape on every edge.

    Args:
        config: the model.
        batch: as for ``stages`` (None: the symbol B).
        context: as for ``stages`` (None: the symbols T and S).

    Returns:
        Mermaid source (``flowchart TD``); each block's stages sit in a
        subgraph titled with its repeat count, ``"block x 12"``.

    Raises:
        InvalidArgumentError: as ``stages``.
    """
    found = stages(config, batch, context)
    by_key = {stage.key: stage for stage in found}
    ids = {stage.key: f"s{i}" for i, stage in enumerate(found)}
    lines = ["flowchart TD"]
    group = None
    for stage in found:
        if stage.group != group:
            if group is not None and group.endswith("block"):
                lines.append("    end")
            group = stage.group
            if group.endswith("block"):
                title = f"{group} x {stage.repeat}"
                lines.append(f'    subgraph {group.replace(" ", "_")} ["{title}"]')
        params = f"<br/>{stage.parameters:,} parameters" if stage.parameters else ""
        label = _quote(f"{stage.name}{params}")
        lines.append(f'    {ids[stage.key]}["{label}"]')
    if group is not None and group.endswith("block"):
        lines.append("    end")
    for stage in found:
        for source in stage.inputs:
            shape = format_shape(by_key[source].output_shape)
            lines.append(f'    {ids[source]} -->|"{shape}"| {ids[stage.key]}')
    last = found[-1]
    lines.append('    out(["output"])')
    lines.append(f'    {ids[last.key]} -->|"{format_shape(last.output_shape)}"| out')
    return "\n".join(lines)


# ---- building the stages ----------------------------------------------------


class _Flow:
    """Appends stages, remembering the last one's key and shape."""

    def __init__(self, config: TransformerConfig, B: int | str) -> None:
        self.config = config
        self.B = B
        self.stages: list[Stage] = []
        d, bias = config.d_model, int(config.bias)
        self.matrix = d * d + d * bias  # one d x d projection with its bias
        self.norm = d + d * bias

    @property
    def last(self) -> str:
        return self.stages[-1].key

    def add(self, key, name, operation, group, inputs, out, parameters, repeat=1):
        source = inputs[0] if inputs else None
        shape = out if source is None else self._shape(source)
        stage = Stage(
            key, name, operation, group, tuple(inputs), shape, out, parameters, repeat
        )
        self.stages.append(stage)
        return key

    def _shape(self, key: str) -> Shape:
        return next(s.output_shape for s in self.stages if s.key == key)

    def embed(self, side: str, T, group: str, shared: bool = False) -> None:
        config, B, d = self.config, self.B, self.config.d_model
        prefix = f"{side}." if side else ""
        title = _title(side)
        V, P = config.vocab_size, config.context
        ids = self.add(
            prefix + "ids",
            f"{title}token ids",
            "integers in [0, V)",
            group,
            [],
            (B, T),
            0,
        )
        table = 0 if shared else V * d
        where = "E[ids], E shared with the source" if shared else "E[ids], E: V x d"
        x = self.add(
            prefix + "tokens",
            f"{title}token embedding",
            where,
            group,
            [ids],
            (B, T, d),
            table,
        )
        if config.positional == "learned":
            x = self.add(
                prefix + "positions",
                f"{title}position embedding",
                "+ P[:T], P: context x d",
                group,
                [x],
                (B, T, d),
                P * d,
            )
        else:
            x = self.add(
                prefix + "positions",
                f"{title}sinusoidal positions",
                "+ sin/cos of position (fixed)",
                group,
                [x],
                (B, T, d),
                0,
            )
        if config.type_vocab_size:
            x = self.add(
                prefix + "types",
                "token type embedding",
                "+ E_type[types]",
                group,
                [x],
                (B, T, d),
                config.type_vocab_size * d,
            )
        if config.embedding_norm:
            self.add(
                prefix + "embedding_norm",
                "embedding layer norm",
                "layer norm",
                group,
                [x],
                (B, T, d),
                self.norm,
            )

    def stack(self, side, T, S, *, causal: bool, cross: bool, memory=None) -> None:
        config = self.config
        group = f"{side} block" if side else "block"
        p = f"{side}." if side else "block."
        L, pre = config.layers, config.norm == "pre"
        x = self.last
        n = 0

        def norm(source):
            nonlocal n
            n += 1
            return self.add(
                f"{p}norm{n}",
                f"layer norm {n}",
                "(x - mean) / std * g + b",
                group,
                [source],
                self._shape(source),
                self.norm,
                L,
            )

        def sublayer(source, build):
            # Pre-LN: x + f(norm(x)). Post-LN: norm(x + f(x)).
            inner = build(norm(source) if pre else source)
            added = self.add(
                f"{inner}.residual",
                "residual add",
                "x + sublayer(x)",
                group,
                [inner, source],
                self._shape(source),
                0,
                L,
            )
            return added if pre else norm(added)

        mask = "causal mask, " if causal else ""
        x = sublayer(
            x, lambda h: self._attention(p + "self", "", h, h, T, T, mask, group)
        )
        if cross:
            x = sublayer(
                x,
                lambda h: self._attention(
                    p + "cross", "cross ", h, memory, T, S, "", group
                ),
            )
        x = sublayer(x, lambda h: self._feed_forward(p + "ff", h, T, group))
        if config.final_norm:
            self.add(
                f"{side}.final_norm" if side else "final_norm",
                f"{_title(side)}final layer norm",
                "layer norm",
                "output",
                [x],
                self._shape(x),
                self.norm,
            )

    def _attention(self, p, title, x, memory, T, S, mask, group) -> str:
        config, B = self.config, self.B
        H, D, d, L = config.heads, config.head_dim, config.d_model, config.layers
        if memory == x:
            qkv = self.add(
                f"{p}.qkv",
                f"{title}q, k, v projections",
                "x W_q, x W_k, x W_v, split into H heads",
                group,
                [x],
                (B, H, T, D),
                3 * self.matrix,
                L,
            )
            q = kv = qkv
        else:
            q = self.add(
                f"{p}.q",
                f"{title}q projection",
                "x W_q, split into H heads",
                group,
                [x],
                (B, H, T, D),
                self.matrix,
                L,
            )
            kv = self.add(
                f"{p}.kv",
                f"{title}k, v projections",
                "m W_k, m W_v of the encoder output m, split into H heads",
                group,
                [memory],
                (B, H, S, D),
                2 * self.matrix,
                L,
            )
        scores = self.add(
            f"{p}.scores",
            f"{title}attention weights",
            f"softmax(q k^T / sqrt(D)), {mask}per head",
            group,
            [q] if q == kv else [q, kv],
            (B, H, T, S),
            0,
            L,
        )
        mixed = self.add(
            f"{p}.mix",
            f"{title}weighted values",
            "weights @ v",
            group,
            [scores, kv],
            (B, H, T, D),
            0,
            L,
        )
        return self.add(
            f"{p}.out",
            f"{title}output projection",
            "join heads, x W_o",
            group,
            [mixed],
            (B, T, d),
            self.matrix,
            L,
        )

    def _feed_forward(self, p, x, T, group) -> str:
        config, B = self.config, self.B
        d, f, L, bias = config.d_model, config.d_ff, config.layers, int(config.bias)
        up = self.add(
            f"{p}.up",
            "feed-forward up",
            f"{config.activation}(x W_1 + b_1)",
            group,
            [x],
            (B, T, f),
            d * f + f * bias,
            L,
        )
        return self.add(
            f"{p}.down",
            "feed-forward down",
            "h W_2 + b_2",
            group,
            [up],
            (B, T, d),
            f * d + d * bias,
            L,
        )

    def finish(self, T) -> None:
        config, B, x = self.config, self.B, self.last
        d, V = config.d_model, config.vocab_size
        if config.has_output_head:
            if config.tie_embeddings:
                operation, parameters = "x E^T (tied to the token embedding)", 0
            else:
                operation, parameters = "x W_out, W_out: d x V", V * d
            self.add(
                "logits", "logits", operation, "output", [x], (B, T, V), parameters
            )
        if config.pooler:
            self.add(
                "pooler",
                "pooler",
                "tanh(x[:, 0] W_p + b_p)",
                "output",
                [x],
                (B, d),
                self.matrix,
            )


def _title(side: str) -> str:
    return f"{side} " if side else ""


def _quote(text: str) -> str:
    # Mermaid labels in double quotes take HTML entities for the quote.
    return text.replace('"', "#quot;")


def _check_size(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(
            f"expected {name} to be an integer >= 1, got {value!r}; pass a whole "
            "number or None for the symbol"
        )
    if value < 1:
        raise InvalidArgumentError(f"expected {name} >= 1, got {value}")
    return int(value)
