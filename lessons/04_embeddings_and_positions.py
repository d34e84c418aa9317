import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="4. Embeddings and positions · neuron")

with app.setup:
    import math

    import marimo as mo
    import numpy as np

    from neuron import capstone
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
    from neuron.paper.positions import RELATIVE_POSITIONS, frequencies, offset_matrix
    from neuron.store import Store, default_path
    from neuron.transformer.config import TransformerConfig
    from neuron.transformer.layers import sinusoidal_positions
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

    LESSON = "04_embeddings_and_positions"
    WIDTH = 8
    SEED = 0
    SENTENCE = "the dog bit the man"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Embeddings and positional encodings

    Lesson 3 turned text into a list of integers, token ids in
    $[0, V)$. A network cannot do much with an integer as a number: token
    4021 is not "twice" token 2010. What it needs is a vector per token, in
    a space where directions can mean things (lesson 1) and where similar
    tokens can end up near each other (lesson 2).

    The **embedding table** $E$ is a $V \times d_{model}$ matrix of learned
    numbers, one row per token of the vocabulary. Embedding a sequence of ids
    is indexing: $X = E[\text{ids}]$, a $T \times d_{model}$ matrix. It is
    also a matrix product: with $\text{onehot}(t)$ the row vector that is 1 at
    position $t$ and 0 elsewhere, $\text{onehot}(t)\, E = E_t$. So an
    embedding is a linear layer whose input happens to be one-hot, and
    indexing is just the fast way to multiply by a one-hot vector: the
    gradient reaches only the rows that were used.

    The paper (section 3.4) shares one table three ways: input embeddings of
    the encoder, of the decoder, and, transposed, the final projection that
    turns the last hidden state into a score for every token. It also
    multiplies the embeddings by $\sqrt{d_{model}}$, so that rows drawn
    small at initialisation are not drowned by the positional encoding added
    next.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell
def _():
    sentence = mo.ui.text(value=SENTENCE, label="sentence", full_width=True)
    mo.output.replace(sentence)
    return (sentence,)


@app.cell
def _(sentence):
    mo.stop(not sentence.value.split(), mo.md("Type a sentence."))
    tokens, words, token_ids = split_sentence(sentence.value)
    # A stand-in table: one seeded random row per distinct word.
    table = word_vectors(words, WIDTH, seed=SEED)  # (V, C)
    onehot = np.eye(len(words))[token_ids]  # (T, V)
    _looked_up = table[token_ids]  # (T, C)
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"ids: `{token_ids.tolist()}` over a vocabulary of "
                    f"{len(words)} words. `onehot @ E` equals `E[ids]`: "
                    f"**{np.array_equal(onehot @ table, _looked_up)}**."
                ),
                mo.hstack(
                    [
                        viz.heatmap(
                            onehot,
                            viz.token_labels(tokens),
                            words,
                            title="one-hot rows (T, V)",
                            row_title="token",
                            column_title="vocabulary",
                            probabilities=True,
                            numbers=False,
                        ),
                        viz.heatmap(
                            _looked_up,
                            viz.token_labels(tokens),
                            title=f"X = E[ids] (T, {WIDTH})",
                            row_title="token",
                            column_title="column",
                        ),
                    ],
                    justify="start",
                    gap=2,
                    wrap=True,
                ),
            ]
        )
    )
    return table, token_ids, tokens


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise: the size of a table

    GPT-2 small has a vocabulary of 50,257 byte-level BPE tokens and a width
    of 768. How many numbers does its token embedding hold? (It is the
    largest single matrix of the model.)
    """)
    return


@app.cell
def _():
    table_answer = mo.ui.number(label="parameters in E", value=None)
    mo.output.replace(table_answer)
    return (table_answer,)


@app.cell
def _(store, table_answer):
    _gpt2 = TransformerConfig.gpt2_small()
    _verdict = check_number(
        table_answer.value,
        _gpt2.parameters()["token_embedding"],
        rtol=0,
        atol=0.5,
        hint="One row of d_model numbers per token of the vocabulary.",
    )
    record(store, LESSON, "table-size", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## The problem: attention cannot see order

    Lesson 5 builds attention; here is the one fact about it that makes this
    lesson necessary. Attention computes, for every token, a weighted average
    of all the tokens, with weights from dot products. Shuffle the input
    rows and you shuffle the output rows the same way, nothing else changes.
    *"the dog bit the man"* and *"the man bit the dog"* give the same set of
    vectors. Below: run attention on the sentence and on its reversal, then
    reverse the second output back.
    """)
    return


@app.cell
def _(table, token_ids):
    _x = table[token_ids]  # (T, C)
    _weights = seeded_weights(WIDTH, seed=SEED)
    _forward = attention_steps(_x, **_weights)["out"].value  # (T, C)
    _backward = attention_steps(_x[::-1], **_weights)["out"].value  # (T, C)
    _same = np.allclose(_backward[::-1], _forward)
    mo.output.replace(
        mo.md(
            f"Reversed input, output reversed back, equals the output: "
            f"**{_same}** (largest difference "
            f"{np.max(np.abs(_backward[::-1] - _forward)):.1e})."
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    So position has to be put into the vectors themselves. The simplest idea,
    a second learned table with one row per position (GPT-2 and BERT do
    this), works but stops at the longest sequence seen in training. The
    paper instead *adds* a fixed vector made of sines and cosines
    (section 3.5):

    $$
    PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{10000^{2i/d_{model}}}\right),
    \qquad
    PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d_{model}}}\right).
    $$

    Read it column pair by column pair. Pair $i$ is a point going round the
    unit circle at angular speed $\omega_i = 10000^{-2i/d_{model}}$ radians
    per position. Pair 0 turns once every $2\pi \approx 6.3$ positions; each
    further pair is slower by a constant factor, down to one turn in about
    $10000 \cdot 2\pi$ positions. Like the hands of a clock, fast columns
    tell neighbours apart and slow ones tell far-apart positions apart; no
    two positions in any realistic range share an encoding. Nothing is
    learned, and it extends to any length.
    """)
    return


@app.cell
def _():
    positions = mo.ui.slider(8, 256, value=64, step=8, label="positions T")
    d_model = mo.ui.slider(4, 128, value=32, step=4, label="d_model")
    mo.output.replace(mo.hstack([positions, d_model], justify="start", gap=2))
    return d_model, positions


@app.cell
def _(d_model, positions):
    encodings = sinusoidal_positions(positions.value, d_model.value)  # (T, C)
    _pos = np.arange(positions.value)
    _columns = {
        f"column {c}": encodings[:, c]
        for c in (0, 2, 4, d_model.value - 2)
        if c < d_model.value
    }
    _wavelengths = 2 * math.pi / frequencies(d_model.value)  # (C // 2,)
    mo.output.replace(
        mo.vstack(
            [
                mo.hstack(
                    [
                        viz.heatmap(
                            encodings.T,
                            title=f"PE transposed: {d_model.value} columns "
                            f"(rows here) by {positions.value} positions",
                            row_title="column",
                            column_title="position",
                            numbers=False,
                            size=max(3, 384 // positions.value),
                        ),
                        line_chart(
                            _pos,
                            _columns,
                            title="some columns against position",
                            x_title="position",
                            y_title="value",
                            width=320,
                        ),
                    ],
                    justify="start",
                    gap=2,
                    wrap=True,
                ),
                mo.md(
                    "Wavelengths of the pairs, in positions: "
                    + ", ".join(f"{w:.1f}" for w in _wavelengths[:6])
                    + (" ..." if len(_wavelengths) > 6 else "")
                    + f" up to {_wavelengths[-1]:.0f}; each is "
                    f"{_wavelengths[1] / _wavelengths[0]:.3f} times the one "
                    "before."
                ),
            ]
        )
    )
    return (encodings,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise: one entry by hand

    With $d_{model} = 8$, what is $PE_{(5,\,3)}$, the entry of position 5 in
    column 3? (Column 3 is $2i + 1$ with $i = 1$: a cosine. Angles are in
    radians.)
    """)
    return


@app.cell
def _():
    entry_answer = mo.ui.number(label="PE(5, 3)", value=None, step=0.0001)
    mo.output.replace(entry_answer)
    return (entry_answer,)


@app.cell
def _(entry_answer, store):
    _verdict = check_number(
        entry_answer.value,
        float(sinusoidal_positions(6, 8)[5, 3]),
        rtol=1e-3,
        atol=1e-3,
        hint="The angle is 5 / 10000^(2/8) = 5 / 10; take its cosine.",
    )
    record(store, LESSON, "one-entry", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Why sinusoids: an offset is a rotation

    The paper says the authors *"hypothesized it would allow the model to
    easily learn to attend by relative positions, since for any fixed offset
    $k$, $PE_{pos+k}$ can be represented as a linear function of
    $PE_{pos}$."* Here is why. Take one pair, with angle $a = pos\,\omega_i$,
    and move $k$ positions: the angle grows by $b = k\,\omega_i$. The angle
    addition formulas give

    $$
    \begin{pmatrix} \sin(a + b) \\ \cos(a + b) \end{pmatrix} =
    \begin{pmatrix} \cos b & \sin b \\ -\sin b & \cos b \end{pmatrix}
    \begin{pmatrix} \sin a \\ \cos a \end{pmatrix}.
    $$

    The matrix depends on $k$ and $i$, **not on $pos$**. Stack one such
    rotation per pair along the diagonal and you have a single
    $d_{model} \times d_{model}$ matrix $M_k$ with
    $PE_{pos+k} = M_k\, PE_{pos}$ for every position. A layer that wants
    "the token two to the left" can learn something like $M_{-2}$ in its
    query or key projection, and it works the same at position 3 and at
    position 3000.

    Two consequences you can check below. Rotations keep lengths, so every
    encoding has the same norm, $\sqrt{d_{model}/2}$. And rotations keep dot
    products, so $PE_{pos} \cdot PE_{pos+k}$ depends on $k$ only: the
    similarity table is constant along every diagonal.
    """)
    return


@app.cell
def _():
    offset = mo.ui.slider(-20, 20, value=3, label="offset k", show_value=True)
    mo.output.replace(offset)
    return (offset,)


@app.cell
def _(d_model, encodings, offset):
    _k, _C, _T = offset.value, d_model.value, encodings.shape[0]
    _M = offset_matrix(_k, _C)  # (C, C)
    _rows = np.arange(max(0, -_k), min(_T, _T - _k))  # positions with pos + k in range
    _moved = encodings[_rows] @ _M.T  # (N, C): M_k PE(pos), row by row
    _error = float(np.max(np.abs(_moved - encodings[_rows + _k])))
    _norms = np.linalg.norm(encodings, axis=-1)  # (T,)
    _similarity = encodings[:32] @ encodings[:32].T  # (32, 32)
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"Largest $|M_k PE_{{pos}} - PE_{{pos+k}}|$ over the "
                    f"{len(_rows)} positions that stay in range: "
                    f"**{_error:.1e}**. Norms of the encodings: from "
                    f"{_norms.min():.4f} to {_norms.max():.4f} "
                    f"($\\sqrt{{{_C}/2}}$ = {math.sqrt(_C / 2):.4f})."
                ),
                mo.hstack(
                    [
                        viz.heatmap(
                            _M[:8, :8],
                            title=f"M_k for k = {_k}, first 8 x 8",
                            size=30,
                        ),
                        viz.heatmap(
                            _similarity,
                            title="PE(a) . PE(b), first 32 positions",
                            row_title="a",
                            column_title="b",
                            numbers=False,
                            size=7,
                        ),
                    ],
                    justify="start",
                    gap=2,
                    wrap=True,
                ),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    The same claim, checked by `neuron.paper` on random positions and offsets
    (the Reader runs this checker too):
    """)
    return


@app.cell
def _():
    _result = RELATIVE_POSITIONS.check()
    mo.output.replace(
        mo.md(
            f"**{RELATIVE_POSITIONS.title}**: "
            f"{'all properties hold' if _result.passed else 'FAILED'}\n\n"
            f"```\n{_result.details}\n```"
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise: build a block of $M_k$

    With $d_{model} = 8$ and offset $k = 2$, type the $2 \times 2$ block of
    $M_k$ that acts on pair $i = 0$ (columns 0 and 1), so that it maps
    $(\sin a, \cos a)$ to $(\sin(a + b), \cos(a + b))$. Radians.
    """)
    return


@app.cell
def _():
    block_answer = mo.ui.matrix(
        np.zeros((2, 2)), step=0.001, precision=3, label="block"
    )
    mo.output.replace(block_answer)
    return (block_answer,)


@app.cell
def _(block_answer, store):
    _given = np.asarray(block_answer.value, dtype=np.float64)
    _verdict = (
        check_array(
            _given,
            offset_matrix(2, 8)[:2, :2],
            rtol=2e-3,
            atol=2e-3,
            hint="For pair 0 the frequency is 1, so b = k. Check the sign of "
            "the sine in each row against the angle addition formulas.",
        )
        if np.any(_given)
        else Verdict(None, "Type the four entries above.")
    )
    record(store, LESSON, "offset-block", _verdict)
    mo.output.replace(verdict_view(_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Adding, not concatenating

    The encoding is **added** to the token embedding, $X = E[\text{ids}]
    \sqrt{d_{model}} + PE$, which can look careless: does it not blur what
    the word is with where it is? In a space of hundreds of dimensions two
    unrelated signals can share the sum while staying almost orthogonal, and
    the learned projections $W_Q$, $W_K$, $W_V$ can pick out whichever part
    they need. Concatenating would work too, at the price of a wider model.
    After the sum, the same word at two positions is two different vectors,
    which is all attention needs to tell *"the dog bit the man"* from
    *"the man bit the dog"*.
    """)
    return


@app.cell
def _(table, token_ids, tokens):
    _T = len(tokens)
    _x = table[token_ids] * math.sqrt(WIDTH) + sinusoidal_positions(_T, WIDTH)
    _unit = _x / np.linalg.norm(_x, axis=-1, keepdims=True)  # (T, C)
    mo.output.replace(
        viz.heatmap(
            _unit @ _unit.T,
            viz.token_labels(tokens),
            viz.token_labels(tokens),
            title="cosine of the inputs X = E[ids] sqrt(d) + PE: repeated words "
            "are no longer identical",
            row_title="",
            column_title="",
            size=32,
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Write it from memory

    The encoding as NumPy, checked in a separate, limited process on random
    positions (given in no particular order).
    """)
    return


@app.cell
def _():
    code_answer, code_button, _view = code_exercise("positional-encoding", "PE(pos)")
    mo.output.replace(_view)
    return code_answer, code_button


@app.cell
def _(code_answer, code_button, store):
    mo.stop(not code_button.value)
    _verdict = verdict_of(
        capstone.check_answer("positional-encoding", code_answer.value)
    )
    record(store, LESSON, "encoding-code", _verdict)
    mo.output.replace(verdict_view(_verdict))
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
            "embedding-is-linear",
            "Why is an embedding lookup a linear layer?",
            "$E[t]$ is $\\text{onehot}(t)\\,E$: a matrix product with a one-hot "
            "row. Indexing is the fast way to compute it, and the gradient "
            "reaches only the rows that were used.",
        ),
        Prompt(
            "why-positions",
            "Why does a transformer need positional information at all?",
            "Attention is permutation-equivariant: shuffling the input rows "
            "shuffles the output rows the same way. Without positions, "
            "*the dog bit the man* and *the man bit the dog* look the same.",
        ),
        Prompt(
            "sinusoid-formula",
            "Write the sinusoidal encoding and describe its wavelengths.",
            "$PE_{(pos,2i)} = \\sin(pos / 10000^{2i/d})$, "
            "$PE_{(pos,2i+1)} = \\cos(pos / 10000^{2i/d})$. Pair $i$ turns at "
            "$\\omega_i = 10000^{-2i/d}$; the wavelengths run geometrically "
            "from $2\\pi$ to nearly $10000 \\cdot 2\\pi$.",
        ),
        Prompt(
            "offset-linear",
            "Why is $PE_{pos+k}$ a linear function of $PE_{pos}$?",
            "Each (sin, cos) pair is a point on a circle at angle "
            "$pos\\,\\omega_i$; moving $k$ positions adds $k\\,\\omega_i$, a "
            "rotation whose matrix depends on $k$ and $i$ only. The "
            "block-diagonal $M_k$ of these rotations gives "
            "$PE_{pos+k} = M_k PE_{pos}$ for every $pos$.",
        ),
        Prompt(
            "add-not-concat",
            "Why can the encoding be added to the embedding instead of concatenated?",
            "In high dimensions the two signals can occupy nearly orthogonal "
            "directions, and the learned projections can separate them. The "
            "embedding is scaled by $\\sqrt{d_{model}}$ so the fixed encoding "
            "does not dominate it.",
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
