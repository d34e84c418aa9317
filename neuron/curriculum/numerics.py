"""The numerics lesson's logic: floating-point formats, naive and stable
softmax, the online softmax and FlashAttention's tiles step by step, and the
measured error of attention in float32, bfloat16 and float16.

Nothing here is a new algorithm for the library: the stable softmax is
``neuron.softmax``, tiled attention is ``neuron.attention.flash`` and the
fast path is ``neuron.attention.engine``. This module lays those
computations out so a lesson can show each step, and writes the *naive*
versions on purpose, so the learner can watch them fail.

Legend (attention):
    T   queries        S   keys        D   head dimension
    q (T, D), k (S, D), v (S, D); s = q k^T * scale, (T, S)
    m   running row maximum, (bq,)
    ell running row sum of exp(s - m), (bq,)
    acc running sum of exp(s - m) v, (bq, D)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuron.attention.reference import attention_forward
from neuron.errors import InvalidArgumentError, ShapeError

__all__ = [
    "FORMATS",
    "Bits",
    "ErrorRow",
    "FlashStep",
    "FloatFormat",
    "OnlineStep",
    "attention_errors",
    "bit_fields",
    "flash_steps",
    "logsumexp",
    "naive_logsumexp",
    "naive_softmax",
    "online_softmax",
    "round_to",
    "scores_seen",
]


# ---- floating-point formats ---------------------------------------------


@dataclass(frozen=True)
class FloatFormat:
    """A binary floating-point format: a sign bit, exponent bits, mantissa bits.

    A normal number is ``(-1)^sign * 2^(exponent - bias) * 1.mantissa``.

    Attributes:
        name: ``"float32"``, ``"bfloat16"`` or ``"float16"``.
        exponent_bits: bits of the biased exponent.
        mantissa_bits: bits stored after the implicit leading 1.
    """

    name: str
    exponent_bits: int
    mantissa_bits: int

    @property
    def bits(self) -> int:
        """Total width: 1 + exponent_bits + mantissa_bits."""
        return 1 + self.exponent_bits + self.mantissa_bits

    @property
    def bias(self) -> int:
        """The exponent bias, 2^(exponent_bits - 1) - 1."""
        return 2 ** (self.exponent_bits - 1) - 1

    @property
    def epsilon(self) -> float:
        """Machine epsilon: the gap between 1 and the next number, 2^-mantissa_bits."""
        return 2.0**-self.mantissa_bits

    @property
    def max(self) -> float:
        """The largest finite number, (2 - epsilon) * 2^bias."""
        return (2.0 - self.epsilon) * 2.0**self.bias

    @property
    def smallest_normal(self) -> float:
        """The smallest positive normal number, 2^(1 - bias)."""
        return 2.0 ** (1 - self.bias)


#: The three formats of the lesson, by name.
FORMATS: dict[str, FloatFormat] = {
    "float32": FloatFormat("float32", 8, 23),
    "bfloat16": FloatFormat("bfloat16", 8, 7),
    "float16": FloatFormat("float16", 5, 10),
}


def _format(name: str) -> FloatFormat:
    if name not in FORMATS:
        raise InvalidArgumentError(
            f"expected a format name of {', '.join(FORMATS)}, got {name!r}"
        )
    return FORMATS[name]


def _bfloat16_bits(x: np.ndarray) -> np.ndarray:
    """The bfloat16 nearest each value (ties to even), as its 16-bit pattern."""
    # bfloat16 is the top half of a float32. Round rather than cut: add
    # 0x7FFF plus the lowest kept bit, so a remainder of exactly half goes to
    # the even neighbour, as the hardware does. NaN must not be rounded into
    # infinity, so keep a quiet NaN pattern for it.
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)  # (...)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16  # (...)
    nan = np.isnan(np.asarray(x, np.float32))
    return np.where(nan, 0x7FC0, rounded).astype(np.uint16)  # (...)


def round_to(x: object, name: str) -> np.ndarray:
    """Round values to the nearest number the format can hold.

    Args:
        x: numbers, any shape.
        name: a key of ``FORMATS``.

    Returns:
        A float64 array of x's shape holding the rounded values (overflow
        gives inf, as a cast would).
    """
    fmt = _format(name)
    x = np.asarray(x, np.float64)
    with np.errstate(over="ignore"):
        if fmt.name == "float32":
            return x.astype(np.float32).astype(np.float64)
        if fmt.name == "float16":
            return x.astype(np.float16).astype(np.float64)
        top = _bfloat16_bits(x).astype(np.uint32) << 16  # (...)
        return top.view(np.float32).astype(np.float64)


@dataclass(frozen=True)
class Bits:
    """How one number is stored in a format.

    Attributes:
        sign, exponent, mantissa: the fields as strings of 0 and 1.
        stored: the value the bits hold (the input rounded to the format).
        power: the unbiased exponent of a normal number, exponent - bias.
    """

    sign: str
    exponent: str
    mantissa: str
    stored: float
    power: int


def bit_fields(value: float, name: str) -> Bits:
    """Split the stored form of ``value`` in format ``name`` into its fields."""
    fmt = _format(name)
    scalar = np.asarray([value], np.float64)
    if fmt.name == "float32":
        word = int(scalar.astype(np.float32).view(np.uint32)[0])
    elif fmt.name == "float16":
        word = int(scalar.astype(np.float16).view(np.uint16)[0])
    else:
        word = int(_bfloat16_bits(scalar)[0])
    text = format(word, f"0{fmt.bits}b")
    exponent = text[1 : 1 + fmt.exponent_bits]
    return Bits(
        sign=text[0],
        exponent=exponent,
        mantissa=text[1 + fmt.exponent_bits :],
        stored=float(round_to(scalar, name)[0]),
        power=int(exponent, 2) - fmt.bias,
    )


# ---- softmax, naive and stable ------------------------------------------


def naive_softmax(x: np.ndarray) -> np.ndarray:
    """exp(x) / sum(exp(x)) over the last axis, WITHOUT subtracting the max.

    Written to fail: a logit above about 88.7 (float32) or 709.8 (float64)
    makes exp overflow to inf, and inf / inf is NaN. Warnings are silenced;
    the NaNs are the lesson. ``neuron.softmax.softmax`` is the stable one.
    """
    x = np.asarray(x)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x)  # (..., C)
        return e / np.sum(e, axis=-1, keepdims=True)  # (..., C)


def naive_logsumexp(x: np.ndarray) -> np.ndarray:
    """log(sum(exp(x))) over the last axis, WITHOUT the max shift: inf for
    large logits, -inf for very negative ones."""
    x = np.asarray(x)
    with np.errstate(over="ignore", divide="ignore"):
        return np.log(np.sum(np.exp(x), axis=-1))  # (...)


def logsumexp(x: np.ndarray) -> np.ndarray:
    """log(sum(exp(x))) over the last axis, computed as m + log(sum(exp(x - m)))
    with m the row maximum, so the sum lies in [1, C] and never overflows."""
    x = np.asarray(x)
    m = np.max(x, axis=-1, keepdims=True)  # (..., 1)
    return (m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))[..., 0]


# ---- the online softmax --------------------------------------------------


@dataclass(frozen=True)
class OnlineStep:
    """The state of the online softmax after one block of a vector.

    Attributes:
        start, stop: the block is x[start:stop].
        block_max: the largest entry of the block.
        m: the running maximum after the block.
        rescale: exp(m_before - m), the factor the old sum was multiplied by
            (0 for the first block, whose m_before is -inf).
        ell: the running sum of exp(x_j - m) over x[:stop].
    """

    start: int
    stop: int
    block_max: float
    m: float
    rescale: float
    ell: float


def online_softmax(x: object, block: int) -> tuple[list[OnlineStep], np.ndarray]:
    """Softmax of a vector read ``block`` entries at a time, in one pass.

    Args:
        x: logits, (C,), at least one entry finite.
        block: entries per block, >= 1.

    Returns:
        ``(steps, probabilities)``: the state after each block, and
        exp(x - m) / ell with the final m and ell, (C,), equal to the
        softmax of x.
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ShapeError(f"expected a non-empty vector x of shape (C,), got {x.shape}")
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise InvalidArgumentError(f"expected block to be an int >= 1, got {block!r}")
    steps, m, ell = [], -np.inf, 0.0
    for start in range(0, x.size, block):
        chunk = x[start : start + block]  # (b,)

        # A larger maximum moves the reference point: every term already in
        # ell was exp(x_j - m); multiplying by exp(m - m_new) makes it
        # exp(x_j - m_new). So one multiply fixes the whole past.
        m_new = max(m, float(np.max(chunk)))
        rescale = float(np.exp(m - m_new))
        ell = rescale * ell + float(np.sum(np.exp(chunk - m_new)))
        m = m_new
        steps.append(
            OnlineStep(start, start + chunk.size, float(np.max(chunk)), m, rescale, ell)
        )
    return steps, np.exp(x - m) / ell


# ---- FlashAttention's tiles ---------------------------------------------


@dataclass(frozen=True)
class FlashStep:
    """One tile of FlashAttention's forward pass.

    Attributes:
        rows: (i0, i1), the query rows of the tile.
        cols: (j0, j1), the key columns of the tile.
        scores: the tile of scaled scores, (bq, bk); -inf where causal
            masking hides a key.
        m: the running maximum of each row after the tile, (bq,).
        ell: the running sum of exp(s - m) of each row, (bq,).
        rescale: exp(m_before - m) applied to the old sums, (bq,).
        partial: acc / ell, the output these rows would have if no key came
            after this tile, (bq, D).
    """

    rows: tuple[int, int]
    cols: tuple[int, int]
    scores: np.ndarray
    m: np.ndarray
    ell: np.ndarray
    rescale: np.ndarray
    partial: np.ndarray


def flash_steps(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    block_q: int,
    block_k: int,
    causal: bool = False,
) -> tuple[list[FlashStep], np.ndarray]:
    """FlashAttention's forward for one head, recording every tile.

    The loops of ``neuron.attention.flash.flash_attention_forward`` (query
    tiles outside, key tiles inside, the online softmax per row), with the
    state kept after each tile for a lesson to show.

    Args:
        q: (T, D) float64; k: (S, D); v: (S, D).
        block_q, block_k: tile sizes, >= 1.
        causal: query i sees keys j <= i.

    Returns:
        ``(steps, out)``: the tiles in the order visited, and the output
        (T, D), equal to ``flash_attention_forward`` and to the reference.
    """
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    if q.ndim != 2 or k.ndim != 2 or v.ndim != 2 or k.shape != v.shape:
        raise ShapeError(
            f"expected q (T, D), k and v (S, D), got {q.shape}, {k.shape}, {v.shape}"
        )
    for name, size in (("block_q", block_q), ("block_k", block_k)):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidArgumentError(f"expected {name} an int >= 1, got {size!r}")
    T, S = q.shape[0], k.shape[0]
    scale = 1.0 / np.sqrt(q.shape[1])
    out = np.empty((T, v.shape[1]))  # (T, D)
    steps = []
    for i0 in range(0, T, block_q):
        i1 = min(i0 + block_q, T)
        m = np.full(i1 - i0, -np.inf)  # (bq,)
        ell = np.zeros(i1 - i0)  # (bq,)
        acc = np.zeros((i1 - i0, v.shape[1]))  # (bq, D)
        for j0 in range(0, min(S, i1) if causal else S, block_k):
            j1 = min(j0 + block_k, S)
            s = q[i0:i1] @ k[j0:j1].T * scale  # (bq, bk)
            if causal:
                keep = np.arange(i0, i1)[:, None] >= np.arange(j0, j1)[None, :]
                s = np.where(keep, s, -np.inf)  # (bq, bk)
            m_new = np.maximum(m, np.max(s, axis=1))  # (bq,)
            rescale = np.exp(m - m_new)  # (bq,)
            p = np.exp(s - m_new[:, None])  # (bq, bk)
            ell = rescale * ell + np.sum(p, axis=1)  # (bq,)
            acc = rescale[:, None] * acc + p @ v[j0:j1]  # (bq, D)
            m = m_new
            steps.append(
                FlashStep((i0, i1), (j0, j1), s, m, ell, rescale, acc / ell[:, None])
            )
        out[i0:i1] = acc / ell[:, None]  # (bq, D)
    return steps, out


def scores_seen(
    steps: list[FlashStep], upto: int, shape: tuple[int, int]
) -> np.ndarray:
    """The (T, S) score matrix as known after steps[0..upto]: NaN where no
    tile has been computed yet (the kernel never holds more than one tile)."""
    seen = np.full(shape, np.nan)  # (T, S)
    for step in steps[: upto + 1]:
        (i0, i1), (j0, j1) = step.rows, step.cols
        seen[i0:i1, j0:j1] = step.scores
    return seen


# ---- measured error of attention ----------------------------------------


@dataclass(frozen=True)
class ErrorRow:
    """The error of one path of attention against a float64 reference.

    Attributes:
        path: what computed it, e.g. ``"neuron engine"``.
        dtype: the format of inputs, output and (mostly) arithmetic.
        device: ``"cpu"`` or ``"cuda"``.
        max_error: the largest |out - reference|.
        relative: max_error / max |reference|.
        unit_roundoff: epsilon / 2 of the format, the error of one rounding.
    """

    path: str
    dtype: str
    device: str
    max_error: float
    relative: float
    unit_roundoff: float


def _row(path, dtype, device, out, ref) -> ErrorRow:
    err = float(np.max(np.abs(np.asarray(out, np.float64) - ref)))
    unit = FORMATS[dtype].epsilon / 2 if dtype in FORMATS else 2.0**-53
    return ErrorRow(path, dtype, device, err, err / float(np.max(np.abs(ref))), unit)


def attention_errors(
    T: int = 256, D: int = 64, *, spread: float = 1.0, seed: int = 0
) -> list[ErrorRow]:
    """Measure attention's error in each format on every path that runs here.

    One head of causal attention on q, k, v drawn from N(0, spread^2), once
    in float64 (the reference, ``attention_forward``) and then on:

    - "inputs rounded": the float64 reference on inputs rounded to the
      format, its output rounded too; the least error any kernel storing
      its inputs and output in that format can have.
    - "NumPy reference" in float32.
    - "neuron engine" (``neuron.attention.engine``) on the CPU in float32
      and float64; on CUDA in float16, bfloat16 and float32 when a CUDA
      device exists.
    - "PyTorch SDPA" (``torch.nn.functional.scaled_dot_product_attention``)
      on the CPU in float32, bfloat16 and float16.

    Args:
        T: sequence length; D: head dimension (32, 64, 96 or 128 to include
            CUDA).
        spread: the inputs' standard deviation; larger means sharper softmax.
        seed: seeds the inputs.

    Returns:
        One ``ErrorRow`` per path and format that ran, in the order above.
        Side effect: imports PyTorch (about a second the first time).
    """
    import torch

    from neuron.attention import engine

    rng = np.random.default_rng(seed)
    q, k, v = (rng.standard_normal((T, D)) * spread for _ in range(3))  # (T, D)
    ref = attention_forward(q, k, v, causal=True).out  # (T, D)
    rows = []
    for name in ("float32", "bfloat16", "float16"):
        qr, kr, vr = (round_to(a, name) for a in (q, k, v))
        out = round_to(attention_forward(qr, kr, vr, causal=True).out, name)
        rows.append(_row("inputs rounded", name, "cpu", out, ref))

    q32, k32, v32 = (a.astype(np.float32) for a in (q, k, v))
    rows.append(
        _row(
            "NumPy reference",
            "float32",
            "cpu",
            attention_forward(q32, k32, v32, causal=True).out,
            ref,
        )
    )
    for dtype in (np.float32, np.float64):
        qe, ke, ve = (np.ascontiguousarray(a, dtype) for a in (q, k, v))
        out = engine.forward(qe, ke, ve, causal=True).out
        rows.append(_row("neuron engine", np.dtype(dtype).name, "cpu", out, ref))
    if torch.cuda.is_available() and D in engine.CUDA_HEAD_DIMS:
        for name in ("float32", "bfloat16", "float16"):
            dtype = getattr(torch, name)
            qc, kc, vc = (torch.from_numpy(a).to("cuda", dtype) for a in (q, k, v))
            out = engine.forward(qc, kc, vc, causal=True).out
            rows.append(
                _row("neuron engine", name, "cuda", out.float().cpu().numpy(), ref)
            )

    sdpa = torch.nn.functional.scaled_dot_product_attention
    for name in ("float32", "bfloat16", "float16"):
        dtype = getattr(torch, name)
        qt, kt, vt = (torch.from_numpy(a).to(dtype)[None] for a in (q, k, v))
        out = sdpa(qt, kt, vt, is_causal=True)[0].float().numpy()  # (T, D)
        rows.append(_row("PyTorch SDPA", name, "cpu", out, ref))
    return rows
