import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="2. Word2vec from scratch · neuron")

with app.setup:
    import altair as alt
    import marimo as mo
    import numpy as np

    from neuron.curriculum import Prompt, check_array, check_number, record
    from neuron.curriculum.corpora import (
        LessonText,
        generated_sentences,
        lesson_sentences,
    )
    from neuron.curriculum.skipgram import (
        autograd_gradients,
        closeness,
        initial_vectors_of,
        numerical_gradient,
        window_pairs,
    )
    from neuron.embeddings.drift import drift
    from neuron.store import Store, default_path
    from neuron.viz.embeddings import drift_chart
    from neuron.viz.lesson import (
        finish_lesson_button,
        finished_view,
        made_cards_view,
        prompts_view,
        recall_cards_button,
        verdict_view,
    )
    from neuron.viz.nav import header
    from neuron.word2vec import Word2Vec, reference

    LESSON = "02_word2vec"

    # The words whose vectors the training section follows.
    FOLLOWED = ["king", "queen", "man", "woman", "lord", "lady", "father", "mother"]


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Word2vec from scratch

    Lesson 1 said that in a trained embedding *direction carries meaning*.
    Nobody writes those directions down. They are learned from one idea,
    old in linguistics and made cheap by Mikolov and colleagues in 2013:
    **a word is characterised by the company it keeps.** Train vectors so
    that a word's vector predicts the words around it, and words used in
    similar company end up pointing in similar directions.

    Word2vec is worth learning properly before the transformer for three
    reasons. It is the first place you meet a *learned embedding table*,
    the same object a transformer's first layer is. Its loss and gradients
    are small enough to derive by hand in ten minutes, and you will. And it
    trains on a real book in seconds, so you can watch meaning appear.

    ## The task: predict the neighbours

    Slide a window over a sentence. Each word in turn is the *centre*; the
    words at most $b$ positions away are its *contexts*. Every (centre,
    context) pair is one training example: given one word, is the other
    nearby? This is the **skip-gram** formulation.
    """)
    return


@app.cell
def _():
    sentence = mo.ui.text(
        value="the king and the queen rode to the castle",
        label="sentence",
        full_width=True,
    )
    window = mo.ui.slider(1, 4, value=2, label="window b", show_value=True)
    mo.output.replace(mo.vstack([sentence, window]))
    return sentence, window


@app.cell
def _(sentence, window):
    sentence_words = sentence.value.lower().split()
    shown_pairs = window_pairs(sentence_words, window.value)
    mo.output.replace(
        mo.md(
            f"**{len(shown_pairs)} pairs** from {len(sentence_words)} words: "
            + ", ".join(f"({c}, {o})" for c, o in shown_pairs[:40])
            + (" ..." if len(shown_pairs) > 40 else "")
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    (The real word2vec adds two twists that `neuron.word2vec.pairs`
    implements: each centre draws its window size at random from
    $1 \dots b$, so near words count more, and very frequent words like
    *the* are randomly dropped before windows are formed.)

    ### Exercise 1: count the pairs

    How many pairs does a sentence of 7 distinct words give with a fixed
    window of $b = 3$? Count per position: a word near the edge has fewer
    neighbours.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell
def _():
    pairs_answer = mo.ui.number(label="pairs =", step=1, value=None)
    mo.output.replace(pairs_answer)
    return (pairs_answer,)


@app.cell
def _(pairs_answer, store):
    _seven = ["w1", "w2", "w3", "w4", "w5", "w6", "w7"]
    pairs_verdict = check_number(
        pairs_answer.value,
        len(window_pairs(_seven, 3)),
        rtol=0,
        atol=0.5,
        hint="Position i has min(i, 3) words on its left and min(6 - i, 3) on "
        "its right.",
    )
    record(store, LESSON, "pairs", pairs_verdict)
    mo.output.replace(verdict_view(pairs_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## The model: two tables and a sigmoid

    Keep two matrices of shape $(V, D)$ for a vocabulary of $V$ words:
    $W_{\text{in}}$, whose rows are the word vectors we keep, and
    $W_{\text{out}}$, whose rows are used only as prediction targets. For
    an input word $w$ with vector $v = W_{\text{in}}[w]$ and a candidate
    neighbour $o$ with $u_o = W_{\text{out}}[o]$, the model's belief that
    $o$ really was nearby is

    $$P(\text{yes} \mid w, o) = \sigma(v \cdot u_o), \qquad
    \sigma(s) = \frac{1}{1 + e^{-s}} .$$

    A dot product, squashed into $(0, 1)$: large when the two vectors
    point the same way. The natural alternative, a softmax over all $V$
    words, costs $O(VD)$ per pair. **Negative sampling** replaces it by
    $k + 1$ yes/no questions: one true neighbour $o$ (label 1) and $k$
    random words $n_1 \dots n_k$ (label 0), drawn with probability
    proportional to $\text{count}^{3/4}$ (which gives rare words a little
    more of a chance than their frequency). The loss of one pair is

    $$L = -\log \sigma(v \cdot u_o) - \sum_{j=1}^{k} \log \sigma(-v \cdot
    u_{n_j}) ,$$

    using $1 - \sigma(s) = \sigma(-s)$. Push the true neighbour's score up,
    the random words' scores down.

    ## The gradients, by hand

    Write one target's score $s = v \cdot u$ and its label $\ell$. Its term
    is $-\log\sigma(s)$ for $\ell = 1$ and $-\log\sigma(-s)$ for $\ell = 0$.
    From $\sigma'(s) = \sigma(s)(1 - \sigma(s))$:

    $$\frac{d}{ds}\bigl[-\log\sigma(s)\bigr] = \sigma(s) - 1, \qquad
    \frac{d}{ds}\bigl[-\log\sigma(-s)\bigr] = \sigma(s) .$$

    Both cases are one formula: $\dfrac{\partial L}{\partial s} = \sigma(s)
    - \ell = p - \ell$, *prediction minus label*, the same error signal as
    logistic regression (and, you will see in lesson 8, as softmax with
    cross-entropy). Then the chain rule through $s = v \cdot u$, with
    $\partial s / \partial v = u$ and $\partial s / \partial u = v$:

    $$\frac{\partial L}{\partial v} = \sum_{t} (p_t - \ell_t)\, u_t ,
    \qquad \frac{\partial L}{\partial u_t} = (p_t - \ell_t)\, v .$$

    One pair touches one row of $W_{\text{in}}$ and $k + 1$ rows of
    $W_{\text{out}}$; every other row has gradient zero, which is why
    word2vec can update in place, one pair at a time, at millions of words
    a second. An SGD step moves $v$ toward the true neighbour's $u_o$ and
    away from the negatives' $u_{n_j}$, each in proportion to how wrong the
    prediction was.

    ### Exercise 2: the first loss

    Word2vec starts $W_{\text{out}}$ at **zero** (and $W_{\text{in}}$ small
    and random). What is the loss of the very first pair, with $k = 5$
    negatives? Every score is $0$ then; give a number.
    """)
    return


@app.cell
def _():
    first_loss_answer = mo.ui.number(label="first loss =", step=0.0001, value=None)
    mo.output.replace(first_loss_answer)
    return (first_loss_answer,)


@app.cell
def _(first_loss_answer, store):
    # The reference's loss for a pair with W_out at zero, k = 5.
    _rng = np.random.default_rng(0)
    _w_in = _rng.uniform(-0.1, 0.1, size=(10, 4))  # (V, D)
    _w_out = np.zeros((10, 4))  # (V, D)
    _first = reference.pair_loss_and_gradients(_w_in, _w_out, 0, 1, [2, 3, 4, 5, 6])
    first_loss_verdict = check_number(
        first_loss_answer.value,
        _first.loss,
        rtol=1e-3,
        hint="Each of the k + 1 terms is -log sigmoid(0).",
    )
    record(store, LESSON, "first-loss", first_loss_verdict)
    mo.output.replace(verdict_view(first_loss_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise 3: one gradient, by hand

    A vocabulary of three words, $D = 3$. The input word is 0, its true
    neighbour is word 1, and word 2 is the one negative. Compute
    $\partial L / \partial v$, the gradient of the input vector. You need
    two scores, two sigmoids and one weighted sum
    ($\sigma(0.5) \approx 0.6225$, $\sigma(-0.5) \approx 0.3775$, and in
    general use a calculator).
    """)
    return


@app.cell
def _():
    # Chosen so the scores are round: v . u_1 = 0.5, v . u_2 = -0.5.
    hand_w_in = np.array([[1.0, 0.0, 0.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    hand_w_out = np.array([[0.0, 0.0, 0.0], [0.5, 1.0, 0.0], [-0.5, 2.0, 0.0]])
    gradient_answer = mo.ui.matrix(
        [0.0, 0.0, 0.0], step=0.0001, precision=4, label="dL/dv"
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"$v = W_{{in}}[0] = {hand_w_in[0].tolist()}$, "
                    f"$\\quad u_1 = {hand_w_out[1].tolist()}$ (label 1), "
                    f"$\\quad u_2 = {hand_w_out[2].tolist()}$ (label 0)"
                ),
                gradient_answer,
            ]
        )
    )
    return gradient_answer, hand_w_in, hand_w_out


@app.cell
def _(gradient_answer, hand_w_in, hand_w_out, store):
    _expected = reference.pair_loss_and_gradients(hand_w_in, hand_w_out, 0, 1, [2])
    _given = gradient_answer.value if np.any(gradient_answer.value) else None
    gradient_verdict = check_array(
        _given,
        _expected.d_input,
        rtol=1e-2,
        atol=2e-3,
        hint="dL/dv = (p_1 - 1) u_1 + (p_2 - 0) u_2.",
    )
    record(store, LESSON, "gradient", gradient_verdict)
    mo.output.replace(verdict_view(gradient_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Three ways to the same gradient

    A derivation by hand is a claim; check it. Below, one pair on random
    matrices ($V = 20$, $D = 8$, $k = 5$) is differentiated three ways:
    the formulas above (`neuron.word2vec.reference`), PyTorch's autograd on
    the same loss, and central differences
    $\bigl(L(v + \epsilon e_i) - L(v - \epsilon e_i)\bigr) / 2\epsilon$.
    Central differences need no calculus at all, only the loss, which makes
    them the referee; their error shrinks like $\epsilon^2$.
    """)
    return


@app.cell
def _():
    _rng = np.random.default_rng(7)
    _w_in = _rng.standard_normal((20, 8)) * 0.5  # (V, D)
    _w_out = _rng.standard_normal((20, 8)) * 0.5  # (V, D)
    _negatives = [3, 9, 14, 2, 17]
    _hand = reference.pair_loss_and_gradients(_w_in, _w_out, 4, 11, _negatives)
    _torch = autograd_gradients(_w_in, _w_out, 4, 11, _negatives)
    _numeric = numerical_gradient(_w_in, _w_out, 4, 11, _negatives)
    _loss_gap = abs(_hand.loss - _torch.loss)
    _input_gap = np.abs(_hand.d_input - _torch.d_input).max()
    _target_gap = np.abs(_hand.d_targets - _torch.d_targets).max()
    _numeric_gap = np.abs(_hand.d_input - _numeric).max()
    _hand_v = np.round(_hand.d_input[:3], 5).tolist()
    _torch_v = np.round(_torch.d_input[:3], 5).tolist()
    mo.output.replace(
        mo.md(
            f"""
    | quantity | by hand | autograd | largest difference |
    | --- | --- | --- | --- |
    | loss | {_hand.loss:.6f} | {_torch.loss:.6f} | {_loss_gap:.1e} |
    | $\\partial L/\\partial v$, first 3 | {_hand_v} | {_torch_v} | {_input_gap:.1e} |
    | $\\partial L/\\partial u_t$, all rows | | | {_target_gap:.1e} |
    | $\\partial L/\\partial v$, central differences | | | {_numeric_gap:.1e} |
    """
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Train it, and watch meaning appear

    `neuron.word2vec.Word2Vec` runs exactly these updates, in the compiled
    engine, over a real text: by default a slice of Shakespeare's plays.
    Every epoch it hands back a copy of the vectors, so we can look at the
    run as it happened, from the random start (epoch 0) to the end.
    Change the settings and press **Train**: it takes seconds.
    """)
    return


@app.cell
def _():
    settings = mo.ui.dictionary(
        {
            "source": mo.ui.dropdown(
                ["tinyshakespeare.txt", "generated sentences"],
                value="tinyshakespeare.txt",
                label="text",
            ),
            "words": mo.ui.slider(
                20_000, 200_000, step=20_000, value=120_000, label="words"
            ),
            "epochs": mo.ui.slider(1, 20, value=8, label="epochs"),
            "vector_size": mo.ui.slider(10, 100, step=10, value=50, label="D"),
        }
    ).form(submit_button_label="Train")
    mo.output.replace(settings)
    return (settings,)


@app.cell
def _(settings):
    # Until the form is submitted, train with its starting values.
    chosen = settings.value or {
        "source": "tinyshakespeare.txt",
        "words": 120_000,
        "epochs": 8,
        "vector_size": 50,
    }
    if chosen["source"] == "generated sentences":
        _sentences = generated_sentences(chosen["words"])
        training_text = LessonText(
            _sentences, f"{sum(map(len, _sentences)):,} generated words", False
        )
    else:
        training_text = lesson_sentences(chosen["source"], chosen["words"])

    snapshots = []
    model = Word2Vec(
        vector_size=chosen["vector_size"],
        epochs=chosen["epochs"],
        window=5,
        negative=5,
        min_count=5,
        seed=1,
    )
    with mo.status.spinner(title="Training word2vec ..."):
        model.fit(
            training_text.sentences,
            on_epoch=lambda epoch, vectors: snapshots.append((epoch, vectors)),
        )
    snapshots.insert(0, (0, initial_vectors_of(model)))
    mo.output.replace(
        mo.md(
            f"Trained on {training_text.source}: {len(model.vocabulary):,} words "
            f"in the vocabulary, {chosen['epochs']} epochs. Mean loss per pair, "
            "epoch by epoch: "
            + ", ".join(f"{loss:.3f}" for loss in model.loss_history)
            + "."
        )
    )
    return model, snapshots


@app.cell
def _(model, snapshots):
    followed = [word for word in FOLLOWED if word in model.vectors]
    _pairs = [
        (a, b)
        for a, b in [("king", "queen"), ("man", "woman"), ("lord", "lady")]
        if a in followed and b in followed
    ]
    closeness_table = closeness(snapshots, _pairs)
    _lines = (
        alt.Chart(closeness_table)
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:O", title="epoch"),
            y=alt.Y("cosine:Q", title="cosine"),
            color=alt.Color("pair:N", title="pair"),
            tooltip=["pair", "epoch", alt.Tooltip("cosine:Q", format=".3f"), "rank"],
        )
    )
    _typical = (
        alt.Chart(closeness_table)
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x="epoch:O", y="mean(typical):Q")
    )
    mo.output.replace(
        mo.vstack(
            [
                (_lines + _typical).properties(
                    width="container", height=260, title="cosine of each pair"
                ),
                mo.md(
                    "The dashed grey line is the *typical* cosine: the mean "
                    "cosine of a word to every other word. Rank says where the "
                    "second word comes among the first one's nearest words "
                    "(1 is nearest)."
                ),
                closeness_table.pivot(on="pair", index="epoch", values="rank"),
            ]
        )
    )
    return (followed,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Read the chart from the left. At epoch 0 the vectors are random, so
    every cosine is near 0 and the partner of *king* is just one word among
    thousands. After the first epoch **everything** looks similar: the
    updates so far have mostly pushed every vector along one shared
    direction (frequent words, frequent contexts), so raw cosines jump for
    all pairs at once; that is why the typical level matters. From then on
    the vectors separate, and the pairs that share company stay close while
    the typical cosine falls: that gap, and the rank, are the signal.

    Be honest about the scale. A few hundred thousand words is tiny (the
    vectors of 2013 read billions), and in these plays *king* appears
    mostly as "King Richard", "King Henry", so its nearest words are names
    and numerals. The pairs that share many contexts, like *man* and
    *woman*, come together first. Choose **generated sentences** for a
    clean case: a small invented language where royal and common, male and
    female words share contexts by construction.

    ## The map, epoch by epoch

    The followed words' unit vectors projected to 2-D by one PCA fitted on
    every epoch at once (`neuron.embeddings.drift`), so the axes stay put
    and a word's trail is its movement.
    """)
    return


@app.cell
def _(snapshots):
    epoch_slider = mo.ui.slider(
        0,
        snapshots[-1][0],
        value=snapshots[-1][0],
        label="epoch",
        show_value=True,
    )
    mo.output.replace(epoch_slider)
    return (epoch_slider,)


@app.cell
def _(epoch_slider, followed, snapshots):
    _moved = drift(snapshots, followed)
    mo.output.replace(
        drift_chart(_moved.epochs, _moved.words, _moved.coordinates, epoch_slider.value)
    )
    return


@app.cell
def _(followed, model):
    _rows = {
        word: ", ".join(
            f"{other} ({score:.2f})"
            for other, score in model.vectors.most_similar(word, topn=6)
        )
        for word in followed[:4]
    }
    mo.output.replace(
        mo.md(
            "**Nearest words at the end**\n\n"
            + "\n".join(f"- *{word}*: {near}" for word, near in _rows.items())
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## What carries over to the transformer

    The transformer's first layer is a table of the same shape as
    $W_{\text{in}}$, one learned row per token, trained by the same kind of
    gradient: only the rows of the tokens in a batch receive one. Its last
    layer scores every vocabulary entry by a dot product with a row of an
    output table, like $W_{\text{out}}$ (GPT-2 even reuses the input table
    there). And its loss has the same error signal,
    prediction minus label. What word2vec lacks is context: one vector per
    word, whatever the sentence. Attention is the fix.

    ## Explain it from memory
    """)
    return


@app.cell
def _():
    prompts = [
        Prompt(
            "skipgram-loss",
            "Write the skip-gram negative-sampling loss of one pair and say what "
            "each term asks for.",
            r"$L = -\log\sigma(v\cdot u_o) - \sum_{j=1}^k \log\sigma(-v\cdot "
            r"u_{n_j})$: raise the score of the true neighbour, lower the scores "
            r"of $k$ random words drawn from $\text{count}^{3/4}$.",
        ),
        Prompt(
            "dl-ds",
            "Why is the derivative of each term with respect to its score "
            "p - l, whatever the label?",
            r"$\frac{d}{ds}[-\log\sigma(s)] = \sigma(s) - 1$ and "
            r"$\frac{d}{ds}[-\log\sigma(-s)] = \sigma(s)$, from "
            r"$\sigma' = \sigma(1-\sigma)$; both are $\sigma(s) - \ell$.",
        ),
        Prompt(
            "grad-v-u",
            "Give dL/dv and dL/du_t for one pair, and say which rows of the two "
            "matrices a pair changes.",
            r"$\partial L/\partial v = \sum_t (p_t - \ell_t) u_t$, "
            r"$\partial L/\partial u_t = (p_t - \ell_t) v$. One row of "
            r"$W_{in}$ and the $k+1$ target rows of $W_{out}$; all others are "
            "untouched.",
        ),
        Prompt(
            "why-negative-sampling",
            "Why negative sampling instead of a softmax over the vocabulary?",
            r"The softmax needs every one of the $V$ scores per pair, $O(VD)$; "
            r"$k+1$ binary questions cost $O(kD)$ and still separate true "
            "neighbours from noise.",
        ),
        Prompt(
            "first-loss",
            "With W_out at zero, what is the first loss of a pair, and why start "
            "W_out at zero?",
            r"Every score is 0, every $p = 1/2$, so $L = (k+1)\log 2$. Random "
            r"$W_{in}$ already breaks the symmetry between words; zero "
            r"$W_{out}$ gives a known start.",
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
