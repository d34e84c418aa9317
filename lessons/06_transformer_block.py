import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="6. The transformer block · neuron")

with app.setup:
    import math

    import marimo as mo
    import numpy as np

    from neuron import capstone
    from neuron.attention.heads import merge_heads, split_heads
    from neuron.attention.steps import (
        attention_steps,
        seeded_weights,
        split_sentence,
        word_vectors,
    )
    from neuron.curriculum import (
        Prompt,
        Verdict,
        check_array,
        check_number,
        record,
    )
    from neuron.curriculum.equations import verdict_of
    from neuron.paper.attention import MULTI_HEAD
    from neuron.paper.feed_forward import FEED_FORWARD, feed_forward
    from neuron.paper.model_size import PARAMETER_COUNTS
    from neuron.store import Store, default_path
    from neuron.transformer.attention_maps import (
        random_model,
        sentence_attention,
        translation_attention,
    )
    from neuron.transformer.config import TransformerConfig
    from neuron.transformer.layers import layer_norm
    from neuron.transformer.parameters import parameter_shapes
    from neuron.transformer.seq2seq_task import reversal_attention, train_reversal
    from neuron.viz import attention as viz
    from neuron.viz.distributions import line_chart
    from neuron.viz.lesson import (
        code_exercise,
        finish_lesson_button,
        finished_view,
        made_cards_view,
        prompts_view,
        recall_cards_button,
        verdict_view,
    )
    from neuron.viz.nav import header

    LESSON = "06_transformer_block"
    WIDTH = 16
    SEED = 0
    SENTENCE = "the cat sat on the mat because it was tired"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Multi-head attention and the transformer block

    Lesson 5 built one attention head. This lesson assembles the unit that a
    transformer repeats 6, 12 or 96 times: the **block**. It has four
    ingredients, and each answers a question you would ask if you were
    designing it yourself.

    1. *One softmax gives one pattern per token. What if a token needs to
       look at its verb and its previous word at once?* Several heads.
    2. *How do you stack dozens of these without the signal or the gradient
       getting lost?* Residual connections.
    3. *How do you keep the numbers in a sane range at every depth?* Layer
       normalisation.
    4. *Attention only mixes and averages. Where does per-token computation
       happen?* The feed-forward network.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Heads: split the width, attend, concatenate

    One softmax row is one distribution over the keys, so a single head
    averages a single mixture. Instead of one attention over the full width
    $d_{model}$, run $h$ of them over narrower slices of width
    $d_k = d_{model}/h$, each with its own projections, and put the results
    side by side:

    $$
    \mathrm{MultiHead}(X) = \mathrm{Concat}(\mathrm{head}_1, \dots,
    \mathrm{head}_h)\, W^O, \qquad
    \mathrm{head}_i = \mathrm{Attention}(X W_i^Q, X W_i^K, X W_i^V).
    $$

    In code nobody makes $h$ separate matrices. One $d_{model} \times
    d_{model}$ projection computes all the heads' queries at once, and head
    $i$ is just columns $i\,d_k$ to $(i+1)\,d_k$ of the result. `split_heads`
    reshapes $(B, T, C)$ to $(B, T, H, D)$ and swaps two axes to get
    $(B, H, T, D)$, so that batched matrix products treat heads like batch
    entries; `merge_heads` undoes it. Same parameters, same multiply-adds as
    one wide head: the heads are free.
    """)
    return


@app.cell
def _():
    sentence = mo.ui.text(value=SENTENCE, label="sentence", full_width=True)
    heads = mo.ui.slider(steps=[1, 2, 4, 8], value=4, label="heads", show_value=True)
    mo.output.replace(mo.vstack([sentence, heads]))
    return heads, sentence


@app.cell
def _(heads, sentence):
    mo.stop(not sentence.value.split(), mo.md("Type a sentence."))
    tokens, _words, _ids = split_sentence(sentence.value)
    x = word_vectors(_words, WIDTH, seed=SEED)[_ids]  # (T, C)
    steps = attention_steps(x, **seeded_weights(WIDTH, seed=SEED), heads=heads.value)
    _q_heads = split_heads(steps["q"].value[None], heads.value)  # (1, H, T, D)
    _round_trip = np.array_equal(merge_heads(_q_heads)[0], steps["q"].value)
    mo.output.replace(
        mo.md(
            f"$Q$ is `{steps['q'].shape}`; split into heads it is "
            f"`{_q_heads.shape}` (batch, heads, tokens, $d_k$ = {WIDTH} / "
            f"{heads.value}); the weights are `{steps['weights'].shape}`; the "
            f"joined output is `{steps['out'].shape}`. "
            f"`merge_heads(split_heads(Q)) == Q`: **{_round_trip}**."
        )
    )
    return steps, tokens, x


@app.cell
def _(steps, tokens):
    _weights = steps["weights"].value  # (H, T, T)
    mo.output.replace(
        mo.hstack(
            [
                viz.attention_heatmap(_weights[h], tokens, title=f"head {h}", size=16)
                for h in range(len(_weights))
            ],
            justify="start",
            gap=1,
            wrap=True,
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Each head, reading its own slice of the same projections, makes its own
    pattern. With more heads each is narrower (so each sees less of the
    vector) but there are more distinct patterns. The paper's choice for the
    base model: $h = 8$ heads of $d_k = 64$.

    The paper's checker for multi-head attention compares `neuron`'s
    implementation with the per-head formula and checks the cost claim:
    """)
    return


@app.cell
def _():
    _result = MULTI_HEAD.check()
    mo.output.replace(
        mo.md(
            f"**{MULTI_HEAD.title}**: "
            f"{'all properties hold' if _result.passed else 'FAILED'}\n\n"
            f"```\n{_result.details}\n```"
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise: count the weights

    In the base model, $d_{model} = 512$ and $h = 8$. For one sentence of
    $T = 10$ tokens, how many attention weights does one multi-head
    self-attention layer compute (all heads together)?
    """)
    return


@app.cell
def _():
    weights_answer = mo.ui.number(label="attention weights", value=None)
    mo.output.replace(weights_answer)
    return (weights_answer,)


@app.cell
def _(store, weights_answer):
    # Run the real thing on zeros of the right sizes and count.
    _C, _T = 512, 10
    _zeros = np.zeros((_C, _C))
    _shape = attention_steps(np.zeros((_T, _C)), _zeros, _zeros, _zeros, 8)[
        "weights"
    ].shape
    _verdict = check_number(
        weights_answer.value,
        math.prod(_shape),
        rtol=0,
        atol=0.5,
        hint="Every head has its own T x T table. The width d_k does not enter.",
    )
    record(store, LESSON, "weights-count", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## The residual stream

    A block does not replace its input; it **adds** to it:

    $$
    x \leftarrow x + \mathrm{MultiHead}(\mathrm{LN}(x)), \qquad
    x \leftarrow x + \mathrm{FFN}(\mathrm{LN}(x)).
    $$

    Picture one vector per token flowing up through the whole model, the
    *residual stream*; every sublayer reads it and writes an update back.
    Two things follow. The gradient of the loss with respect to an early
    layer's output contains a term that passes through the additions
    untouched ($\partial(x + f(x))/\partial x = I + \partial f/\partial x$),
    so deep stacks train. And a sublayer that has learned nothing useful can
    write roughly zero and leave the stream as it was, so depth costs little.

    This is the pre-LN arrangement (GPT-2 and most models since). The 2017
    paper put the norm *after* the addition,
    $x \leftarrow \mathrm{LN}(x + \mathrm{Sublayer}(x))$ (post-LN), which
    trains less easily without a learning-rate warmup.

    Below, a small random decoder (`neuron.transformer.attention_maps.
    random_model`, pre-LN) runs on the sentence, and the traced forward pass
    gives the stream after every sublayer. The chart shows, per layer, the
    mean length of the stream's vectors and of the update each sublayer
    added.
    """)
    return


@app.cell
def _():
    depth = mo.ui.slider(1, 8, value=4, label="layers", show_value=True)
    mo.output.replace(depth)
    return (depth,)


@app.cell
def _(depth, sentence):
    mo.stop(not sentence.value.split())
    _config, _params = random_model(seed=SEED, layers=depth.value, d_model=32)
    seen = sentence_attention(_config, _params, sentence.value)

    def _length(name):
        return float(np.linalg.norm(seen.trace[name].value, axis=-1).mean())

    _names = ["embed.sum"] + [
        f"blocks.{i}.{part}.residual"
        for i in range(depth.value)
        for part in ("attn", "ff")
    ]
    _stream = [_length(n) for n in _names]
    _updates = [0.0] + [
        _length(f"blocks.{i}.{part}")
        for i in range(depth.value)
        for part in ("attn.out", "ff.down")
    ]
    _step = np.arange(len(_names)) / 2  # 0, 0.5, 1, ...: half a block per sublayer
    mo.output.replace(
        line_chart(
            _step,
            {"|x|, the stream": _stream, "|update| written by the sublayer": _updates},
            title="mean vector length along the residual stream",
            x_title="blocks passed (each has two sublayers)",
            y_title="mean length",
        )
    )
    return (seen,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Layer normalisation

    Each row (one token's vector, $C$ numbers) is normalised on its own:

    $$
    \mathrm{LN}(x) = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot w + b,
    \qquad \mu = \frac{1}{C}\sum_j x_j,\quad
    \sigma^2 = \frac{1}{C}\sum_j (x_j - \mu)^2 .
    $$

    After it, every row has mean 0 and variance 1 (before the learned gain
    $w$ and bias $b$), whatever scale the stream has grown to. Unlike batch
    normalisation, it needs no statistics across the batch, so it behaves the
    same in training and generation, for one sequence or many. Note what it
    throws away: shifting a row by a constant, or scaling it, does not change
    the output. Here are the row statistics of the stream entering the last
    block's feed-forward network, before and after its layer norm:
    """)
    return


@app.cell
def _(seen):
    _last = seen.layers - 1
    _before = seen.trace[f"blocks.{_last}.attn.residual"].value[0]  # (T, C)
    _after = seen.trace[f"blocks.{_last}.norm2"].value[0]  # (T, C)
    _rows = "\n".join(
        f"| {i} {t} | {_before[i].mean():+.4f} | {_before[i].std():.4f} "
        f"| {_after[i].mean():+.4f} | {_after[i].std():.4f} |"
        for i, t in enumerate(seen.tokens)
    )
    mo.output.replace(
        mo.md(
            "| token | mean before | std before | mean after | std after |\n"
            "| --- | --- | --- | --- | --- |\n" + _rows
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    (The gains of a fresh model are 1 and its biases 0, so "after" is the
    plain normalised row; the standard deviation falls just short of 1
    because of $\epsilon$.)

    ### Exercise: normalise a row

    Layer-normalise the row below with gain 1, bias 0 and $\epsilon = 0$.
    Use the population variance (divide by $C$, not $C - 1$).
    """)
    return


@app.cell
def _():
    norm_row = np.array([[2.0, 4.0, 4.0, 6.0]])  # (1, C)
    norm_answer = mo.ui.matrix(np.zeros((1, 4)), step=0.001, precision=3, label="LN(x)")
    mo.output.replace(mo.vstack([mo.md(f"$x$ = {norm_row[0].tolist()}"), norm_answer]))
    return norm_answer, norm_row


@app.cell
def _(norm_answer, norm_row, store):
    _given = np.asarray(norm_answer.value, dtype=np.float64)
    _C = norm_row.shape[-1]
    _verdict = (
        check_array(
            _given,
            layer_norm(norm_row, np.ones(_C), np.zeros(_C), eps=0.0),
            rtol=2e-3,
            atol=2e-3,
            hint="Mean 4; the squared deviations average to 2.",
        )
        if np.any(_given)
        else Verdict(None, "Type the four numbers above.")
    )
    record(store, LESSON, "layer-norm-row", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## The feed-forward network

    Attention moves information *between* positions, but its output is a
    weighted average of value vectors: mostly linear mixing. The second
    sublayer is where each token is transformed on its own, by the same
    two-layer network at every position (equation 2):

    $$
    \mathrm{FFN}(x) = \max(0,\, x W_1 + b_1)\, W_2 + b_2 ,
    $$

    widening from $d_{model}$ to $d_{ff} = 4\,d_{model}$ (512 to 2048 in the
    base model), applying the nonlinearity, and narrowing back. Two thirds of
    a block's parameters live here. GPT-2 and BERT use GELU, a smooth ReLU.
    Below: the hidden layer $\max(0, xW_1 + b_1)$ for the sentence's
    embedding rows from the heads section, with random weights. Roughly half
    the units are exactly zero for each token: each token switches on its
    own subset.
    """)
    return


@app.cell
def _(tokens, x):
    _C, _F = WIDTH, 4 * WIDTH
    _rng = np.random.default_rng(SEED)
    w1 = _rng.standard_normal((_C, _F)) / math.sqrt(_C)  # (C, F)
    b1 = np.zeros(_F)  # (F,)
    _hidden = np.maximum(0.0, x @ w1 + b1)  # (T, F), the ReLU layer shown
    _y = feed_forward(
        x, w1, b1, _rng.standard_normal((_F, _C)) / math.sqrt(_F), np.zeros(_C)
    )  # (T, C)
    mo.output.replace(
        mo.vstack(
            [
                viz.heatmap(
                    _hidden,
                    viz.token_labels(tokens),
                    title=f"hidden units (T, d_ff = {_F}); white = exactly 0",
                    row_title="token",
                    column_title="unit",
                    numbers=False,
                    size=9,
                ),
                mo.md(
                    f"Fraction of zeros: **{np.mean(_hidden == 0):.2f}**. "
                    f"Output shape `{_y.shape}`, like the input."
                ),
            ]
        )
    )
    return


@app.cell
def _():
    _result = FEED_FORWARD.check()
    mo.output.replace(
        mo.md(
            f"**{FEED_FORWARD.title}**, checked by `neuron.paper` against the "
            f"PyTorch layer: "
            f"{'all properties hold' if _result.passed else 'FAILED'}\n\n"
            f"```\n{_result.details}\n```"
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Write it from memory

    The feed-forward network as NumPy, run in a separate, limited process on
    random inputs. A wrong answer is told which property it breaks (for
    instance, that it mixes positions).
    """)
    return


@app.cell
def _():
    code_answer, code_button, _view = code_exercise("ffn", "FFN(x)")
    mo.output.replace(_view)
    return code_answer, code_button


@app.cell
def _(code_answer, code_button, store):
    mo.stop(not code_button.value)
    _verdict = verdict_of(capstone.check_answer("ffn", code_answer.value))
    record(store, LESSON, "ffn-code", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## What a block costs

    Count one block's parameters from its parts, with $d = d_{model}$ and
    $f = d_{ff}$:

    | part | weights | biases |
    | --- | --- | --- |
    | $W_Q, W_K, W_V, W^O$ | $4d^2$ | $4d$ |
    | FFN: $W_1$, $W_2$ | $2df$ | $f + d$ |
    | two layer norms | $2d$ (gains) | $2d$ |

    Choose a size; the table below lists every parameter of block 0 as the
    NumPy reference and the PyTorch model name them, and compares their sum
    with `TransformerConfig.parameters()`, which counts by formula.
    """)
    return


@app.cell
def _():
    size_d = mo.ui.slider(
        steps=[64, 128, 256, 512, 768, 1024], value=512, label="d_model"
    )
    size_ratio = mo.ui.slider(1, 8, value=4, label="d_ff / d_model", show_value=True)
    mo.output.replace(mo.hstack([size_d, size_ratio], justify="start", gap=2))
    return size_d, size_ratio


@app.cell
def _(size_d, size_ratio):
    block_config = TransformerConfig(
        kind="decoder",
        vocab_size=100,
        context=16,
        d_model=size_d.value,
        heads=8,
        layers=1,
        d_ff=size_ratio.value * size_d.value,
    )
    _shapes = {
        name: shape
        for name, shape in parameter_shapes(block_config).items()
        if name.startswith("blocks.0.")
    }
    _by_name = sum(math.prod(shape) for shape in _shapes.values())
    _parts = block_config.parameters()
    _by_formula = _parts["attention"] + _parts["feed_forward"] + _parts["norms"]
    _rows = "\n".join(
        f"| `{name}` | {shape} | {math.prod(shape):,} |"
        for name, shape in _shapes.items()
    )
    mo.output.replace(
        mo.md(
            "| parameter | shape | count |\n| --- | --- | --- |\n"
            + _rows
            + f"\n\nSum by name: **{_by_name:,}**; by the config's formula: "
            f"**{_by_formula:,}**; equal: **{_by_name == _by_formula}**. "
            f"Attention {_parts['attention']:,}, feed-forward "
            f"{_parts['feed_forward']:,}, norms {_parts['norms']:,}."
        )
    )
    return (block_config,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise: one block by hand

    With the $d_{model}$ and $d_{ff}$ chosen on the sliders above (biases
    included), how many parameters has one block? Work it out from the
    table of parts before reading the answer off the list.
    """)
    return


@app.cell
def _():
    block_answer = mo.ui.number(label="parameters in one block", value=None)
    mo.output.replace(block_answer)
    return (block_answer,)


@app.cell
def _(block_answer, block_config, store):
    _parts = block_config.parameters()
    _verdict = check_number(
        block_answer.value,
        _parts["attention"] + _parts["feed_forward"] + _parts["norms"],
        rtol=0,
        atol=0.5,
        hint="4d^2 + 4d for attention, 2df + f + d for the network, 4d for the "
        "two norms.",
    )
    record(store, LESSON, "block-parameters", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Stack six such blocks in the encoder, six (each with a second,
    cross-attention layer and a third norm) in the decoder, add one shared
    embedding table of $37000 \times 512$, and you have the paper's base
    model. `neuron.paper` counts it weight by weight and compares with
    table 3:
    """)
    return


@app.cell
def _():
    _result = PARAMETER_COUNTS.check()
    mo.output.replace(
        mo.md(
            f"**{PARAMETER_COUNTS.title}**: "
            f"{'all properties hold' if _result.passed else 'FAILED'}\n\n"
            f"```\n{_result.details}\n```\n\n{PARAMETER_COUNTS.explanation}"
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## The paper's model: an encoder, a decoder, and cross-attention

    The paper translates: the encoder reads the source sentence with the
    blocks above, attending in both directions, and hands on its last
    output $M$, one vector per source word. Each decoder block then has
    three sublayers: masked self-attention over the target words written so
    far, **cross-attention**, and the feed-forward network. Cross-attention
    is equation (1) again with its inputs taken from two places:

    $$\text{CrossAttention}(X, M) =
    \text{softmax}\left(\frac{(X W_Q)(M W_K)^\top}{\sqrt{d_k}}\right) M W_V$$

    The queries come from the target, the keys and values from the source,
    so the weights form a $T \times S$ table: row $t$ says which source
    words target word $t$ reads. No causal mask here: the whole source is
    known before the first word is written. Below, a random encoder-decoder
    (`random_model(kind="encoder-decoder")`, weights seeded, words hashed to
    ids) runs on your two sentences with the NumPy reference, and every
    decoder block's cross-attention is drawn from its trace. Untrained, it
    looks by chance; training is what lines "chat" up with "cat", and the
    cells after these maps train one and show it.
    """)
    return


@app.cell
def _():
    source_text = mo.ui.text(value="the cat sat on the mat", label="source")
    target_text = mo.ui.text(value="le chat est assis", label="target")
    mo.output.replace(mo.hstack([source_text, target_text], justify="start", gap=2))
    return source_text, target_text


@app.cell
def _(source_text, target_text):
    mo.stop(not (source_text.value.split() and target_text.value.split()))
    _config, _params = random_model(seed=SEED, kind="encoder-decoder", layers=2)
    translated = translation_attention(
        _config, _params, source_text.value, target_text.value
    )
    _maps = [
        viz.heatmap(
            translated.cross[layer, 0],
            viz.token_labels(translated.target),
            viz.token_labels(translated.source),
            title=f"decoder block {layer}, head 0",
            row_title="target (query)",
            column_title="source (key)",
            probabilities=True,
            size=26,
        )
        for layer in range(translated.cross.shape[0])
    ]
    _sums = translated.cross.sum(axis=-1)  # (L, H, T)
    mo.output.replace(
        mo.vstack(
            [
                mo.hstack(_maps, justify="start"),
                mo.md(
                    f"Weights of shape (L, H, T, S) = {translated.cross.shape}; "
                    f"every row sums to 1 (from {_sums.min():.6f} to "
                    f"{_sums.max():.6f})."
                ),
            ]
        )
    )
    return (translated,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Training it to look in the right place

    A translation's right alignment is a matter of opinion; a reversal's is
    not. Take sequences of $n$ symbols from an alphabet of 16 (`a` to `p`)
    and ask the model for them backwards: output symbol $t$ is a copy of
    source symbol $n - 1 - t$, so the cross-attention that does the job is
    the anti-diagonal. The button trains a model of the paper's shape, two
    blocks per stack of width 32 with 4 heads (44,096 parameters), for 600
    steps of 64 random sequences of 4 to 10 symbols, with teacher forcing
    (the decoder reads the true answer shifted right by one, after a start
    token) and AdamW (`neuron.transformer.seq2seq_task.train_reversal`).
    It takes 10 to 20 seconds on the CPU.
    """)
    return


@app.cell
def _():
    reverse_button = mo.ui.run_button(label="Train it to reverse sequences")
    mo.output.replace(reverse_button)
    return (reverse_button,)


@app.cell
def _(reverse_button):
    mo.stop(not reverse_button.value, mo.md("_Press the button to train._"))
    _steps = 600
    _done = [0]
    with mo.status.progress_bar(total=_steps, title="learning to reverse") as _bar:

        def _advance(step, total, loss):
            _bar.update(
                increment=step - _done[0], subtitle=f"step {step}: loss {loss:.3f}"
            )
            _done[0] = step

        _result = train_reversal(steps=_steps, seed=SEED, progress=_advance)

    # One held-out source, read by the NumPy reference.
    _seen = reversal_attention(_result.config, _result.params, _result.source(0))
    _maps = [
        viz.heatmap(
            _seen.cross[layer].mean(axis=0),
            viz.token_labels(_seen.target),
            viz.token_labels(_seen.source),
            title=f"decoder block {layer}, mean of the heads",
            row_title="symbol written (query)",
            column_title="source (key)",
            probabilities=True,
            size=26,
        )
        for layer in range(_seen.cross.shape[0])
    ]
    mo.output.replace(
        mo.vstack(
            [
                line_chart(
                    np.arange(1, _steps + 1),
                    {"training loss": _result.losses},
                    title="cross-entropy per target symbol",
                    x_title="step",
                    y_title="nats",
                ),
                mo.md(
                    f"On {len(_result.held_out)} held-out sequences it never saw, "
                    f"greedy decoding writes **{_result.exact_accuracy:.1%}** of "
                    f"them backwards without a mistake and gets "
                    f"{_result.token_accuracy:.1%} of the symbols right "
                    f"({_result.seconds:.1f} s). Source "
                    f"`{' '.join(_seen.source)}`, answer "
                    f"`{' '.join(_seen.target)}`. Look for the anti-diagonal: "
                    "in the last block, row $t$ puts its weight on source "
                    "position $n - 1 - t$, the symbol it copies."
                ),
                mo.hstack(_maps, justify="start"),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Explain it from memory

    Answer each question before opening it, then make the recall cards.
    """)
    return


@app.cell
def _():
    prompts = [
        Prompt(
            "why-heads",
            "Why several heads instead of one wide one, and what does it cost?",
            "One softmax row is a single mixture over the keys; $h$ heads of "
            "width $d_{model}/h$ give each token $h$ independent patterns "
            "(for example, its verb and its previous word). The projections "
            "are the same $d \\times d$ matrices, cut into column blocks, so "
            "parameters and multiply-adds equal one full-width head.",
        ),
        Prompt(
            "split-heads",
            "How are heads split and merged in code, with shapes?",
            "Project once: $(B, T, C)$. Reshape to $(B, T, H, D)$ and swap "
            "axes to $(B, H, T, D)$; attend per head; swap back and reshape "
            "to $(B, T, C)$; multiply by $W^O$.",
        ),
        Prompt(
            "residual",
            "What does the residual connection do for training?",
            "Each sublayer adds an update to the stream, $x + f(x)$. Its "
            "Jacobian is $I + \\partial f / \\partial x$, so the gradient "
            "always has a direct path to early layers, and a useless sublayer "
            "can write about zero instead of destroying its input.",
        ),
        Prompt(
            "layer-norm",
            "Write layer normalisation. Over which axis, and why not batch norm?",
            "$(x - \\mu)/\\sqrt{\\sigma^2 + \\epsilon} \\odot w + b$, with "
            "$\\mu$, $\\sigma^2$ over the features of one token. It needs no "
            "batch statistics, so it is the same in training and generation "
            "and for any batch size.",
        ),
        Prompt(
            "ffn",
            "What is the feed-forward network and what is it for?",
            "$\\max(0, xW_1 + b_1)W_2 + b_2$, $d \\to 4d \\to d$, the same at "
            "every position. Attention mixes tokens; this is where each "
            "token is transformed on its own. About two thirds of a block's "
            "parameters.",
        ),
        Prompt(
            "block-params",
            "How many parameters has a block with width $d$ and $d_{ff} = f$?",
            "$4d^2 + 4d$ (attention) $+ 2df + f + d$ (FFN) $+ 4d$ (two "
            "norms). For $d = 512$, $f = 2048$: 3,152,384.",
        ),
        Prompt(
            "cross-attention",
            "In the paper's decoder, where do cross-attention's queries, keys "
            "and values come from, and why has it no causal mask?",
            "Queries from the decoder's stream (the target), keys and values "
            "from the encoder's last output $M$ (the source): a $T \\times S$ "
            "table of weights. The whole source is known before the first "
            "target word is written, so every target position may read all "
            "of it; only padded source words are masked.",
        ),
    ]
    cards_button = recall_cards_button()
    mo.output.replace(mo.vstack([prompts_view(prompts), cards_button]))
    return cards_button, prompts


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
