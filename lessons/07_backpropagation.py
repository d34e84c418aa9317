import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="7. Backpropagation by hand · neuron")

with app.setup:
    import marimo as mo
    import numpy as np

    from neuron.attention.reference import attention_backward, attention_forward
    from neuron.curriculum import (
        Prompt,
        backprop,
        check_array,
        check_number,
        record,
    )
    from neuron.softmax.reference import softmax
    from neuron.store import Store, default_path
    from neuron.transformer.layers import layer_norm_backward
    from neuron.viz.lesson import (
        finish_lesson_button,
        finished_view,
        made_cards_view,
        prompts_view,
        recall_cards_button,
        verdict_view,
    )
    from neuron.viz.nav import header

    LESSON = "07_backpropagation"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Backpropagation by hand

    Training asks one question a billion times: *if I nudge this weight,
    how does the loss move?* The answer for every weight at once is the
    gradient, and backpropagation is the bookkeeping that computes it for
    about twice the cost of the forward pass itself. In this lesson you derive that
    bookkeeping for every piece of a transformer block (the linear layer,
    softmax, layer norm, attention, the residual connection), compute it
    by hand with neuron's NumPy reference, and watch PyTorch's autograd
    agree to the last few bits of a float64.

    **Three facts carry the whole lesson.**

    1. *The loss is one number.* So for any array $A$ in the network,
       the gradient $\partial L / \partial A$ is an array **of the same
       shape as $A$**: entry $(i, j)$ says how fast $L$ moves when
       $A_{ij}$ moves. We write it $dA$.
    2. *The chain rule, run backwards.* A layer $y = f(x, \theta)$ never
       needs to know what comes after it. It receives $dy$ from above
       (the "upstream gradient") and must hand back $dx$, and keep
       $d\theta$ for the optimiser:
       $$
       dx_i = \sum_j dy_j \, \frac{\partial y_j}{\partial x_i}.
       $$
       This is a vector times a Jacobian. The Jacobian itself is
       usually enormous and mostly zeros; the art is to write the
       product without ever forming it.
    3. *Where a value is used twice, its gradients add.* If $x$ feeds
       two branches, $dx$ is the sum of what each branch sends back.
       Residual connections, and the three projections $Q, K, V$ of
       the same input, are exactly this.

    A practical rule follows from fact 1: **when in doubt, make the
    shapes fit.** There is usually only one way to multiply the
    available arrays into the required shape, and it is the right one.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 1. The linear layer

    A linear layer maps each row of $X \in \mathbb{R}^{N \times n}$
    ($N$ rows: every position of every sequence) to
    $Y = XW + b$, with $W \in \mathbb{R}^{n \times m}$ and
    $b \in \mathbb{R}^{m}$. Entry by entry,
    $$
    Y_{kj} = \sum_i X_{ki} W_{ij} + b_j .
    $$
    Differentiate one entry at a time and sum over every $Y_{kj}$ that
    the entry touched:

    - $X_{ki}$ appears in row $k$ of $Y$, multiplied by $W_{ij}$, so
      $dX_{ki} = \sum_j dY_{kj} W_{ij}$, that is
      $$dX = dY\,W^\top \qquad (N \times m)(m \times n) = (N \times n).$$
    - $W_{ij}$ appears in column $j$ of **every** row, multiplied by
      $X_{ki}$, so $dW_{ij} = \sum_k X_{ki}\, dY_{kj}$:
      $$dW = X^\top dY \qquad (n \times N)(N \times m) = (n \times m).$$
    - $b_j$ is added to column $j$ of every row:
      $$db = \textstyle\sum_k dY_{k,:} \quad \text{(sum the rows of } dY).$$

    Note what the weight gradient is: a sum over the batch of outer
    products $x_k^\top dy_k$, one per row. Every position of every
    sequence votes on how to change $W$; that is why a batch gives a
    better gradient than a single example.

    Your turn, on numbers small enough for paper.
    """)
    return


@app.cell
def _():
    # Small integers so the products can be done by hand.
    _rng = np.random.default_rng(7)
    lin_x = _rng.integers(-2, 3, size=(2, 3)).astype(np.float64)  # (N, n)
    lin_W = _rng.integers(-2, 3, size=(3, 2)).astype(np.float64)  # (n, m)
    lin_b = np.array([0.5, -1.0])  # (m,)
    lin_dy = _rng.integers(-2, 3, size=(2, 2)).astype(np.float64)  # (N, m)
    lin_grads = backprop.linear_backward(lin_x, lin_W, lin_dy)
    mo.md(
        f"""
        $$
        X = {backprop.latex_matrix(lin_x)}, \\quad
        W = {backprop.latex_matrix(lin_W)}, \\quad
        dY = {backprop.latex_matrix(lin_dy)}
        $$
        """
    )
    return lin_W, lin_b, lin_dy, lin_grads, lin_x


@app.cell
def _():
    dx_input = mo.ui.matrix(
        np.zeros((2, 3)), min_value=-50, max_value=50, step=1, label="your $dX$"
    )
    dw_input = mo.ui.matrix(
        np.zeros((3, 2)), min_value=-50, max_value=50, step=1, label="your $dW$"
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    "**Exercise 1.** Compute $dX$ (shape 2 x 3) and $dW$ "
                    "(shape 3 x 2). Drag an entry, or double-click it to type."
                ),
                mo.hstack([dx_input, dw_input], justify="start", gap=2),
            ]
        )
    )
    return dw_input, dx_input


@app.cell
def _(dw_input, dx_input, lin_grads, store):
    # An untouched matrix of zeros is no answer yet.
    _dx = dx_input.value if np.any(dx_input.value) else None
    _dw = dw_input.value if np.any(dw_input.value) else None
    _v1 = check_array(_dx, lin_grads.dx, hint="dX = dY W^T: row k of dY times W^T.")
    _v2 = check_array(
        _dw, lin_grads.dW, hint="dW = X^T dY: sum over rows of x_k^T dy_k."
    )
    record(store, LESSON, "linear-dx", _v1)
    record(store, LESSON, "linear-dw", _v2)
    mo.output.replace(mo.hstack([verdict_view(_v1), verdict_view(_v2)], widths="equal"))
    return


@app.cell(hide_code=True)
def _(lin_W, lin_b, lin_dy, lin_x):
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    "The same layer through PyTorch autograd "
                    "(`(x @ W + b).backward(dY)`), against "
                    "`backprop.linear_backward`:"
                ),
                mo.ui.table(
                    backprop.table_rows(
                        backprop.check_linear(lin_x, lin_W, lin_b, lin_dy)
                    ),
                    selection=None,
                ),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 2. Softmax, and softmax with cross-entropy

    Softmax turns a row of scores $z$ into probabilities
    $p_j = e^{z_j} / \sum_k e^{z_k}$. Every output depends on every
    input, so its Jacobian is a full $V \times V$ matrix. By the quotient
    rule, with $S = \sum_k e^{z_k}$,
    $$
    \frac{\partial p_j}{\partial z_i}
      = \frac{\delta_{ij} e^{z_j} S - e^{z_j} e^{z_i}}{S^2}
      = p_j(\delta_{ij} - p_i).
    $$
    Multiply by the upstream gradient and sum over $j$:
    $$
    dz_i = \sum_j dp_j\, p_j (\delta_{ij} - p_i)
         = p_i \Big(dp_i - \sum_j dp_j\, p_j\Big).
    $$
    One dot product per row instead of a $V \times V$ matrix:
    `neuron.softmax.reference.softmax_backward` is this line. Notice
    that $\sum_i dz_i = 0$ always: adding the same constant to every
    score changes nothing, so the gradient can have no component along
    $(1, 1, \dots, 1)$.

    **The shortcut that every training loop uses.** The loss of one
    position is $L = -\log p_y$ for the right token $y$. Then
    $dp_j = -\delta_{jy}/p_y$, the dot product
    $\sum_j dp_j\,p_j = -1$, and the formula above collapses to
    $$
    \boxed{\,dz = p - \mathrm{onehot}(y)\,}
    $$
    The gradient on the logits is simply *what the model predicted
    minus what was true*: push the right score up by $1 - p_y$, push
    every other score down by its probability. It never divides by a
    small $p_y$, which is why frameworks fuse softmax and cross-entropy
    into one operation.

    Edit the logits below and pick the right token.
    """)
    return


@app.cell
def _():
    logits_input = mo.ui.matrix(
        [[1.0, 2.0, 0.5, -1.0]], min_value=-6, max_value=6, step=0.1, label="logits $z$"
    )
    target_input = mo.ui.dropdown(
        options={"0": 0, "1": 1, "2": 2, "3": 3}, value="2", label="right token $y$"
    )
    mo.output.replace(mo.hstack([logits_input, target_input], justify="start", gap=2))
    return logits_input, target_input


@app.cell
def _(logits_input, target_input):
    ce_logits = np.asarray(logits_input.value, dtype=np.float64)[0]  # (V,)
    ce_target = int(target_input.value)
    ce_probs = softmax(ce_logits)  # (V,)
    ce_grad = backprop.cross_entropy_backward(ce_logits, ce_target)  # (V,)
    _dp = np.random.default_rng(1).standard_normal((3, 4))  # (3, V)
    _checks = backprop.check_cross_entropy(ce_logits, ce_target)
    _checks += backprop.check_softmax(np.tile(ce_logits, (3, 1)), _dp)
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"$p = \\mathrm{{softmax}}(z) = "
                    f"{backprop.latex_matrix(ce_probs, 4)}$, and the loss "
                    f"$-\\log p_{{{ce_target}}} = "
                    f"{-np.log(ce_probs[ce_target]):.4f}$."
                ),
                mo.md(
                    "Against autograd: `dz` of cross-entropy, then `dx` of a "
                    "bare softmax with a random upstream gradient on three "
                    "rows of these logits."
                ),
                mo.ui.table(backprop.table_rows(_checks), selection=None),
            ]
        )
    )
    return ce_grad, ce_target


@app.cell
def _(ce_target):
    ce_input = mo.ui.matrix(
        np.zeros((1, 4)),
        min_value=-1,
        max_value=1,
        step=0.0001,
        precision=4,
        label=f"your $dz$ for $y = {ce_target}$",
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    "**Exercise 2.** From the probabilities shown above, give "
                    "the gradient of the loss with respect to the four logits "
                    "(4 decimals are enough)."
                ),
                ce_input,
            ]
        )
    )
    return (ce_input,)


@app.cell
def _(ce_grad, ce_input, store):
    _given = ce_input.value if np.any(ce_input.value) else None
    _v = check_array(
        None if _given is None else np.asarray(_given)[0],
        ce_grad,
        rtol=1e-3,
        atol=2e-4,
        hint="Predicted minus true: p, with 1 subtracted at the right token.",
    )
    record(store, LESSON, "cross-entropy-dz", _v)
    mo.output.replace(verdict_view(_v))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 3. Layer norm

    Layer norm standardises each row of $C$ numbers and then rescales it:
    $$
    \mu = \tfrac1C \textstyle\sum_i x_i,\quad
    \sigma^2 = \tfrac1C \textstyle\sum_i (x_i - \mu)^2,\quad
    \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}},\quad
    y_i = w_i \hat x_i + b_i .
    $$
    The parameters are the easy part, because each column is just scaled
    and shifted: summing over all rows $r$,
    $dw = \sum_r dy_r \odot \hat x_r$ and $db = \sum_r dy_r$.

    The input is harder, because each $x_i$ reaches $\hat x$ by three
    roads: directly, through the mean, and through the variance. Write
    $g = dy \odot w$ (the gradient arriving at $\hat x$) and
    $\rho = 1/\sqrt{\sigma^2 + \epsilon}$. Using
    $\partial\mu/\partial x_i = 1/C$ and
    $\partial\sigma^2/\partial x_i = 2(x_i - \mu)/C$, the three roads add
    up to
    $$
    dx = \rho\,\Big(g \;-\; \overline{g} \;-\; \hat x\,\overline{g \odot \hat x}\Big),
    $$
    where a bar is the mean over the row. Read it as a projection: from
    the incoming gradient, remove its mean (the part the centring would
    absorb) and its component along $\hat x$ (the part the rescaling
    would absorb), then scale by $\rho$. So every row of $dx$ sums to
    zero and is orthogonal to $\hat x$: no gradient can ask layer norm to
    shift or stretch a row it is about to undo.
    `neuron.transformer.layers.layer_norm_backward` is this formula.
    """)
    return


@app.cell
def _():
    _rng = np.random.default_rng(3)
    ln_x = 2.0 * _rng.standard_normal((4, 6)) + 1.0  # (rows, C)
    ln_w = 1.0 + 0.5 * _rng.standard_normal(6)  # (C,)
    ln_b = 0.5 * _rng.standard_normal(6)  # (C,)
    ln_dy = _rng.standard_normal((4, 6))  # (rows, C)
    ln_dx, _, _ = layer_norm_backward(ln_dy, ln_x, ln_w, 1e-5)
    mo.output.replace(
        mo.vstack(
            [
                mo.md("Four rows of width 6, by hand and by `F.layer_norm`:"),
                mo.ui.table(
                    backprop.table_rows(
                        backprop.check_layer_norm(ln_x, ln_w, ln_b, ln_dy)
                    ),
                    selection=None,
                ),
            ]
        )
    )
    return (ln_dx,)


@app.cell
def _():
    ln_input = mo.ui.number(label="sum of the first row of $dx$", value=None)
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    "**Exercise 3.** Without computing anything: what is "
                    "$\\sum_i dx_i$ over one row of layer norm's input "
                    "gradient, for any upstream $dy$?"
                ),
                ln_input,
            ]
        )
    )
    return (ln_input,)


@app.cell
def _(ln_dx, ln_input, store):
    _v = check_number(
        ln_input.value,
        float(ln_dx[0].sum()),
        atol=1e-6,
        hint="What does subtracting the row mean of g do to the sum?",
    )
    record(store, LESSON, "layer-norm-sum", _v)
    mo.output.replace(verdict_view(_v))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 4. Attention

    One head computes, with $s$ the scale $1/\sqrt{d_k}$,
    $$
    S = s\,QK^\top,\qquad P = \mathrm{softmax}_{\text{rows}}(S),\qquad O = PV.
    $$
    Go backwards through the three lines, using only what you already
    have:

    1. $O = PV$ is a product of two matrices, like a linear layer with
       both factors variable:
       $$dV = P^\top dO, \qquad dP = dO\,V^\top .$$
    2. Each row of $P$ is a softmax of the same row of $S$ (section 2):
       $$dS_{ij} = P_{ij}\Big(dP_{ij} - \textstyle\sum_k P_{ik}\, dP_{ik}\Big).$$
       The subtracted sum equals $dO_i \cdot O_i$ (expand $dP_{ik}$),
       which is how FlashAttention computes it without ever holding a row
       of $P$.
    3. $S = s\,QK^\top$ is a product again:
       $$dQ = s\, dS\, K, \qquad dK = s\, dS^\top Q .$$

    A mask needs no extra work: a masked entry has $P_{ij} = 0$, so
    $dS_{ij} = 0$ and nothing flows through it. With several heads, the
    gradient $dO$ of the joined output is cut into heads exactly as the
    forward pass cut $Q, K, V$; and since $Q$, $K$ and $V$ are three
    projections of the same input $h$, the three $dh$ they send back are
    added (fact 3).
    """)
    return


@app.cell
def _():
    causal_box = mo.ui.checkbox(value=True, label="causal mask")
    mo.output.replace(causal_box)
    return (causal_box,)


@app.cell
def _(causal_box):
    _rng = np.random.default_rng(5)
    _q, _k, _v, _dout = (_rng.standard_normal((2, 5, 4)) for _ in range(4))  # (H, T, D)
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    "Two heads, five positions, head size 4: "
                    "`attention_backward` against autograd of PyTorch's "
                    "`scaled_dot_product_attention`."
                ),
                mo.ui.table(
                    backprop.table_rows(
                        backprop.check_attention(
                            _q, _k, _v, _dout, causal=causal_box.value
                        )
                    ),
                    selection=None,
                ),
            ]
        )
    )
    return


@app.cell
def _():
    # A causal head over two positions with one value number each.
    _q = np.array([[1.0, 0.0], [0.5, 1.0]])  # (T, D)
    _k = np.array([[1.0, 1.0], [0.0, 2.0]])  # (T, D)
    att_v = np.array([[2.0], [-1.0]])  # (T, 1)
    att_dout = np.array([[1.0], [2.0]])  # (T, 1)
    att_probs = attention_forward(_q, _k, att_v, causal=True).probs  # (T, T)
    att_dv = attention_backward(att_dout, _q, _k, att_v, att_probs).dv  # (T, 1)
    dv_input = mo.ui.matrix(
        np.zeros((2, 1)),
        min_value=-10,
        max_value=10,
        step=0.001,
        precision=3,
        label="your $dV$",
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"""
                    **Exercise 4.** A causal head over two positions has
                    probabilities and upstream gradient

                    $$P = {backprop.latex_matrix(att_probs, 3)}, \\qquad
                    dO = {backprop.latex_matrix(att_dout)} .$$

                    Compute $dV$ (3 decimals).
                    """
                ),
                dv_input,
            ]
        )
    )
    return att_dv, dv_input


@app.cell
def _(att_dv, dv_input, store):
    _given = dv_input.value if np.any(dv_input.value) else None
    _v = check_array(
        _given,
        att_dv,
        rtol=2e-3,
        atol=2e-3,
        hint="dV = P^T dO: value j collects P_ij dO_i from every query i.",
    )
    record(store, LESSON, "attention-dv", _v)
    mo.output.replace(verdict_view(_v))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 5. The residual connection

    A residual block computes $y = x + F(x)$. By fact 3, $x$ is used
    twice, so
    $$
    dx = dy + \Big(\text{what } F \text{ sends back for } dy\Big)
       = dy + J_F(x)^\top dy .
    $$
    The first term is the point. Whatever $F$ does, even if its
    Jacobian is tiny or badly scaled, the upstream gradient passes
    through **unchanged** on its way down. Stack $L$ blocks and the
    gradient at the bottom contains $dy$ from the top plus a sum of
    every block's contribution, instead of a product of $L$ Jacobians
    that could shrink or blow up. This "gradient highway" is what lets
    transformers, like ResNets before them, train at depth.

    In a **pre-LN** block ($x + F(\mathrm{LN}(x))$) the highway is a
    clean identity from the loss to the embeddings. In a **post-LN**
    block ($\mathrm{LN}(x + F(x))$, the 2017 paper) every step down the
    highway also passes through a layer norm's backward, which rescales
    it; that is one reason post-LN needs the learning-rate warmup of the
    next lesson.
    """)
    return


@app.cell
def _():
    res_W = np.array([[0.5, -1.0], [2.0, 1.0]])  # (n, n)
    res_dy = np.array([[1.0, 3.0]])  # (1, n)
    # y = x + x W: the identity path plus the linear path.
    res_dx = res_dy + backprop.linear_backward(np.zeros((1, 2)), res_W, res_dy).dx
    res_input = mo.ui.matrix(
        np.zeros((1, 2)), min_value=-20, max_value=20, step=0.5, label="your $dx$"
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"""
                    **Exercise 5.** A residual layer $y = x + xW$ with
                    $W = {backprop.latex_matrix(res_W)}$ receives
                    $dy = {backprop.latex_matrix(res_dy)}$. What is $dx$?
                    """
                ),
                res_input,
            ]
        )
    )
    return res_dx, res_input


@app.cell
def _(res_dx, res_input, store):
    _given = res_input.value if np.any(res_input.value) else None
    _v = check_array(
        _given, res_dx, hint="Two paths: dy itself, plus dy W^T from the linear one."
    )
    record(store, LESSON, "residual-dx", _v)
    mo.output.replace(verdict_view(_v))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 6. A whole block, by hand

    `neuron.transformer.backward.block_backward` puts the pieces
    together for one block, walking the forward pass in reverse.
    For a pre-LN block ($x_1 = x + \mathrm{Attn}(\mathrm{LN}_1(x))$,
    $y = x_1 + \mathrm{FF}(\mathrm{LN}_2(x_1))$) it does, from $dy$:

    1. the feed-forward's down projection (section 1), the activation
       (elementwise: multiply by its derivative), the up projection;
    2. layer norm 2 (section 3), and add the residual's $dy$ to get
       $dx_1$ (section 5);
    3. the output projection, cut into heads, attention (section 4),
       the three projections $Q, K, V$, whose $dh$ add up;
    4. layer norm 1, and add the residual's $dx_1$ to get $dx$.

    Below, a one-block decoder of width 8 with two heads runs forward on
    two sequences of five vectors; a random $dy$ comes back. Every
    gradient, the input's and each of the block's 16 parameters', is
    compared with PyTorch autograd through neuron's PyTorch model loaded
    with the same weights. Change the block and watch the column of
    differences stay at rounding level.
    """)
    return


@app.cell
def _():
    norm_menu = mo.ui.dropdown(
        options={"pre-LN (GPT-2)": "pre", "post-LN (the 2017 paper)": "post"},
        value="pre-LN (GPT-2)",
        label="layer norm",
    )
    activation_menu = mo.ui.dropdown(
        options=["gelu", "gelu_tanh", "relu"], value="gelu", label="activation"
    )
    seed_input = mo.ui.number(start=0, stop=999, value=0, label="seed")
    mo.output.replace(
        mo.hstack([norm_menu, activation_menu, seed_input], justify="start", gap=2)
    )
    return activation_menu, norm_menu, seed_input


@app.cell
def _(activation_menu, norm_menu, seed_input):
    _config = backprop.lesson_config(norm_menu.value, activation_menu.value)
    _seed = int(seed_input.value or 0)
    _params = backprop.lesson_parameters(_config, _seed)
    _rng = np.random.default_rng(_seed + 1)
    _x = _rng.standard_normal((2, 5, _config.d_model))  # (B, T, C)
    _dy = _rng.standard_normal(_x.shape)  # (B, T, C)
    block_checks = backprop.check_block(_config, _params, 0, _x, _dy)
    mo.output.replace(
        mo.ui.table(backprop.table_rows(block_checks), selection=None, page_size=20)
    )
    return (block_checks,)


@app.cell(hide_code=True)
def _(block_checks):
    _worst = max(block_checks, key=lambda c: c.max_abs_diff)
    _kb = next(c for c in block_checks if c.gradient.endswith("attn.k.bias"))
    _ulps = _worst.max_abs_diff / (_worst.max_abs * np.finfo(np.float64).eps)
    mo.output.replace(
        mo.md(
            f"""
            The largest difference is {_worst.max_abs_diff:.1e}, on
            `{_worst.gradient}`: float64 rounding, about {_ulps:.0f} units
            in the last place of numbers of size {_worst.max_abs:.2g}. Two
            correct derivations that sum in different orders can agree no
            better than that.

            One row deserves a second look: `attn.k.bias`, whose gradient
            is about {_kb.max_abs:.0e}, zero up to rounding, whatever the
            seed. A bias $b$ added to every key adds $q_i \\cdot b$ to
            *every* score of query $i$; softmax does not change when a
            whole row is shifted, so the loss cannot depend on $b$. The
            key bias is a parameter that can never learn, which is why
            some models leave it out.
            """
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 7. Checking a gradient you derived

    Autograd is one yardstick; the oldest is the finite difference. For
    any entry $\theta$,
    $$
    \frac{\partial L}{\partial \theta} \approx
    \frac{L(\theta + h) - L(\theta - h)}{2h},
    $$
    with an error of order $h^2$. In float64, $h = 10^{-6}$ gives about
    six to eight correct digits, enough to catch a wrong sign, a missing
    transpose or a forgotten path. neuron's tests check
    `block_backward` both ways: against autograd to $10^{-10}$, and
    against central differences on a few entries. When you derive a new
    layer's backward, do the same before you trust it.
    """)
    return


@app.cell
def _():
    prompts = [
        Prompt(
            "linear-gradients",
            "Derive the three gradients of a linear layer Y = XW + b.",
            "dX = dY W^T, dW = X^T dY, db = the rows of dY summed. Each has the "
            "shape of what it differentiates, which fixes the order of the "
            "products; dW sums an outer product x_k^T dy_k over every row.",
        ),
        Prompt(
            "softmax-cross-entropy",
            "What is the gradient of -log softmax(z)_y with respect to z, and why "
            "is it so simple?",
            "p - onehot(y). The softmax Jacobian p_j (delta_ij - p_i) times the "
            "log's -1/p_y collapses: predicted minus true, with no division by "
            "a small probability.",
        ),
        Prompt(
            "layer-norm-backward",
            "What does layer norm's backward do to the incoming gradient?",
            "With g = dy * w: dx = rstd (g - mean(g) - xhat mean(g * xhat)). It "
            "removes the row mean and the component along xhat, then scales by "
            "1 / std; each row of dx sums to 0 and is orthogonal to xhat.",
        ),
        Prompt(
            "attention-backward",
            "Write the backward pass of one attention head O = softmax(s Q K^T) V.",
            "dV = P^T dO; dP = dO V^T; dS = P * (dP - rowsum(P * dP)), the "
            "rowsum being dO_i . O_i; dQ = s dS K; dK = s dS^T Q. Masked entries "
            "have P = 0 and pass no gradient.",
        ),
        Prompt(
            "residual-highway",
            "Why do residual connections help deep networks train?",
            "y = x + F(x) gives dx = dy + J_F^T dy: the upstream gradient passes "
            "through unchanged, so the gradient at the bottom is a sum of the "
            "blocks' contributions plus the top's, not a product of L Jacobians "
            "that could vanish or explode.",
        ),
        Prompt(
            "key-bias",
            "Why does the key projection's bias never receive a gradient?",
            "Adding b to every key adds q_i . b to every score in row i; softmax "
            "is unchanged by shifting a whole row, so the loss does not depend "
            "on b.",
        ),
    ]
    cards_button = recall_cards_button()
    mo.output.replace(
        mo.vstack(
            [mo.md("## Explain it from memory"), prompts_view(prompts), cards_button]
        )
    )
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
