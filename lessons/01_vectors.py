import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="1. Vectors · neuron")

with app.setup:
    import marimo as mo
    import numpy as np

    from neuron.curriculum import Prompt, check_array, check_number, record
    from neuron.store import Store, default_path
    from neuron.viz.lesson import (
        finish_lesson_button,
        finished_view,
        made_cards_view,
        prompts_view,
        recall_cards_button,
        verdict_view,
    )
    from neuron.viz.nav import header
    from neuron.widgets import VectorPair, relations

    LESSON = "01_vectors"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Vectors

    A transformer never sees a word. It sees a list of numbers, a *vector*,
    and everything it does to that word is arithmetic on the list: it adds
    vectors, scales them, and above all measures how much two of them point
    the same way. This lesson is about that measurement. By the end you
    should be able to say, without looking, why attention scores are dot
    products and what the number $q \cdot k$ is telling the model.

    Think of a vector $a \in \mathbb{R}^D$ as an arrow from the origin. It
    has two properties you can see in the plane and that survive in any
    number of dimensions:

    - a **direction**, which is where it points, and
    - a **magnitude** (its length, or *norm*)
      $\lVert a \rVert = \sqrt{a_1^2 + \dots + a_D^2}$.

    In a trained embedding, direction carries meaning: words used in the
    same contexts end up pointing the same way. Magnitude carries something
    closer to emphasis or confidence (frequent words, strongly activated
    features). Keeping the two apart is the first habit to learn.
    """)
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## The dot product

    The dot product of two vectors of the same length multiplies them
    coordinate by coordinate and adds:

    $$a \cdot b = \sum_{i=1}^{D} a_i b_i .$$

    That is the algebra. The geometry is the reason it matters:

    $$a \cdot b = \lVert a \rVert \, \lVert b \rVert \cos\theta ,$$

    where $\theta$ is the angle between the arrows. You can derive it in two
    lines. The third side of the triangle with sides $a$ and $b$ is
    $a - b$, and expanding its squared length with the algebraic definition
    gives $\lVert a - b \rVert^2 = \lVert a \rVert^2 + \lVert b \rVert^2 -
    2\, a \cdot b$. The law of cosines says the same side is
    $\lVert a \rVert^2 + \lVert b \rVert^2 - 2 \lVert a \rVert \lVert b
    \rVert \cos\theta$. Compare the two.

    So the sign of $a \cdot b$ says whether the arrows point into the same
    half-plane (positive), are at right angles (zero) or point apart
    (negative), and its size grows with both lengths.

    **Drag the tips of $a$ and $b$.** The dashed grey arrow is the
    projection of $a$ on $b$, with a dashed drop from $a$'s tip to it; the
    dashed green arrow is the combination $\alpha a + \beta b$ that the
    sliders choose. The table is computed in Python by
    `neuron.widgets.relations`, from the coordinates the widget sends back.
    """)
    return


@app.cell
def _():
    pair = VectorPair(vectors=[[2.0, 1.0], [0.5, 2.0]])
    vector_widget = mo.ui.anywidget(pair)
    alpha = mo.ui.slider(-2.0, 2.0, step=0.1, value=1.0, label="alpha")
    beta = mo.ui.slider(-2.0, 2.0, step=0.1, value=1.0, label="beta")
    return alpha, beta, pair, vector_widget


@app.cell
def _(alpha, beta, pair):
    # The widget draws the combination the sliders choose.
    pair.alpha = float(alpha.value)
    pair.beta = float(beta.value)
    return


@app.cell
def _(alpha, beta, vector_widget):
    vector_a, vector_b = (np.array(v) for v in vector_widget.value["vectors"])
    found = relations(vector_a, vector_b, alpha.value, beta.value)
    mo.output.replace(
        mo.hstack(
            [
                vector_widget,
                mo.vstack(
                    [
                        alpha,
                        beta,
                        mo.md(
                            f"""
    | quantity | value |
    | --- | --- |
    | $a$ | {vector_a.tolist()} |
    | $b$ | {vector_b.tolist()} |
    | $a \\cdot b$ | {found.dot:.4f} |
    | $\\lVert a \\rVert$ | {found.norm_a:.4f} |
    | $\\lVert b \\rVert$ | {found.norm_b:.4f} |
    | $\\cos(a, b)$ | {found.cosine:.4f} |
    | projection of $a$ on $b$ | {np.round(found.projection, 4).tolist()} |
    | $\\alpha a + \\beta b$ | {np.round(found.combination, 4).tolist()} |
    """
                        ),
                    ]
                ),
            ],
            justify="start",
            gap=2,
        )
    )
    return found, vector_a, vector_b


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Things to try: put $b$ at right angles to $a$ and watch $a \cdot b$
    reach $0$ and the projection shrink to the origin. Drag $b$ to point
    away from $a$ and the projection flips to the other side. Make $a$ twice
    as long without turning it: the dot product doubles, the cosine does
    not move.

    ## Cosine: direction alone

    Dividing out both lengths leaves only the angle:

    $$\cos(a, b) = \frac{a \cdot b}{\lVert a \rVert \, \lVert b \rVert}
    \in [-1, 1].$$

    Cosine similarity is the dot product of the two *unit* vectors
    $a / \lVert a \rVert$ and $b / \lVert b \rVert$. It is how word vectors
    are compared ("which words are nearest to *king*?") because it ignores
    magnitude, which in a trained embedding mostly tracks how often a word
    was seen. It is undefined for the zero vector, which has no direction.

    In high dimensions cosine has one more property worth knowing early:
    two *random* directions are almost always nearly at right angles. In
    $D$ dimensions the cosine of two random vectors has a spread of about
    $1/\sqrt{D}$, so in 300 dimensions a cosine of $0.5$ is far beyond
    chance, and a learned embedding can hold very many nearly independent
    directions at once.

    ### Exercise 1: the cosine of the vectors above

    Compute $\cos(a, b)$ for the vectors in the widget as they stand now,
    by hand: the dot product, the two norms, one division. (If you drag
    them, the expected answer follows.)
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell
def _():
    cosine_answer = mo.ui.number(label="cos(a, b) =", step=0.0001, value=None)
    mo.output.replace(cosine_answer)
    return (cosine_answer,)


@app.cell
def _(cosine_answer, found, store):
    cosine_verdict = check_number(
        cosine_answer.value,
        found.cosine,
        rtol=1e-2,
        atol=1e-3,
        hint="Divide a . b by the product of the two lengths.",
    )
    record(store, LESSON, "cosine", cosine_verdict)
    mo.output.replace(verdict_view(cosine_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Projection: how much of $a$ lies along $b$

    Split $a$ into a part along $b$ and a part at right angles to it. The
    part along $b$ is some multiple $t\,b$, and what is left,
    $a - t\,b$, must be perpendicular to $b$:

    $$ (a - t\,b) \cdot b = 0 \quad\Longrightarrow\quad
    t = \frac{a \cdot b}{b \cdot b}, \qquad
    \operatorname{proj}_b(a) = \frac{a \cdot b}{b \cdot b}\, b .$$

    When $b$ is a unit vector, $b \cdot b = 1$ and the coefficient is just
    $a \cdot b$: **the dot product with a unit vector is the length of the
    shadow** that $a$ casts on that direction. This is the reading to keep
    for attention: a query $q$ dotted with a key $k$ measures how far $q$
    extends along $k$'s direction, scaled by $k$'s length.

    ### Exercise 2: a projection in three dimensions

    The same formula works in any number of dimensions. Project $a$ on $b$:
    """)
    return


@app.cell
def _():
    # Fixed 3-D vectors for the projection exercise.
    proj_a = np.array([3.0, 1.0, 2.0])
    proj_b = np.array([1.0, 1.0, 0.0])
    projection_answer = mo.ui.matrix(
        [0.0, 0.0, 0.0], step=0.01, precision=2, label="proj_b(a)"
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(f"$a = {proj_a.tolist()}$, $\\quad b = {proj_b.tolist()}$"),
                projection_answer,
            ]
        )
    )
    return proj_a, proj_b, projection_answer


@app.cell
def _(proj_a, proj_b, projection_answer, store):
    # All zeros is the empty form: no answer yet.
    _given = projection_answer.value if np.any(projection_answer.value) else None
    projection_verdict = check_array(
        _given,
        relations(proj_a, proj_b).projection,
        rtol=1e-2,
        atol=1e-2,
        hint="Scale b by (a . b) / (b . b).",
    )
    record(store, LESSON, "projection", projection_verdict)
    mo.output.replace(verdict_view(projection_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Linear combinations

    Scale some vectors and add them: $\alpha a + \beta b$ is a *linear
    combination*. In the plane, any two vectors that do not lie on one line
    reach every point this way: they *span* the plane, and each point has
    exactly one pair $(\alpha, \beta)$. Finding it is solving two linear
    equations, one per coordinate,

    $$ \begin{pmatrix} a_x & b_x \\ a_y & b_y \end{pmatrix}
    \begin{pmatrix} \alpha \\ \beta \end{pmatrix} =
    \begin{pmatrix} c_x \\ c_y \end{pmatrix}, $$

    which is a matrix times a vector. Most of what a transformer does is
    exactly this: a layer's output is a combination of columns of a weight
    matrix, weighted by the input's coordinates, and attention's output is a
    combination of value vectors, weighted by the softmax of dot products.

    Embeddings add a famous twist: if directions mean something, so do
    differences of directions. In a good embedding
    $\text{king} - \text{man} + \text{woman}$ lands near $\text{queen}$, a
    linear combination with weights $(1, -1, 1)$. You will train vectors
    that (roughly) do this in the next lesson.

    ### Exercise 3: land the green arrow

    Move the **alpha** and **beta** sliders above so that the green arrow
    $\alpha a + \beta b$ ends on the target $c$ below. Work the weights out
    from the two equations rather than by trial; the sliders step by 0.1, so
    keep $a$ and $b$ where they start, or pick a target you can reach.
    """)
    return


@app.cell
def _():
    # A target the sliders can reach from the starting a and b.
    target = relations(
        np.array([2.0, 1.0]), np.array([0.5, 2.0]), 0.5, 1.5
    ).combination  # (2,)
    mo.output.replace(mo.md(f"Target $c = {target.tolist()}$."))
    return (target,)


@app.cell
def _(alpha, beta, found, store, target, vector_a, vector_b):
    # The weights that reach c exactly, for the vectors in the widget now.
    _basis = np.column_stack([vector_a, vector_b])  # (2, 2)
    _solvable = abs(np.linalg.det(_basis)) > 1e-9
    _touched = (alpha.value, beta.value) != (1.0, 1.0)
    combination_verdict = check_array(
        found.combination if _touched else None,
        target,
        atol=0.05,
        hint=(
            f"The exact weights are alpha = {np.linalg.solve(_basis, target)[0]:.3f}, "
            f"beta = {np.linalg.solve(_basis, target)[1]:.3f}; can the sliders "
            "reach them?"
            if _solvable
            else "a and b lie on one line now: they cannot reach every point."
        ),
    )
    record(store, LESSON, "combination", combination_verdict)
    mo.output.replace(verdict_view(combination_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Why this is the whole story of attention's scores

    Attention (lesson 5) gives each word a query $q$ and a key $k$ and
    scores every pair by $q \cdot k$. Everything above says what that
    number is: large when $q$ and $k$ point the same way and are long,
    zero when they are unrelated directions, negative when they disagree.
    The model learns *where* to point queries and keys so that this one
    measurement picks out the words that matter. The $1/\sqrt{d_k}$ that
    appears there is the high-dimensional fact from the cosine section,
    turned around: the dot product of random vectors grows like
    $\sqrt{D}$, so it is scaled back.

    ## Explain it from memory

    Answer each aloud or on paper before you open it. The button turns them
    into recall cards that the home page brings back.
    """)
    return


@app.cell
def _():
    prompts = [
        Prompt(
            "dot-geometry",
            "What does the dot product a . b measure geometrically, and how do "
            "you derive a . b = |a| |b| cos(theta)?",
            r"It is $\lVert a\rVert\,\lVert b\rVert\cos\theta$: how far the two "
            r"point the same way, scaled by both lengths. Expand "
            r"$\lVert a-b\rVert^2 = \lVert a\rVert^2+\lVert b\rVert^2-2\,a\cdot b$ "
            "and compare with the law of cosines.",
        ),
        Prompt(
            "why-cosine",
            "Why are word vectors compared by cosine rather than by the dot "
            "product or the distance?",
            "Cosine divides out both lengths and keeps only direction, which is "
            "where meaning lives; length mostly tracks frequency. It is the dot "
            "product of the unit vectors.",
        ),
        Prompt(
            "projection",
            "Derive the projection of a on b.",
            r"Write $a = t\,b + r$ with $r \perp b$. Then $(a - t b)\cdot b = 0$ "
            r"gives $t = a\cdot b / b\cdot b$, so "
            r"$\operatorname{proj}_b(a) = \frac{a\cdot b}{b\cdot b}\,b$; for a "
            r"unit $b$ the coefficient is $a \cdot b$ itself.",
        ),
        Prompt(
            "random-directions",
            "What is the cosine of two random vectors in D dimensions, and why "
            "does it matter for attention?",
            r"Near 0, with a spread of about $1/\sqrt{D}$: random directions are "
            r"nearly orthogonal. Their dot product grows like $\sqrt{D}$ times "
            r"the lengths, which is why attention divides scores by "
            r"$\sqrt{d_k}$.",
        ),
        Prompt(
            "span",
            "When do two vectors in the plane reach every point as alpha a + "
            "beta b, and how do you find alpha and beta?",
            "When they do not lie on one line (the 2x2 matrix with columns a "
            "and b has a non-zero determinant). Solve the two linear equations, "
            "one per coordinate.",
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
