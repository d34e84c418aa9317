import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="9. Numerics · neuron")

with app.setup:
    import marimo as mo
    import numpy as np

    from neuron import engine
    from neuron.attention import attention_forward, flash_attention_forward
    from neuron.curriculum import Prompt, check_number, numerics, record
    from neuron.softmax import softmax
    from neuron.store import Store, default_path
    from neuron.viz.attention import HEATMAP_CSS, heatmap_html
    from neuron.viz.lesson import (
        finish_lesson_button,
        finished_view,
        made_cards_view,
        prompts_view,
        recall_cards_button,
        verdict_view,
    )
    from neuron.viz.nav import header

    LESSON = "09_numerics"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Numerics

    Every equation of the transformer is written over the real numbers, and
    none of it runs there. It runs on a few dozen bits per number, and the
    gap between the two is where models diverge to NaN, where a kernel is
    twice as fast as another, and where a GPU vendor's new format comes
    from. This lesson walks that gap: how a float is stored, why the
    softmax you wrote in lesson 5 subtracts a maximum, how FlashAttention
    computes a softmax over keys it never holds at once, and how much error
    each precision really costs, measured.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 1. A float is a sign, an exponent and a mantissa

    A normal binary float with $E$ exponent bits and $M$ mantissa bits
    stores

    $$x = (-1)^{s}\; 2^{\,e - b}\; \Bigl(1 + \tfrac{m}{2^{M}}\Bigr),
    \qquad b = 2^{E-1} - 1,$$

    where $e$ is the stored exponent and $m$ the stored mantissa. The
    leading 1 is implicit: it costs no bit. Between two powers of two the
    numbers are evenly spaced, $2^{e-b-M}$ apart, so the *relative* gap is
    the same everywhere: about $2^{-M}$. That gap at 1 is **machine
    epsilon**, $\varepsilon = 2^{-M}$; rounding to the nearest number
    errs by at most half of it, the *unit roundoff* $u = \varepsilon/2$.

    The exponent bits buy range, the mantissa bits buy precision. The three
    formats of deep learning split 32 or 16 bits differently: **bfloat16**
    keeps float32's 8 exponent bits (the same range, so it rarely
    overflows) and gives up mantissa; **float16** keeps more mantissa and
    gives up range: its largest number is 65504.

    Type a number and see its bits in each format.
    """)
    return


@app.cell
def _():
    number = mo.ui.number(value=0.1, step=0.001, label="a number")
    mo.output.replace(number)
    return (number,)


@app.cell(hide_code=True)
def _(number):
    _rows = []
    for _name, _fmt in numerics.FORMATS.items():
        _bits = numerics.bit_fields(number.value, _name)
        _rows.append(
            {
                "format": _name,
                "exponent bits": _fmt.exponent_bits,
                "mantissa bits": _fmt.mantissa_bits,
                "sign": _bits.sign,
                "exponent": _bits.exponent,
                "mantissa": _bits.mantissa,
                "2^(e - b)": f"2^{_bits.power}",
                "stored value": f"{_bits.stored:.10g}",
                "error": f"{abs(_bits.stored - number.value):.3g}",
                "largest": f"{_fmt.max:.5g}",
            }
        )
    mo.output.replace(mo.ui.table(_rows, selection=None, pagination=False))
    return


@app.cell(hide_code=True)
def _():
    _eps = np.finfo(np.float32).eps
    mo.md(rf"""
    NumPy agrees: `np.finfo(np.float32).eps` is {_eps:.6g} $= 2^{{-23}}$,
    and `np.float32(1) + np.float32({_eps / 2:.3g}) == 1` is
    `{bool(np.float32(1) + np.float32(_eps / 2) == 1)}`: half an epsilon
    added to 1 is rounded away. (NumPy has no bfloat16; neuron rounds to it
    by keeping the top 16 bits of a float32, to nearest, ties to even, as
    the hardware does.)

    **Exercise.** From the table's mantissa bits, what is machine epsilon
    of bfloat16: the gap between 1 and the next bfloat16 number?
    """)
    return


@app.cell
def _():
    epsilon_answer = mo.ui.text(label="epsilon of bfloat16", placeholder="e.g. 0.001")
    mo.output.replace(epsilon_answer)
    return (epsilon_answer,)


@app.cell
def _(epsilon_answer, store):
    _verdict = check_number(
        epsilon_answer.value or None,
        numerics.FORMATS["bfloat16"].epsilon,
        rtol=1e-3,
        hint="epsilon is 2 to the minus the number of mantissa bits",
    )
    record(store, LESSON, "bfloat16-epsilon", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 2. Softmax overflows; subtract the maximum

    $\operatorname{softmax}(x)_j = e^{x_j} / \sum_k e^{x_k}$. In float32,
    $e^{x}$ is infinite once $x > \ln(3.4 \times 10^{38}) \approx 88.7$,
    and $\infty / \infty$ is NaN. Logits of a hundred are ordinary in a
    trained model. The cure costs nothing: softmax is unchanged when the
    same constant is subtracted from every logit, since

    $$\frac{e^{x_j - m}}{\sum_k e^{x_k - m}}
      = \frac{e^{-m} e^{x_j}}{e^{-m} \sum_k e^{x_k}},$$

    and with $m = \max_k x_k$ every exponent is $\le 0$ (no overflow) and
    the largest term is $e^0 = 1$ (so the sum is at least 1: no division
    by an underflowed zero). Slide the logits up and watch the naive
    version break while `neuron.softmax` does not.
    """)
    return


@app.cell
def _():
    shift = mo.ui.slider(0, 1000, step=10, value=90, label="add to every logit")
    mo.output.replace(shift)
    return (shift,)


@app.cell(hide_code=True)
def _(shift):
    _logits = (np.array([1.0, 2.0, 3.0, 0.5]) + shift.value).astype(np.float32)
    _naive = numerics.naive_softmax(_logits)
    _stable = softmax(_logits, backend="engine")
    _rows = [
        {
            "logit": f"{a:g}",
            "naive exp(x)/sum": f"{b:.6f}",
            "stable (neuron engine)": f"{c:.6f}",
        }
        for a, b, c in zip(_logits, _naive, _stable, strict=True)
    ]
    mo.output.replace(
        mo.vstack(
            [
                mo.md(f"float32 logits {_logits[0]:g} to {_logits.max():g}:"),
                mo.ui.table(_rows, selection=None, pagination=False),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Log-sum-exp

    The cross-entropy needs $\log p_j = x_j - \log \sum_k e^{x_k}$. The
    term $\log \sum_k e^{x_k}$, the **log-sum-exp**, overflows the same way,
    and computing $\log(\operatorname{softmax}(x)_j)$ instead is worse: a
    probability that underflows to 0 gives $\log 0 = -\infty$. The same
    shift fixes it:

    $$\operatorname{LSE}(x) = m + \log \sum_k e^{x_k - m}, \qquad m = \max_k x_k,$$

    and the sum now lies between 1 and the number of terms. This is how
    `neuron.softmax.log_softmax` works, and the number FlashAttention saves
    per row for its backward pass.

    **Exercise.** Without a calculator's overflow: what is
    $\operatorname{LSE}$ of the logits below?
    """)
    return


@app.cell(hide_code=True)
def _():
    lse_logits = np.array([1000.0, 1000.0, 1000.0, 998.0])
    mo.output.replace(
        mo.md(
            f"$x = ({', '.join(f'{v:g}' for v in lse_logits)})$. Naively, "
            f"`log(sum(exp(x)))` gives `{numerics.naive_logsumexp(lse_logits)}`."
        )
    )
    return (lse_logits,)


@app.cell
def _():
    lse_answer = mo.ui.text(label="LSE(x)", placeholder="e.g. 1001.23")
    mo.output.replace(lse_answer)
    return (lse_answer,)


@app.cell
def _(lse_answer, lse_logits, store):
    _verdict = check_number(
        lse_answer.value or None,
        float(numerics.logsumexp(lse_logits)),
        rtol=1e-5,
        hint="take m = 1000 out: 1000 + log(3 + e^-2)",
    )
    record(store, LESSON, "log-sum-exp", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 3. The online softmax

    The stable softmax reads the row twice: once for the maximum, once for
    the sum. Attention's rows are as long as the sequence, and on a GPU
    the fast memory holds only a tile of them. Can the softmax be done in
    **one pass**, a block at a time? Keep a running maximum $m$ and a
    running sum $\ell = \sum_{j\ \text{seen}} e^{x_j - m}$. When a block
    brings a larger maximum $m'$, every term already in $\ell$ has the
    wrong reference point, and one multiplication moves them all:

    $$e^{x_j - m}\, e^{m - m'} = e^{x_j - m'}
    \quad\Longrightarrow\quad
    \ell' = e^{m - m'}\,\ell + \sum_{j \in \text{block}} e^{x_j - m'}.$$

    At the end $p_j = e^{x_j - m}/\ell$, exactly the softmax. Choose a
    block size and follow the state.
    """)
    return


@app.cell
def _():
    online_block = mo.ui.slider(1, 8, value=3, label="block size")
    online_logits = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 0.0, 6.0, 2.0])
    mo.output.replace(online_block)
    return online_block, online_logits


@app.cell(hide_code=True)
def _(online_block, online_logits):
    _steps, _probs = numerics.online_softmax(online_logits, online_block.value)
    _rows = [
        {
            "block": f"x[{s.start}:{s.stop}]",
            "entries": str(online_logits[s.start : s.stop].tolist()),
            "block max": s.block_max,
            "rescale exp(m - m')": f"{s.rescale:.4f}",
            "m": s.m,
            "ell": f"{s.ell:.4f}",
        }
        for s in _steps
    ]
    _gap = np.max(np.abs(_probs - softmax(online_logits, backend="reference")))
    mo.output.replace(
        mo.vstack(
            [
                mo.ui.table(_rows, selection=None, pagination=False),
                mo.md(f"Largest difference from the two-pass softmax: **{_gap:.1e}**."),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _(online_logits):
    _x = ", ".join(f"{v:g}" for v in online_logits)
    mo.md(rf"""
    **Exercise.** With blocks of 2 and $x = ({_x})$:
    the first block sets $m = 3$. By what factor is $\ell$ multiplied when
    the second block arrives? (The table shows it at block size 2: work it
    out first.)
    """)
    return


@app.cell
def _():
    rescale_answer = mo.ui.text(label="rescale factor", placeholder="e.g. 0.5")
    mo.output.replace(rescale_answer)
    return (rescale_answer,)


@app.cell
def _(online_logits, rescale_answer, store):
    _steps, _ = numerics.online_softmax(online_logits, 2)
    _verdict = check_number(
        rescale_answer.value or None,
        _steps[1].rescale,
        rtol=1e-3,
        hint="the factor is exp(old max - new max)",
    )
    record(store, LESSON, "online-rescale", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 4. FlashAttention: the online softmax, tiled

    Attention is $O = \operatorname{softmax}(QK^\top/\sqrt{d})\,V$. The
    plain version writes the $T \times S$ score matrix to memory, reads it
    back for the softmax, writes the probabilities, reads them again for
    the product with $V$: memory traffic that grows as $T^2$ and, on a GPU,
    dominates the time. FlashAttention (Dao et al., 2022) never forms the
    matrix. It takes a tile of $b_q$ queries, visits the keys $b_k$ at a
    time, and runs the online softmax on each row, carrying the output too:

    $$\text{acc}' = e^{m - m'}\,\text{acc}
      + \sum_{j \in \text{tile}} e^{s_{ij} - m'}\, v_j,
    \qquad O_i = \text{acc}_i / \ell_i .$$

    The same rescaling factor fixes the partial output, because it too is a
    sum of $e^{s - m}$ terms. Only one $b_q \times b_k$ tile of scores
    exists at any moment. Grey cells below are scores not yet computed;
    step through the tiles.
    """)
    return


@app.cell
def _():
    block_q = mo.ui.slider(1, 8, value=4, label="query block b_q")
    block_k = mo.ui.slider(1, 8, value=3, label="key block b_k")
    causal = mo.ui.checkbox(value=False, label="causal mask")
    _rng = np.random.default_rng(9)
    flash_q, flash_k, flash_v = (_rng.standard_normal((8, 4)) for _ in range(3))
    mo.output.replace(mo.hstack([block_q, block_k, causal], justify="start"))
    return block_k, block_q, causal, flash_k, flash_q, flash_v


@app.cell
def _(block_k, block_q, causal, flash_k, flash_q, flash_v):
    flash_trace, flash_out = numerics.flash_steps(
        flash_q,
        flash_k,
        flash_v,
        block_q=block_q.value,
        block_k=block_k.value,
        causal=causal.value,
    )
    tile_step = mo.ui.slider(
        1, len(flash_trace), value=1, label=f"tile (of {len(flash_trace)})"
    )
    mo.output.replace(tile_step)
    return flash_out, flash_trace, tile_step


@app.cell(hide_code=True)
def _(causal, flash_trace, tile_step):
    _step = flash_trace[tile_step.value - 1]
    _seen = numerics.scores_seen(flash_trace, tile_step.value - 1, (8, 8))
    (_i0, _i1), (_j0, _j1) = _step.rows, _step.cols
    _state = heatmap_html(
        np.column_stack([_step.m, _step.ell, _step.rescale]),
        rows=[f"q{i}" for i in range(_i0, _i1)],
        columns=["m", "ell", "rescale"],
        caption="running state of these rows",
        digits=3,
    )
    _partial = heatmap_html(
        _step.partial,
        rows=[f"q{i}" for i in range(_i0, _i1)],
        caption="acc / ell: their output so far",
        digits=3,
    )
    _scores = heatmap_html(
        _seen,
        rows=[f"q{i}" for i in range(8)],
        columns=[f"k{j}" for j in range(8)],
        caption=(
            f"scores computed so far; now rows {_i0}-{_i1 - 1}, keys {_j0}-{_j1 - 1}"
        ),
        digits=2,
    )
    _note = (
        " Tiles wholly above the diagonal are skipped: the causal mask hides "
        "them, so they are never computed."
        if causal.value
        else ""
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.Html(HEATMAP_CSS + _scores + _state + _partial),
                mo.md(
                    f"{len(flash_trace)} tiles of at most "
                    f"{flash_trace[0].scores.shape[0]} x "
                    f"{flash_trace[0].scores.shape[1]} scores.{_note}"
                ),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _(causal, flash_k, flash_out, flash_q, flash_v):
    _reference = attention_forward(flash_q, flash_k, flash_v, causal=causal.value).out
    _library, _ = flash_attention_forward(
        flash_q, flash_k, flash_v, causal=causal.value, block_q=2, block_k=5
    )
    mo.md(rf"""
    After the last tile, the tiled output differs from the plain reference
    (`neuron.attention.reference.attention_forward`) by at most
    **{np.max(np.abs(flash_out - _reference)):.1e}**, and from
    `neuron.attention.flash` with other block sizes by
    **{np.max(np.abs(flash_out - _library)):.1e}**: the same numbers up to
    the order of float64 additions, whatever the tiles. The compiled engine
    (`neuron.attention.engine`) runs this algorithm in C++ and CUDA.
    """)
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 5. What each precision costs, measured

    Below, one head of causal attention ($T = 256$, $d = 64$, inputs drawn
    from $\mathcal N(0, \sigma^2)$) runs on every path this machine has, and
    each output is compared with a float64 reference. *Inputs rounded* is
    the float64 computation on inputs rounded to the format, its output
    rounded too: the least error any kernel that stores its inputs and
    output in that format can have. Relative error is the largest error
    over the largest output; compare it with the unit roundoff $u$.
    """)
    return


@app.cell
def _():
    spread = mo.ui.slider(0.5, 4.0, step=0.5, value=1.0, label="input spread sigma")
    mo.output.replace(spread)
    return (spread,)


@app.cell(hide_code=True)
def _(spread):
    error_rows = numerics.attention_errors(256, 64, spread=spread.value, seed=0)
    mo.output.replace(
        mo.ui.table(
            [
                {
                    "path": r.path,
                    "dtype": r.dtype,
                    "device": r.device,
                    "max |error|": f"{r.max_error:.2e}",
                    "relative": f"{r.relative:.2e}",
                    "unit roundoff u": f"{r.unit_roundoff:.1e}",
                }
                for r in error_rows
            ],
            selection=None,
            pagination=False,
        )
    )
    return (error_rows,)


@app.cell(hide_code=True)
def _(error_rows):
    _by = {(r.path, r.dtype, r.device): r.max_error for r in error_rows}
    _cuda = engine.info()["cuda"]
    _gpu = _cuda.get("device") is not None
    _same = all(
        _by[("PyTorch SDPA", n, "cpu")] == _by[("inputs rounded", n, "cpu")]
        for n in ("bfloat16", "float16")
    )
    _torch_note = (
        "PyTorch's CPU kernel in bfloat16 and float16 has exactly the error of "
        "*inputs rounded*: it converts to float32, computes there and rounds "
        "the output once. Its half-precision error here is the cost of "
        "*storing* numbers in the format, not of computing in it."
        if _same
        else "PyTorch's CPU kernel in bfloat16 and float16 errs more than "
        "*inputs rounded*: some of its arithmetic runs in the half format."
    )
    _engine_note = (
        "A CUDA device is present, so the engine's float16 and bfloat16 "
        "kernels ran too (rows marked cuda)."
        if _gpu
        else "The engine's float16 and bfloat16 kernels exist only on CUDA, and "
        f"this machine has no GPU ({_cuda.get('reason') or 'no device found'}), "
        "so the engine was measured in float32 and float64 on the CPU only; "
        "the half-precision rows come from PyTorch on the CPU."
    )
    mo.md(f"""
    **Which path measured what.** {_engine_note} {_torch_note}

    Read the table as powers of two. float32's relative error is a few times
    its $u \\approx 6 \\times 10^{{-8}}$: rounding errors of many additions,
    each bounded by $u$. bfloat16's is near its $u \\approx 4 \\times
    10^{{-3}}$, float16's eight times smaller, because float16 keeps three more
    mantissa bits. That is the trade: bfloat16 never overflows where float32
    would not, float16 is more precise but tops out at 65504, which is why
    float16 training needs loss scaling and bfloat16 training does not. Raise
    $\\sigma$: the softmax sharpens, yet the relative error stays put,
    because the max-subtraction keeps every exponent at or below zero.
    """)
    return


@app.cell(hide_code=True)
def _():
    prompts = [
        Prompt(
            "float-fields",
            "What do the exponent and mantissa bits of a float buy, and how do "
            "bfloat16 and float16 split their 16 bits?",
            "Exponent bits buy range, mantissa bits buy precision: the relative "
            "gap between neighbours is about $2^{-M}$. bfloat16 has 8 exponent "
            "and 7 mantissa bits (float32's range, $\\varepsilon = 2^{-7}$); "
            "float16 has 5 and 10 (largest 65504, $\\varepsilon = 2^{-10}$).",
        ),
        Prompt(
            "subtract-max",
            "Why may softmax subtract the row maximum, and what does it fix?",
            "A common factor $e^{-m}$ cancels between numerator and denominator, "
            "so the result is unchanged. With $m = \\max x$ no exponent is "
            "positive (no overflow to inf, no inf/inf = NaN) and the largest "
            "term is 1 (the denominator is at least 1).",
        ),
        Prompt(
            "log-sum-exp",
            "Write the stable log-sum-exp and say why log(softmax) is not enough.",
            "$\\operatorname{LSE}(x) = m + \\log\\sum_k e^{x_k - m}$. "
            "log(softmax(x)) underflows: a probability of $e^{-200}$ is 0 in "
            "float32, and log 0 = -inf; $x_j - \\operatorname{LSE}(x)$ stays -200.",
        ),
        Prompt(
            "online-softmax",
            "How does the online softmax handle a new, larger maximum?",
            "It keeps a running max $m$ and sum $\\ell$ of $e^{x - m}$. A new "
            "max $m'$ multiplies $\\ell$ (and, in attention, the partial output) "
            "by $e^{m - m'}$, which turns every old $e^{x - m}$ into "
            "$e^{x - m'}$; then the new block's terms are added.",
        ),
        Prompt(
            "flash-memory",
            "What does FlashAttention save, and what does its backward pass recompute?",
            "It never writes the $T \\times S$ scores or probabilities to "
            "memory: only one tile exists at a time, so memory is linear in $T$ "
            "and the slow memory traffic drops. It saves each row's log-sum-exp, "
            "and the backward recomputes each tile's probabilities as "
            "$e^{s - \\operatorname{LSE}}$.",
        ),
    ]
    mo.output.replace(prompts_view(prompts))
    return (prompts,)


@app.cell
def _():
    cards_button = recall_cards_button()
    mo.output.replace(cards_button)
    return (cards_button,)


@app.cell
def _(cards_button, prompts, store):
    mo.stop(not cards_button.value)
    mo.output.replace(made_cards_view(store, LESSON, prompts))
    return


@app.cell
def _():
    finish_button = finish_lesson_button()
    mo.output.replace(finish_button)
    return (finish_button,)


@app.cell
def _(finish_button, store):
    mo.stop(not finish_button.value)
    mo.output.replace(finished_view(store, LESSON))
    return


if __name__ == "__main__":
    app.run()
