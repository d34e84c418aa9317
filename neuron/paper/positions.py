"""Section 3.5: the sinusoidal positional encoding, and the claim that a
fixed offset k acts on it as one linear map.

Each pair of columns (2i, 2i + 1) holds sin and cos of the same angle
pos * w_i. Moving k positions adds k * w_i to the angle, which is a rotation
of the pair by that angle whatever pos is. So PE(pos + k) = M_k PE(pos),
with M_k block diagonal, one 2 x 2 rotation per frequency.

Legend:
    C     d_model, even         i   a frequency index, 0 .. C / 2 - 1
    w_i   the frequency 1 / 10000^(2i / C)
    P     the table of encodings (T, C); M_k the (C, C) map of offset k
"""

from __future__ import annotations

import math

import numpy as np

from neuron.errors import InvalidArgumentError
from neuron.paper.record import CheckResult, Equation, Properties, checker

__all__ = ["POSITIONS", "RELATIVE_POSITIONS", "frequencies", "offset_matrix"]

_LESSON = "lessons/04_embeddings_and_positions.py"


def frequencies(C: int) -> np.ndarray:
    """The angular frequencies w_i = 10000^(-2i / C), shape (C // 2,)."""
    if isinstance(C, bool) or not isinstance(C, int) or C < 2 or C % 2:
        raise InvalidArgumentError(
            f"expected an even width C >= 2, got {C!r}; the encoding comes in "
            "sine/cosine pairs"
        )
    return 10000.0 ** (-np.arange(0, C, 2) / C)  # (C // 2,)


def offset_matrix(k: float, C: int) -> np.ndarray:
    """M_k: the linear map with PE(pos + k) = M_k PE(pos) for every pos.

    Pair (sin a, cos a) becomes (sin(a + b), cos(a + b)) with b = k w_i:
        sin(a + b) =  cos b sin a + sin b cos a
        cos(a + b) = -sin b sin a + cos b cos a

    Args:
        k: the offset, any real number (negative moves back).
        C: the width, even.

    Returns:
        M_k, (C, C), block diagonal with one 2 x 2 rotation per frequency.
    """
    b = k * frequencies(C)  # (C // 2,)
    M = np.zeros((C, C))  # (C, C)
    even, odd = np.arange(0, C, 2), np.arange(1, C, 2)
    M[even, even] = np.cos(b)
    M[even, odd] = np.sin(b)
    M[odd, even] = -np.sin(b)
    M[odd, odd] = np.cos(b)
    return M


def _reference_positions(T, C):
    from neuron.transformer.layers import sinusoidal_positions

    return sinusoidal_positions(T, C)


@checker
def check_positions(*, implementation=None, seed: int = 0) -> CheckResult:
    """Check the encoding against its definition and its wavelengths.

    Args:
        implementation: ``f(T, C) -> P`` of shape (T, C); None means
            ``sinusoidal_positions``.
        seed: unused (the check is deterministic); accepted for uniformity.
    """
    table = implementation or _reference_positions
    T, C = 200, 64
    P = np.asarray(table(T, C))  # (T, C)
    props = Properties()

    pos = np.arange(T)[:, None]  # (T, 1)
    i = np.arange(C // 2)[None, :]  # (1, C // 2)
    angle = pos / 10000.0 ** (2 * i / C)  # (T, C // 2)
    sin_error = float(np.max(np.abs(P[:, 0::2] - np.sin(angle))))
    cos_error = float(np.max(np.abs(P[:, 1::2] - np.cos(angle))))
    props.expect(
        "even columns are sin(pos / 10000^(2i / d_model))",
        sin_error < 1e-12,
        f"max error {sin_error:.1e}",
    )
    props.expect(
        "odd columns are cos(pos / 10000^(2i / d_model))",
        cos_error < 1e-12,
        f"max error {cos_error:.1e}",
    )
    props.expect("every value lies in [-1, 1]", bool(np.all(np.abs(P) <= 1)))
    props.expect(
        "position 0 is (0, 1, 0, 1, ...)",
        np.allclose(P[0], np.tile([0.0, 1.0], C // 2)),
    )

    # The wavelengths 2 pi / w_i form a geometric progression from 2 pi
    # towards 10000 * 2 pi.
    wavelengths = 2 * math.pi / frequencies(C)  # (C // 2,)
    ratios = wavelengths[1:] / wavelengths[:-1]  # (C // 2 - 1,)
    props.expect(
        "the shortest wavelength is 2 pi", math.isclose(wavelengths[0], 2 * math.pi)
    )
    props.expect(
        "the wavelengths grow by one constant ratio",
        np.allclose(ratios, ratios[0]),
        f"ratio {ratios[0]:.4f}",
    )
    props.expect(
        "the longest wavelength is below 10000 * 2 pi",
        wavelengths[-1] < 10000 * 2 * math.pi,
        f"{wavelengths[-1]:.1f} < {10000 * 2 * math.pi:.1f}",
    )
    props.measure(
        max_error=max(sin_error, cos_error),
        longest_wavelength=float(wavelengths[-1]),
        wavelength_ratio=float(ratios[0]),
    )
    return props.result()


POSITIONS = Equation(
    id="s3.5-positions",
    title="Sinusoidal positional encoding",
    latex=r"PE_{(pos,\,2i)} = \sin\!\left(pos / 10000^{2i/d_{model}}\right),"
    r"\quad PE_{(pos,\,2i+1)} = \cos\!\left(pos / 10000^{2i/d_{model}}\right)",
    explanation=(
        "Attention by itself ignores order, so each position adds a fixed "
        "vector to its token embedding. Column pairs hold the sine and "
        "cosine of the position at one frequency each; the wavelengths run "
        "geometrically from 2 pi up to 10000 times 2 pi, so nearby positions "
        "differ in the fast columns and distant ones in the slow columns. "
        "Nothing is learned, and the formula extends to any length."
    ),
    section="3.5",
    code=(
        "neuron.transformer.layers.sinusoidal_positions",
        "neuron.paper.positions.frequencies",
    ),
    lesson=_LESSON,
    check=check_positions,
)


@checker
def check_relative_positions(*, implementation=None, seed: int = 0) -> CheckResult:
    """Check PE(pos + k) = M_k PE(pos) for seeded random pos and k.

    Args:
        implementation: ``f(T, C) -> P``; None means ``sinusoidal_positions``.
        seed: seeds the draws of pos and k.
    """
    table = implementation or _reference_positions
    rng = np.random.default_rng(seed)
    T, C = 1024, 64
    P = np.asarray(table(T, C))  # (T, C)
    props = Properties()

    pos = rng.integers(0, T // 2, size=64)  # (N,)
    k = rng.integers(0, T // 2, size=64)  # (N,)
    worst = max(
        float(np.max(np.abs(P[p + j] - offset_matrix(j, C) @ P[p])))
        for p, j in zip(pos, k, strict=True)
    )
    props.expect(
        "PE(pos + k) = M_k PE(pos) for random pos and k",
        worst < 1e-9,
        f"max error {worst:.1e} over {len(pos)} pairs",
    )

    # M_k depends on k only: the same matrix maps every row to the row k on.
    j = int(k[0])
    moved = P[: T - j] @ offset_matrix(j, C).T  # (T - k, C)
    same = float(np.max(np.abs(moved - P[j:])))
    props.expect(
        f"one M_k (k = {j}) serves every position", same < 1e-9, f"max error {same:.1e}"
    )

    # Rotations compose and keep lengths: M_a M_b = M_(a + b), |PE| constant.
    a, b = (float(value) for value in rng.uniform(-50, 50, size=2))
    compose = float(
        np.max(
            np.abs(offset_matrix(a, C) @ offset_matrix(b, C) - offset_matrix(a + b, C))
        )
    )
    props.expect("M_a M_b = M_(a + b)", compose < 1e-12, f"max error {compose:.1e}")
    norms = np.linalg.norm(P, axis=-1)  # (T,)
    props.expect(
        "every encoding has length sqrt(d_model / 2)",
        np.allclose(norms, math.sqrt(C / 2)),
    )
    props.measure(max_error=worst, pairs=len(pos), d_model=C)
    return props.result()


RELATIVE_POSITIONS = Equation(
    id="s3.5-relative-positions",
    title="A fixed offset is a linear map of the encoding",
    latex=r"PE_{pos+k} = M_k\, PE_{pos},\quad M_k = \mathrm{diag}_i\!"
    r"\begin{pmatrix} \cos k\omega_i & \sin k\omega_i \\ -\sin k\omega_i & "
    r"\cos k\omega_i \end{pmatrix},\quad \omega_i = 10000^{-2i/d_{model}}",
    explanation=(
        "The authors chose sinusoids expecting the model could then attend by "
        "relative position: for each offset k there is one matrix M_k, the "
        "same for every position, that turns the encoding of pos into that of "
        "pos + k. It exists because shifting an angle is a rotation: each "
        "sine/cosine pair is turned by k times its frequency."
    ),
    section="3.5",
    code=(
        "neuron.transformer.layers.sinusoidal_positions",
        "neuron.paper.positions.offset_matrix",
    ),
    lesson=_LESSON,
    check=check_relative_positions,
)
