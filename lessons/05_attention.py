import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="5. Attention · neuron")

with app.setup:
    import marimo as mo
    import numpy as np

    from neuron import capstone
    from neuron.attention.reference import attention_forward, causal_mask, padding_mask
    from neuron.attention.scaling import (
        dot_product_variance,
        sample_dot_products,
        saturation_row,
    )
    from neuron.attention.steps import (
        attention_steps,
        seeded_weights,
        softmax_saturation,
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
    from neuron.paper import get as get_equation
    from neuron.store import Store, default_path
    from neuron.viz import attention as viz
    from neuron.viz.distributions import histogram
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

    LESSON = "05_attention"
    WIDTH = 8
    SEED = 0
    SENTENCE = "the cat sat on the mat because it was tired"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Attention

    After lesson 4 every token is a vector: what the word is, plus where it
    stands. But each vector still knows only about its own token. In
    *"the animal did not cross the street because **it** was tired"* the
    vector of *it* should end up carrying something of *animal*, and which
    earlier word matters depends on the sentence, not on a fixed position.
    We need an operation that lets every token **read from the other tokens,
    with weights that depend on content**.

    Think of a dictionary lookup, made soft. A Python `dict` compares a query
    with every key, picks the one that is equal and returns its value. Make
    three changes:

    1. the comparison is a dot product, so every key matches *somewhat*;
    2. the match scores go through a softmax, so they become weights that
       are positive and sum to one;
    3. the answer is the weighted average of **all** the values.

    Every token plays all three parts. From its vector $x_i$ it makes a
    **query** $q_i = x_i W_Q$ (what am I looking for?), a **key**
    $k_i = x_i W_K$ (what do I offer to be found by?) and a **value**
    $v_i = x_i W_V$ (what do I hand over when found?). Stacking the rows,

    $$
    \mathrm{Attention}(Q, K, V) =
    \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}}\right) V .
    $$

    $QK^\top$ is a $T \times T$ table of scores, row $i$ saying how well
    query $i$ matches each key. The softmax runs along each row, and row $i$
    of the result is token $i$'s new vector. Nothing in the formula knows
    about positions or about the length of the sentence: that is why lesson 4
    had to add positions to the embeddings. The division by $\sqrt{d_k}$ is
    the subject of the middle of this lesson.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell(hide_code=True)
def _():
    mo.md(f"""
    ## Watch one head work

    Type a sentence. Every distinct word gets a fixed random embedding row of
    width {WIDTH}; $W_Q$, $W_K$ and $W_V$ are random too (seeded), so the
    pattern means nothing yet: training is what makes it mean something. What
    you can see already is the mechanics: the shape of every step, that each
    row of weights sums to one, and what the two switches do.
    """)
    return


@app.cell
def _():
    sentence = mo.ui.text(value=SENTENCE, label="sentence", full_width=True)
    causal = mo.ui.switch(value=False, label="causal mask")
    scaled = mo.ui.switch(value=True, label="divide by sqrt(d_k)")
    mo.output.replace(
        mo.vstack([sentence, mo.hstack([causal, scaled], justify="start", gap=2)])
    )
    return causal, scaled, sentence


@app.cell
def _(causal, scaled, sentence):
    mo.stop(not sentence.value.split(), mo.md("Type a sentence to see its attention."))
    tokens, _words, _ids = split_sentence(sentence.value)
    _x = word_vectors(_words, WIDTH, seed=SEED)[_ids]  # (T, C)
    steps = attention_steps(
        _x,
        **seeded_weights(WIDTH, seed=SEED),
        heads=1,
        causal=causal.value,
        scale=scaled.value,
    )
    return steps, tokens


@app.cell
def _(steps, tokens):
    _table = "\n".join(
        f"| `{s.name}` | `{s.equation}` | `{s.shape}` | {s.role} |"
        for s in steps.values()
    )
    _weights = steps["weights"].value[0]  # (T, T)
    mo.output.replace(
        mo.hstack(
            [
                viz.attention_heatmap(
                    _weights, tokens, title="weights P = softmax(S)", size=24
                ),
                mo.md(
                    "| step | equation | shape | meaning |\n| --- | --- | --- | --- |\n"
                    + _table
                    + f"\n\nRow sums of the weights: "
                    f"{np.round(_weights.sum(axis=-1), 6).tolist()}"
                ),
            ],
            justify="start",
            gap=2,
            wrap=True,
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Switch the scale off and the rows get sharper: most of each row's weight
    piles onto one key. At width 8 the effect is mild. The next section shows
    why it gets worse as the width grows, and why the cure is exactly
    $\sqrt{d_k}$.

    ### Exercise: one row by hand

    One query against three keys, with $d_k = 4$ (so $\sqrt{d_k} = 2$).
    Compute the three scaled scores $q \cdot k_j / 2$, then their softmax.
    Type the three weights (three decimals are enough).
    """)
    return


@app.cell
def _():
    # Small integers, so that the scores are easy to work out by hand.
    row_q = np.array([[1.0, 2.0, 0.0, 1.0]])  # (1, D)
    row_k = np.array(
        [[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 2.0], [2.0, 1.0, 0.0, -1.0]]
    )  # (S, D)
    row_v = np.eye(3)  # (S, S): the output is then the weights themselves
    weights_answer = mo.ui.matrix(
        np.zeros((1, 3)), step=0.001, precision=3, label="weights"
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"$q = {row_q[0].astype(int).tolist()}$, "
                    + ", ".join(
                        f"$k_{j} = {row.astype(int).tolist()}$"
                        for j, row in enumerate(row_k)
                    )
                ),
                weights_answer,
            ]
        )
    )
    return row_k, row_q, row_v, weights_answer


@app.cell
def _(row_k, row_q, row_v, store, weights_answer):
    _expected = attention_forward(row_q, row_k, row_v).probs  # (1, S)
    _given = np.asarray(weights_answer.value, dtype=np.float64)
    _verdict = (
        check_array(
            _given,
            _expected,
            rtol=2e-3,
            atol=2e-3,
            hint="Scores first (q . k_j / 2), then exp of each, then divide by "
            "their sum.",
        )
        if np.any(_given)
        else Verdict(None, "Type the three weights above.")
    )
    record(store, LESSON, "weights-by-hand", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Why divide by $\sqrt{d_k}$

    Suppose, as at initialisation, the entries of $q$ and $k$ are
    independent, with mean 0 and variance 1. The score is a sum of $d_k$
    products,

    $$
    q \cdot k = \sum_{i=1}^{d_k} q_i k_i .
    $$

    Each product has mean $\mathbb{E}[q_i]\,\mathbb{E}[k_i] = 0$ and variance
    $\mathbb{E}[q_i^2]\,\mathbb{E}[k_i^2] - 0 = 1 \cdot 1 = 1$. Variances of
    independent terms add, so

    $$
    \mathrm{Var}[q \cdot k] = d_k, \qquad
    \mathrm{Var}\!\left[\frac{q \cdot k}{\sqrt{d_k}}\right] = 1 .
    $$

    The typical score grows like $\sqrt{d_k}$: about 8 for the paper's
    $d_k = 64$, about 22 for $d_k = 512$. Why is that bad? The softmax
    exponentiates differences: two scores 8 apart give weights in the ratio
    $e^8 \approx 3000$. The row becomes nearly one-hot, and a one-hot softmax
    is flat: its Jacobian $\mathrm{diag}(p) - pp^\top$ is nearly zero, so
    almost no gradient reaches $W_Q$ and $W_K$ and the model cannot learn
    *where* to look. Dividing by $\sqrt{d_k}$ brings the variance back to 1
    whatever the width, without changing which key scores highest.

    Do not take this on trust. Pick $d_k$ and draw 4000 random pairs:
    """)
    return


@app.cell
def _():
    d_k = mo.ui.slider(
        steps=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
        value=64,
        label="d_k",
        show_value=True,
    )
    mo.output.replace(d_k)
    return (d_k,)


@app.cell
def _(d_k):
    _raw = sample_dot_products(d_k.value, seed=SEED)
    _scaled = sample_dot_products(d_k.value, scaled=True, seed=SEED)
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    "| | sample mean | sample variance | predicted variance |\n"
                    "| --- | --- | --- | --- |\n"
                    f"| $q \\cdot k$ | {_raw.mean:.3f} | **{_raw.variance:.2f}** "
                    f"| $d_k$ = {_raw.predicted:g} |\n"
                    f"| $q \\cdot k / \\sqrt{{d_k}}$ | {_scaled.mean:.3f} "
                    f"| **{_scaled.variance:.3f}** | 1 |"
                ),
                histogram(
                    {"q . k": _raw.dots, "q . k / sqrt(d_k)": _scaled.dots},
                    title=f"4000 dot products, d_k = {d_k.value}",
                    x_title="score",
                ),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Now watch the softmax. One query scored against eight keys at the
    $d_k$ you picked: the top row uses the raw scores, the bottom row the
    scaled ones. Drag $d_k$ up and the top row collapses onto a single key
    while the bottom row stays spread. The last column, the size of the
    softmax's Jacobian (its Frobenius norm), is how much gradient can get
    through: it is largest for evenly spread weights and zero for one-hot.
    """)
    return


@app.cell
def _(d_k):
    _row = saturation_row(d_k.value, keys=8, seed=SEED)
    mo.output.replace(
        mo.vstack(
            [
                viz.heatmap(
                    np.stack([_row.unscaled, _row.scaled]),
                    ["softmax(q.k)", "softmax(q.k / sqrt(d_k))"],
                    [f"key {j}" for j in range(8)],
                    title=f"one query, eight keys, d_k = {d_k.value}",
                    row_title="",
                    column_title="",
                    probabilities=True,
                    size=48,
                ),
                mo.md(
                    f"Raw scores: {np.round(_row.scores, 1).tolist()}  \n"
                    f"Size of the Jacobian: unscaled "
                    f"**{_row.jacobian_unscaled:.2e}**, scaled "
                    f"**{_row.jacobian_scaled:.2e}**."
                ),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    One query can be lucky. Averaged over 256 queries of 16 keys each, for
    every $d_k$ from 1 to 512: the largest weight of the unscaled softmax
    climbs towards 1 and its entropy falls towards 0 (one-hot), while the
    scaled curve does not move. The uniform distribution over 16 keys has
    entropy $\ln 16 \approx 2.77$ nats.
    """)
    return


@app.cell
def _():
    mo.output.replace(
        viz.saturation_chart(
            [softmax_saturation(scaled=True), softmax_saturation(scaled=False)]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise: predict the spread

    Suppose a layer makes queries whose entries have variance 2 and keys
    whose entries have variance 1.5 (still independent, mean 0). With the
    $d_k$ on the slider above, what is the variance of the **unscaled** score
    $q \cdot k$? Redo the derivation with these variances.
    """)
    return


@app.cell
def _():
    variance_answer = mo.ui.number(label="Var[q . k]", value=None)
    mo.output.replace(variance_answer)
    return (variance_answer,)


@app.cell
def _(d_k, store, variance_answer):
    _verdict = check_number(
        variance_answer.value,
        dot_product_variance(d_k.value, 2.0, 1.5),
        hint="Each product q_i k_i has variance E[q_i^2] E[k_i^2]; there are "
        "d_k of them.",
    )
    record(store, LESSON, "score-variance", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Masks

    Sometimes a query must not see some keys. The mechanism is always the
    same: set those scores to $-\infty$ before the softmax. Then
    $e^{-\infty} = 0$, the key gets weight exactly 0, and the remaining
    weights still sum to one because the softmax renormalises over what is
    left.

    **Causal mask.** A language model predicts token $t + 1$ from tokens
    $0 \dots t$. Trained on whole sentences at once, position $t$ would
    simply read the answer from position $t + 1$. So query $i$ may see only
    keys $j \le i$: the allowed entries form the lower triangle of the
    $T \times T$ table (left). Turn on *causal mask* at the top of the lesson
    and the upper triangle of the weights empties.

    **Padding mask.** Sentences in a batch have different lengths, so the
    short ones are padded to a common $T$ with filler tokens. No real token
    should read from the filler: the padded *keys* are masked (right: a
    sequence of 4 real tokens padded to 6, all of its weights on the first
    four columns). The padded positions still produce outputs, which the
    loss then ignores.
    """)
    return


@app.cell
def _():
    _T, _length = 6, 4
    _rng = np.random.default_rng(SEED)
    _q = _rng.standard_normal((1, 1, _T, 8))  # (B, H, T, D)
    _k = _rng.standard_normal((1, 1, _T, 8))  # (B, H, T, D)
    _v = _rng.standard_normal((1, 1, _T, 8))  # (B, H, T, D)
    _padded = attention_forward(_q, _k, _v, mask=padding_mask(np.array([_length]), _T))
    _labels = [f"{i} {'pad' if i >= _length else 'tok'}" for i in range(_T)]
    mo.output.replace(
        mo.hstack(
            [
                viz.heatmap(
                    causal_mask(_T, _T).astype(float),
                    title="causal mask: 1 = may attend",
                    row_title="query",
                    column_title="key",
                    probabilities=True,
                    size=28,
                ),
                viz.heatmap(
                    _padded.probs[0, 0],
                    _labels,
                    _labels,
                    title="weights with a padding mask",
                    row_title="query",
                    column_title="key",
                    probabilities=True,
                    size=28,
                ),
            ],
            justify="start",
            gap=2,
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise: a masked row

    In causal self-attention over five tokens, query 2 has the scaled scores
    below against keys 0 to 4. Give its five attention weights.
    """)
    return


@app.cell
def _():
    mask_scores = np.array([1.0, -0.5, 0.5, 3.0, 2.0])  # (S,)
    mask_query = 2
    mask_answer = mo.ui.matrix(
        np.zeros((1, 5)), step=0.001, precision=3, label="weights of query 2"
    )
    mo.output.replace(
        mo.vstack([mo.md(f"scores: {mask_scores.tolist()}"), mask_answer])
    )
    return mask_answer, mask_query, mask_scores


@app.cell
def _(mask_answer, mask_query, mask_scores, store):
    # With q = the scores and k = the identity, q k^T is the scores row
    # itself; scale 1 keeps it as it is, and the boolean mask is row
    # mask_query of the causal mask.
    _S = len(mask_scores)
    _expected = attention_forward(
        mask_scores[None],
        np.eye(_S),
        np.eye(_S),
        mask=causal_mask(_S, _S)[mask_query][None],
        scale=1.0,
    ).probs  # (1, S)
    _given = np.asarray(mask_answer.value, dtype=np.float64)
    _verdict = (
        check_array(
            _given,
            _expected,
            rtol=2e-3,
            atol=2e-3,
            hint="Which keys may query 2 see? The others get weight 0, and "
            "the softmax runs over the rest.",
        )
        if np.any(_given)
        else Verdict(None, "Type the five weights above.")
    )
    record(store, LESSON, "masked-row", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    _equation = get_equation("eq1-attention")
    mo.md(rf"""
    ## Write it from memory

    Equation (1) of the paper, as NumPy: given `Q`, `K` and `V` (and the
    sizes `n`, `m`, `d_k`, `d_v` as numbers), produce the attention output.
    Your code runs in a separate, limited process on random inputs and is
    compared with `neuron`'s; a wrong answer is told which property it
    breaks (rows that do not sum to one, a missing scale, ...).

    > {_equation.explanation}
    """)
    return


@app.cell
def _():
    code_answer, code_button, _view = code_exercise(
        "eq1-attention", "attention(Q, K, V) as NumPy"
    )
    mo.output.replace(_view)
    return code_answer, code_button


@app.cell
def _(code_answer, code_button, store):
    mo.stop(not code_button.value)
    _verdict = verdict_of(capstone.check_answer("eq1-attention", code_answer.value))
    record(store, LESSON, "attention-code", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Explain it from memory

    Answer each question aloud or on paper before opening it. Then turn them
    into recall cards: the home page brings them back over the coming weeks.
    """)
    return


@app.cell
def _():
    prompts = [
        Prompt(
            "qkv-roles",
            "What are queries, keys and values, and where do they come from?",
            "Three linear projections of the same token vectors: $q = xW_Q$ "
            "(what this token looks for), $k = xW_K$ (what it is matched on), "
            "$v = xW_V$ (what it passes on). Query $i$ scores every key by a "
            "dot product; the softmax of the scores weights the values, and "
            "the weighted average is token $i$'s output.",
        ),
        Prompt(
            "why-sqrt-dk",
            "Why are the scores divided by $\\sqrt{d_k}$?",
            "With independent unit-variance entries, $q \\cdot k$ is a sum of "
            "$d_k$ unit-variance products, so its variance is $d_k$. Large "
            "scores make the softmax nearly one-hot, where its Jacobian "
            "$\\mathrm{diag}(p) - pp^\\top$ is nearly zero and gradients "
            "vanish. Dividing by $\\sqrt{d_k}$ makes the variance 1 at any "
            "width, and does not change which key scores highest.",
        ),
        Prompt(
            "causal-mask",
            "What does the causal mask do, how, and why does a language model need it?",
            "It sets the score of every key $j > i$ to $-\\infty$ before the "
            "softmax, so query $i$ gives those keys weight 0 and the rest "
            "still sum to one. Trained on whole sequences at once, position "
            "$i$ would otherwise read the very token it must predict.",
        ),
        Prompt(
            "padding-mask",
            "What is masked by a padding mask: queries or keys? Why?",
            "Keys: no token may read from the filler positions, so their "
            "columns get $-\\infty$. The padded queries still compute "
            "something, which the loss ignores.",
        ),
        Prompt(
            "order-blind",
            "Why does attention need positional encodings?",
            "Permuting the tokens permutes the rows of $Q$, $K$ and $V$ alike, "
            "and the outputs are permuted the same way: the formula has no "
            "notion of order. Position must be added to the inputs.",
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
