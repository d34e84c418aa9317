"""The transformer as a PyTorch module: the fast path of the reference.

``Transformer(config)`` computes what ``neuron.transformer.reference.forward``
computes, with PyTorch's kernels and autograd. Its parameters carry exactly
the reference's names, shapes and layouts (``named_parameters()`` and
``state_dict()`` keys are ``parameters.parameter_shapes(config)``; matrices are
(in, out), applied as x @ W), so weights move across either way:

    model.load_numpy(params)          # NumPy dict -> model
    params = model.numpy_parameters() # model -> NumPy dict

Attention runs through ``torch.nn.functional.scaled_dot_product_attention``
(``attention="torch"``) or the compiled engine's FlashAttention
(``attention="engine"``, ``neuron.attention.attention``), chosen at
construction and switchable with ``model.attention = "engine"``.

An encoder-decoder (the 2017 paper) holds two stacks, ``model.encoder`` and
``model.decoder``, each with its own positions, blocks and norms, and the
token table(s) in ``model.embed``; ``model(token_ids, source_ids=...)``
encodes the source and returns the decoder's logits over the target. Its
decoder blocks add cross-attention, run by the same attention module as
self-attention (the engine's kernels take a key length S different from the
query length T when not causal, and cross-attention is not causal).

Dropout (``config.dropout``, in training mode only) is applied to the
embeddings and to the output of every attention and feed-forward sublayer
before its residual sum; the attention probabilities themselves are not
dropped, so both attention paths train the same model.

Legend:
    B   batch size          T   positions          C   model width
    H   heads               D   head size C / H    F   feed-forward width
    V   vocabulary size     S   keys: T in self-attention, the source
                                positions in cross-attention
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neuron.errors import DTypeError, InvalidArgumentError, ShapeError
from neuron.transformer.config import TransformerConfig
from neuron.transformer.layers import sinusoidal_positions
from neuron.transformer.parameters import init_std, parameter_shapes

__all__ = ["ATTENTION_PATHS", "Transformer"]

#: The attention implementations a model can run.
ATTENTION_PATHS = ("torch", "engine")


class Projection(nn.Module):
    """y = x @ W + b, with W stored (in, out) as the reference stores it.

    (``nn.Linear`` stores (out, in); this layout lets one dict of arrays serve
    both the NumPy reference and the model.)
    """

    def __init__(self, n_in: int, n_out: int, bias: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # F.linear wants (out, in); the transposed view costs no copy.
        return F.linear(x, self.weight.t(), self.bias)  # (..., out)


class Embeddings(nn.Module):
    """Token rows, plus positions, plus (BERT) token types, then (BERT) a
    layer norm."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        C = config.d_model
        self.tokens = nn.Parameter(torch.empty(config.vocab_size, C))
        if config.positional == "learned":
            self.positions = nn.Parameter(torch.empty(config.context, C))
        else:
            # A buffer outside the state dict: fixed, never loaded. Kept in
            # float64 so that a float64 model gets it to the last digit; the
            # rows used are cast to the model's dtype.
            table = torch.from_numpy(sinusoidal_positions(config.context, C))
            self.register_buffer("positions", table, persistent=False)  # (P, C)
        if config.type_vocab_size > 0:
            self.types = nn.Parameter(torch.empty(config.type_vocab_size, C))
        if config.embedding_norm:
            self.norm = _layer_norm(config)
        self.drop = nn.Dropout(config.dropout)

    def forward(self, ids: torch.Tensor, types: torch.Tensor | None) -> torch.Tensor:
        T = ids.shape[1]
        x = self.tokens[ids] + self.positions[:T].to(self.tokens.dtype)  # (B, T, C)
        if hasattr(self, "types"):
            types = torch.zeros_like(ids) if types is None else types  # (B, T)
            x = x + self.types[types]  # (B, T, C)
        elif types is not None:
            raise InvalidArgumentError(
                "expected token_types=None for a model without token types "
                "(type_vocab_size = 0), got a tensor; leave token_types out"
            )
        if hasattr(self, "norm"):
            x = self.norm(x)  # (B, T, C)
        return self.drop(x)  # (B, T, C)


class Attention(nn.Module):
    """Multi-head attention: project, split heads, attend, join, project.

    Self-attention over x, or cross-attention from x to a ``memory`` (the
    encoder's output in an encoder-decoder): the same weights' roles, with
    keys and values projected from the memory.
    """

    def __init__(self, config: TransformerConfig, path: str, causal: bool) -> None:
        super().__init__()
        C, bias = config.d_model, config.bias
        self.q = Projection(C, C, bias)
        self.k = Projection(C, C, bias)
        self.v = Projection(C, C, bias)
        self.out = Projection(C, C, bias)
        self.heads = config.heads
        self.causal = causal
        self.path = path

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None,
        memory: torch.Tensor | None = None,
    ) -> torch.Tensor:
        B, T, C = x.shape
        H = self.heads
        kv = x if memory is None else memory  # (B, S, C)
        S = kv.shape[1]

        # Project, then cut the width into heads.
        q = self.q(x).view(B, T, H, C // H).transpose(1, 2)  # (B, H, T, D)
        k = self.k(kv).view(B, S, H, C // H).transpose(1, 2)  # (B, H, S, D)
        v = self.v(kv).view(B, S, H, C // H).transpose(1, 2)  # (B, H, S, D)

        # The engine takes no mask beyond the causal one: with padding,
        # PyTorch's kernel does the work. Both take S != T (cross-attention,
        # never causal).
        if self.path == "engine" and mask is None:
            from neuron.attention import attention

            q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
            o = attention(q, k, v, causal=self.causal)  # (B, H, T, D)
        else:
            o = F.scaled_dot_product_attention(
                q, k, v, attn_mask=mask, is_causal=self.causal and mask is None
            )  # (B, H, T, D)

        # Join the heads and mix them.
        o = o.transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        return self.out(o)  # (B, T, C)


class FeedForward(nn.Module):
    """Two projections with the activation between, at every position."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        self.up = Projection(config.d_model, config.d_ff, config.bias)
        self.down = Projection(config.d_ff, config.d_model, config.bias)
        self.activation = config.activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = self.up(x)  # (B, T, F)
        if self.activation == "relu":
            g = F.relu(u)  # (B, T, F)
        else:
            approximate = "tanh" if self.activation == "gelu_tanh" else "none"
            g = F.gelu(u, approximate=approximate)  # (B, T, F)
        return self.down(g)  # (B, T, C)


class Block(nn.Module):
    """Attention and feed-forward, each with a residual and a layer norm,
    the norm before the sublayer (pre-LN) or after the residual (post-LN)."""

    def __init__(self, config: TransformerConfig, path: str) -> None:
        super().__init__()
        self.attn = Attention(config, path, causal=config.kind == "decoder")
        self.norm1 = _layer_norm(config)
        self.ff = FeedForward(config)
        self.norm2 = _layer_norm(config)
        self.drop = nn.Dropout(config.dropout)
        self.pre = config.norm == "pre"

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        if self.pre:
            x = x + self.drop(self.attn(self.norm1(x), mask))  # (B, T, C)
            return x + self.drop(self.ff(self.norm2(x)))  # (B, T, C)
        x = self.norm1(x + self.drop(self.attn(x, mask)))  # (B, T, C)
        return self.norm2(x + self.drop(self.ff(x)))  # (B, T, C)


class DecoderBlock(nn.Module):
    """An encoder-decoder's decoder block: causal self-attention (norm1),
    cross-attention to the encoder's output (norm2), feed-forward (norm3),
    each with a residual and a layer norm placed as in ``Block``."""

    def __init__(self, config: TransformerConfig, path: str) -> None:
        super().__init__()
        self.attn = Attention(config, path, causal=True)
        self.norm1 = _layer_norm(config)
        self.cross = Attention(config, path, causal=False)
        self.norm2 = _layer_norm(config)
        self.ff = FeedForward(config)
        self.norm3 = _layer_norm(config)
        self.drop = nn.Dropout(config.dropout)
        self.pre = config.norm == "pre"

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None,
        memory: torch.Tensor,
        memory_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        if self.pre:
            x = x + self.drop(self.attn(self.norm1(x), mask))  # (B, T, C)
            h = self.norm2(x)  # (B, T, C)
            x = x + self.drop(self.cross(h, memory_mask, memory))  # (B, T, C)
            return x + self.drop(self.ff(self.norm3(x)))  # (B, T, C)
        x = self.norm1(x + self.drop(self.attn(x, mask)))  # (B, T, C)
        x = self.norm2(x + self.drop(self.cross(x, memory_mask, memory)))  # (B, T, C)
        return self.norm3(x + self.drop(self.ff(x)))  # (B, T, C)


class TokenTables(nn.Module):
    """An encoder-decoder's token embeddings: ``tokens``, the one shared
    table (tied) or the target's, and ``source_tokens`` when untied."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        V, C = config.vocab_size, config.d_model
        self.tokens = nn.Parameter(torch.empty(V, C))
        if not config.tie_embeddings:
            self.source_tokens = nn.Parameter(torch.empty(V, C))


class StackEmbedding(nn.Module):
    """One stack's additions to its token rows: positions, then (if the
    config has it) a layer norm, then dropout."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        C = config.d_model
        if config.positional == "learned":
            self.positions = nn.Parameter(torch.empty(config.context, C))
        else:
            # A float64 buffer outside the state dict, as in Embeddings.
            table = torch.from_numpy(sinusoidal_positions(config.context, C))
            self.register_buffer("positions", table, persistent=False)  # (P, C)
        if config.embedding_norm:
            self.norm = _layer_norm(config)
        self.drop = nn.Dropout(config.dropout)

    def forward(self, x_tok: torch.Tensor) -> torch.Tensor:
        n = x_tok.shape[1]
        x = x_tok + self.positions[:n].to(x_tok.dtype)  # (B, n, C)
        if hasattr(self, "norm"):
            x = self.norm(x)  # (B, n, C)
        return self.drop(x)  # (B, n, C)


class Stack(nn.Module):
    """One stack of an encoder-decoder: its embedding additions, L blocks
    (``Block`` for the encoder, ``DecoderBlock`` for the decoder) and an
    optional final norm."""

    def __init__(self, config: TransformerConfig, path: str, decoder: bool) -> None:
        super().__init__()
        self.embed = StackEmbedding(config)
        block = DecoderBlock if decoder else Block
        self.blocks = nn.ModuleList(block(config, path) for _ in range(config.layers))
        if config.final_norm:
            self.final_norm = _layer_norm(config)


class Transformer(nn.Module):
    """A decoder (GPT-2), an encoder (BERT) or an encoder-decoder (the 2017
    paper) as a PyTorch module.

    Args:
        config: the model's configuration, of any kind.
        attention: ``"torch"`` for ``F.scaled_dot_product_attention``, or
            ``"engine"`` for the compiled engine's FlashAttention
            (``neuron.attention.attention``; on CUDA it takes head sizes
            32, 64, 96 and 128). The engine takes no padding mask: a forward
            with an ``attention_mask`` runs PyTorch's kernel even on the
            engine path. Switch later with ``model.attention = ...``.

    Parameters are initialised as ``parameters.init_parameters`` describes
    (normal(0, 0.02), residual projections scaled by 1 / sqrt(2 L), 1 /
    sqrt(3 L) in an encoder-decoder's decoder, zero biases, unit norm
    gains), from torch's global generator.

    Raises:
        InvalidArgumentError: an unknown attention path.
    """

    def __init__(self, config: TransformerConfig, attention: str = "torch") -> None:
        super().__init__()
        _check_path(attention)
        self.config = config
        self._path = attention
        self._shapes = parameter_shapes(config)
        if config.kind == "encoder-decoder":
            self.embed = TokenTables(config)
            self.encoder = Stack(config, attention, decoder=False)
            self.decoder = Stack(config, attention, decoder=True)
        else:
            self.embed = Embeddings(config)
            self.blocks = nn.ModuleList(
                Block(config, attention) for _ in range(config.layers)
            )
            if config.final_norm:
                self.final_norm = _layer_norm(config)
        if config.has_output_head and not config.tie_embeddings:
            self.head = Projection(config.d_model, config.vocab_size, bias=False)
        if config.pooler:
            self.pooler = Projection(config.d_model, config.d_model, config.bias)
        self.reset_parameters()

    @property
    def attention(self) -> str:
        """The attention path, ``"torch"`` or ``"engine"``; assignable."""
        return self._path

    @attention.setter
    def attention(self, path: str) -> None:
        _check_path(path)
        self._path = path
        for module in self.modules():
            if isinstance(module, Attention):
                module.path = path

    def reset_parameters(self) -> None:
        """Draw fresh parameters (see the class docstring). Side effect:
        overwrites every parameter in place."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith(".bias"):
                    p.zero_()
                elif p.dim() == 1:
                    p.fill_(1.0)
                else:
                    p.normal_(0.0, init_std(self.config, name))

    def forward(
        self,
        token_ids: torch.Tensor,
        token_types: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        *,
        source_ids: torch.Tensor | None = None,
        source_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Run the model on a batch of token ids.

        Args:
            token_ids: integer ids in [0, V), (B, T), T <= config.context;
                for an encoder-decoder, the target tokens.
            token_types: BERT's segment ids, (B, T); None means all 0.
            attention_mask: (B, T), 1 (or True) for a real token, 0 for
                padding; None means every token is real. With a mask,
                attention runs in PyTorch's kernel whatever the path.
            source_ids: encoder-decoder only, and required there: the source
                tokens, integer ids in [0, V), (B, S), S <= config.context.
            source_mask: encoder-decoder only: (B, S), 1 for a real source
                token, 0 for padding; None means every one is real.

        Returns:
            Decoder and encoder-decoder: logits (B, T, V). Encoder: hidden
            states (B, T, C).
        """
        B, T = _check_ids(token_ids, self.config.context)
        if self.config.kind == "encoder-decoder":
            return self._encode_decode(
                token_ids, token_types, attention_mask, source_ids, source_mask
            )  # (B, T, V)
        for name, value in (("source_ids", source_ids), ("source_mask", source_mask)):
            if value is not None:
                raise InvalidArgumentError(
                    f"expected {name}=None for kind={self.config.kind!r} (only "
                    f"an encoder-decoder reads a source), got a tensor; leave "
                    f"{name} out or use kind='encoder-decoder'"
                )
        x = self.embed(token_ids, token_types)  # (B, T, C)
        mask = self._attention_mask(attention_mask, B, T)  # (B, 1, T or 1, T)
        for block in self.blocks:
            x = block(x, mask)  # (B, T, C)
        if self.config.final_norm:
            x = self.final_norm(x)  # (B, T, C)
        if self.config.kind == "encoder":
            return x

        return self._logits(x)  # (B, T, V)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        # Tied embeddings score each token against its own embedding row.
        if self.config.tie_embeddings:
            return x @ self.embed.tokens.t()  # (B, T, V)
        return self.head(x)  # (B, T, V)

    def _encode_decode(
        self, token_ids, token_types, attention_mask, source_ids, source_mask
    ) -> torch.Tensor:
        """The encoder-decoder's forward: encode the source, decode the target."""
        B, T = token_ids.shape
        if source_ids is None:
            raise InvalidArgumentError(
                "expected source_ids of shape (B, S) for kind='encoder-decoder' "
                "(the encoder reads them), got None; pass the source tokens as "
                "source_ids=..."
            )
        if token_types is not None:
            raise InvalidArgumentError(
                "expected token_types=None for kind='encoder-decoder' (a model "
                "without token types), got a tensor; leave token_types out"
            )
        _, S = _check_ids(source_ids, self.config.context, "source_ids", "S")
        if source_ids.shape[0] != B:
            raise ShapeError(
                f"expected source_ids of shape (B, S) with B = {B} like "
                f"token_ids, got {tuple(source_ids.shape)}; pass one source per "
                "target sequence"
            )
        source_keys = self._attention_mask(
            source_mask, B, S, False, "source_mask"
        )  # (B, 1, 1, S)
        target_keys = self._attention_mask(attention_mask, B, T, True)  # (B, 1, T, T)
        tables = self.embed

        # The encoder reads the source (its own table when untied).
        tied = self.config.tie_embeddings
        source_table = tables.tokens if tied else tables.source_tokens  # (V, C)
        m = self.encoder.embed(source_table[source_ids])  # (B, S, C)
        for block in self.encoder.blocks:
            m = block(m, source_keys)  # (B, S, C)
        if self.config.final_norm:
            m = self.encoder.final_norm(m)  # (B, S, C)

        # The decoder reads the target and, in every block, the memory m.
        x = self.decoder.embed(tables.tokens[token_ids])  # (B, T, C)
        for block in self.decoder.blocks:
            x = block(x, target_keys, m, source_keys)  # (B, T, C)
        if self.config.final_norm:
            x = self.decoder.final_norm(x)  # (B, T, C)
        return self._logits(x)  # (B, T, V)

    def pool(self, hidden: torch.Tensor) -> torch.Tensor:
        """BERT's pooler, tanh(x[:, 0] W_p + b_p): (B, T, C) to (B, C)."""
        if not self.config.pooler:
            raise InvalidArgumentError(
                "expected a config with pooler=True, got pooler=False; this "
                "model has no pooler weights"
            )
        return torch.tanh(self.pooler(hidden[:, 0]))  # (B, C)

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Copy a NumPy parameter dict (the reference's) into the model.

        Args:
            params: name -> array, exactly ``parameters.parameter_shapes``; the
                values are converted to the model's dtype.

        Raises:
            InvalidArgumentError: names missing or unexpected.
            ShapeError: an array of the wrong shape.
        """
        missing = sorted(set(self._shapes) - set(params))
        extra = sorted(set(params) - set(self._shapes))
        if missing or extra:
            raise InvalidArgumentError(
                f"expected the parameters of this config, got {len(missing)} "
                f"missing ({', '.join(missing[:3]) or 'none'}) and {len(extra)} "
                f"unexpected ({', '.join(extra[:3]) or 'none'}); build the model "
                "with the config the parameters belong to"
            )
        for name, shape in self._shapes.items():
            if tuple(params[name].shape) != shape:
                raise ShapeError(
                    f"expected {name} of shape {shape}, got {params[name].shape}; "
                    "weights are (in, out): transpose an nn.Linear weight"
                )
        self.load_state_dict(
            {k: torch.from_numpy(np.asarray(v)) for k, v in params.items()}
        )

    def numpy_parameters(self) -> dict[str, np.ndarray]:
        """The parameters as a NumPy dict (copies, on the CPU), for the
        reference."""
        return {
            name: p.detach().cpu().numpy().copy() for name, p in self.named_parameters()
        }

    def _attention_mask(
        self,
        attention_mask,
        B: int,
        T: int,
        causal: bool | None = None,
        name: str = "attention_mask",
    ) -> torch.Tensor | None:
        """A boolean mask, True where a query may see a key, for SDPA; causal
        None means the model's kind decides (a decoder's is causal)."""
        if causal is None:
            causal = self.config.kind == "decoder"
        if attention_mask is None:
            return None
        like = "source_ids" if name == "source_mask" else "token_ids"
        if tuple(attention_mask.shape) != (B, T):
            raise ShapeError(
                f"expected {name} of shape {(B, T)} like {like}, got "
                f"{tuple(attention_mask.shape)}; pass one entry per token"
            )
        keep = (attention_mask != 0)[:, None, None, :]  # (B, 1, 1, T)
        if causal:
            tril = torch.ones(T, T, dtype=torch.bool, device=keep.device).tril()
            keep = keep & tril  # (B, 1, T, T)
        return keep


def _layer_norm(config: TransformerConfig) -> nn.LayerNorm:
    return nn.LayerNorm(config.d_model, eps=config.layer_norm_eps, bias=config.bias)


def _check_path(path: str) -> None:
    if path not in ATTENTION_PATHS:
        raise InvalidArgumentError(
            f"expected attention of {', '.join(ATTENTION_PATHS)}, got {path!r}; "
            "pick one of those names"
        )


def _check_ids(
    ids: torch.Tensor, context: int, name: str = "token_ids", length: str = "T"
) -> tuple[int, int]:
    if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise DTypeError(
            f"expected {name} of an integer dtype, got {ids.dtype}; convert "
            "with ids.long()"
        )
    if ids.dim() != 2:
        raise ShapeError(
            f"expected {name} of shape (B, {length}), got {tuple(ids.shape)}; add "
            "a batch axis with ids[None] for a single sequence"
        )
    B, T = ids.shape
    if context < T:
        what = "positions" if length == "T" else f"{name} positions"
        raise ShapeError(
            f"expected at most context = {context} {what}, got {length} = {T}; "
            f"cut the sequences to {context} tokens"
        )
    return B, T
