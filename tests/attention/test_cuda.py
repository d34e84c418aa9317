"""The CUDA FlashAttention kernels through ``neuron.attention.attention``,
against torch's scaled_dot_product_attention: outputs and the gradients of
q, k and v, for float32, float16 and bfloat16.

The reference is SDPA in float64 on the very same (already rounded) inputs
and output gradient, so each comparison measures the kernels' own error.
Tolerances, absolute and relative, on unit-scale normal inputs with the
default scale 1/sqrt(D):

- float32 (FMA kernels): 1e-4 for out and gradients; float32 sums of a few
  hundred terms carry about 1e-6.
- float16 (tensor-core forward): out 2e-3; the probabilities enter the
  second product rounded to 11 bits and out is rounded to float16 (about
  5e-4 relative each). Gradients 5e-3: computed in float32, rounded once,
  but from the rounded forward output (through dout . out).
- bfloat16: out 2e-2 (8 bits), gradients 5e-2 absolute, 2e-2 relative.
"""

import pytest
import torch
import torch.nn.functional as F

from neuron import engine as neuron_engine
from neuron.attention import attention
from neuron.attention import engine as attention_engine
from neuron.errors import InvalidArgumentError

HAS_DEVICE = (
    neuron_engine.info()["cuda"]["device"] is not None and torch.cuda.is_available()
)
needs_gpu = pytest.mark.skipif(
    not HAS_DEVICE,
    reason="no CUDA device: "
    f"{neuron_engine.info()['cuda']['reason'] or 'torch has no CUDA'}",
)
pytestmark = [pytest.mark.gpu, needs_gpu]

DTYPES = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}
# (out atol, out rtol, grad atol, grad rtol) per dtype; see the module docstring.
TOLERANCES = {
    torch.float32: (1e-4, 1e-4, 1e-4, 1e-4),
    torch.float16: (2e-3, 2e-3, 5e-3, 5e-3),
    torch.bfloat16: (2e-2, 2e-2, 5e-2, 2e-2),
}
# A key count different from T for each T: fewer and more keys, within and
# across the 32- and 64-key tiles.
OTHER_S = {1: 5, 17: 64, 64: 33, 100: 257, 257: 100}


def random_inputs(lead, T, S, D, dtype, seed=0, q_scale=1.0):
    """q (*lead, T, D), k and v (*lead, S, D) and an output gradient, all
    CUDA tensors of `dtype` drawn from a fixed generator."""
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(*lead, T, D, generator=g) * q_scale  # (*lead, T, D)
    k = torch.randn(*lead, S, D, generator=g)  # (*lead, S, D)
    v = torch.randn(*lead, S, D, generator=g)  # (*lead, S, D)
    dout = torch.randn(*lead, T, D, generator=g)  # (*lead, T, D)
    return [a.to(device="cuda", dtype=dtype) for a in (q, k, v, dout)]


def check_against_sdpa(q, k, v, dout, causal, scale=None):
    """Run the engine and float64 SDPA on the same inputs and compare out and
    the gradients of q, k and v with the dtype's tolerances."""
    out_atol, out_rtol, grad_atol, grad_rtol = TOLERANCES[q.dtype]

    # detach, not clone: a clone would be a fresh, aligned tensor.
    leaves = [a.detach().requires_grad_(True) for a in (q, k, v)]
    out = attention(*leaves, causal=causal, scale=scale)
    assert out.dtype == q.dtype and out.shape == q.shape
    out.backward(dout)

    ref_leaves = [a.detach().double().requires_grad_(True) for a in (q, k, v)]
    ref = F.scaled_dot_product_attention(*ref_leaves, is_causal=causal, scale=scale)
    ref.backward(dout.double())

    torch.testing.assert_close(out.double(), ref, atol=out_atol, rtol=out_rtol)
    for name, mine, theirs in zip("qkv", leaves, ref_leaves, strict=True):
        assert mine.grad.dtype == q.dtype, name
        torch.testing.assert_close(
            mine.grad.double(),
            theirs.grad,
            atol=grad_atol,
            rtol=grad_rtol,
            msg=lambda m, name=name: f"d{name}: {m}",
        )


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
@pytest.mark.parametrize("T", [1, 17, 64, 100, 257])
@pytest.mark.parametrize("keys", ["S=T", "S!=T"])
@pytest.mark.parametrize("D", [32, 64, 96, 128])
@pytest.mark.parametrize("lead", [(1, 1), (2, 3)], ids=["B1H1", "B2H3"])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_matches_sdpa_values_and_gradients(dtype, T, keys, D, lead, causal):
    S = T if keys == "S=T" else OTHER_S[T]
    q, k, v, dout = random_inputs(lead, T, S, D, dtype)
    check_against_sdpa(q, k, v, dout, causal)


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
@pytest.mark.parametrize("T,S", [(1000, 1000), (700, 1100), (1100, 700)])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_long_sequences_cross_many_tiles(dtype, T, S, causal):
    # Many key tiles: the forward's copy pipeline runs a dozen steps and the
    # backward sums dq over many key blocks.
    q, k, v, dout = random_inputs((1, 2), T, S, 64, dtype, seed=1)
    check_against_sdpa(q, k, v, dout, causal)


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
def test_peaked_scores_keep_the_running_max_stable(dtype):
    # Scores of size ~40: the running max changes often and exp would
    # overflow float32 without it.
    q, k, v, dout = random_inputs((2, 2), 150, 150, 64, dtype, seed=2, q_scale=5.0)
    check_against_sdpa(q, k, v, dout, causal=True)


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
def test_explicit_scale(dtype):
    q, k, v, dout = random_inputs((1, 2), 80, 90, 32, dtype, seed=3)
    check_against_sdpa(q, k, v, dout, causal=False, scale=0.3)


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
def test_inputs_not_16_byte_aligned(dtype):
    # A contiguous view one element into its storage: the forward cannot use
    # 16-byte copies and must take its element-by-element path.
    lead, T, S, D = (1, 2), 70, 70, 64
    q, k, v, dout = random_inputs(lead, T, S, D, dtype, seed=4)
    shifted = []
    for a in (q, k, v):
        storage = torch.empty(a.numel() + 1, dtype=dtype, device="cuda")
        view = storage[1:].view(a.shape)
        view.copy_(a)
        assert view.data_ptr() % 16 != 0
        shifted.append(view)
    check_against_sdpa(*shifted, dout, causal=True)


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_lse_is_the_log_sum_exp_of_scaled_scores(dtype, causal):
    T, S, D = 100, 70, 64
    q, k, v, _ = random_inputs((2, 1), T, S, D, dtype, seed=5)
    _, lse = attention_engine.forward(q, k, v, causal=causal)
    assert lse.dtype == torch.float32 and lse.shape == (2, 1, T)

    scores = q.double() @ k.double().transpose(-1, -2) / D**0.5  # (2, 1, T, S)
    if causal:
        hidden = torch.ones(T, S, dtype=torch.bool, device="cuda").triu(1)
        scores = scores.masked_fill(hidden, float("-inf"))
    expected = torch.logsumexp(scores, dim=-1)  # (2, 1, T)
    # Only the float32 sums matter here: q and k are the same rounded values.
    torch.testing.assert_close(lse.double(), expected, atol=1e-4, rtol=1e-5)


def test_unsupported_head_dimension_names_the_supported_ones():
    q, k, v, _ = random_inputs((1, 1), 8, 8, 80, torch.float16)
    with pytest.raises(InvalidArgumentError, match="32, 64, 96 or 128"):
        attention(q, k, v)


def test_kernel_itself_refuses_an_unsupported_head_dimension():
    # Past the Python checks, straight to the binding and the C++ launcher.
    q, k, v, _ = random_inputs((1, 1), 8, 8, 80, torch.bfloat16)
    out = torch.empty_like(q)
    lse = torch.empty(1, 1, 8, dtype=torch.float32, device="cuda")
    stream = torch.cuda.current_stream().cuda_stream
    with pytest.raises(
        InvalidArgumentError,
        match="expected head dimension 32, 64, 96 or 128 on CUDA, got 80",
    ):
        neuron_engine._engine.attention_forward(q, k, v, out, lse, 0.1, False, stream)
