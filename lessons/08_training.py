import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="8. Training · neuron")

with app.setup:
    import math

    import marimo as mo
    import numpy as np

    from neuron.curriculum import (
        Prompt,
        check_array,
        check_number,
        information,
        optimisers,
        record,
    )
    from neuron.curriculum.tiny_training import train_characters
    from neuron.paper.training import LABEL_SMOOTHING, LEARNING_RATE, smoothed_loss
    from neuron.store import Store, default_path
    from neuron.transformer.schedule import paper_lr
    from neuron.viz import training as charts
    from neuron.viz.lesson import (
        finish_lesson_button,
        finished_view,
        made_cards_view,
        prompts_view,
        recall_cards_button,
        verdict_view,
    )
    from neuron.viz.nav import header

    LESSON = "08_training"


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Training

    The previous lesson computed, for every weight, how the loss moves
    when the weight moves. This one answers the two questions left: *which
    loss*, and *how far to move*. A language model is trained to minimise
    its average surprise at the next token, a cross-entropy; the weights
    move by an optimiser (Adam, in the paper and nearly everywhere since)
    at a rate that a schedule raises and then lowers. At the end you
    train a small transformer on characters, live.
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 1. Surprise, entropy, cross-entropy

    If an outcome has probability $p$, seeing it carries a **surprise**
    of $-\log p$: zero for a certainty, one bit ($\log_2$) for a fair
    coin, and without bound as $p \to 0$. The logarithm is what makes
    surprises of independent events add, as their probabilities
    multiply.

    The **entropy** of a distribution is its expected surprise,
    $$
    H(p) = -\sum_i p_i \log p_i ,
    $$
    how unpredictable draws from $p$ are: $0$ when one outcome is certain,
    $\log V$ when all $V$ are equally likely.

    A model does not know $p$; it has its own guess $q$. Its surprise at
    draws from $p$ is the **cross-entropy**
    $$
    H(p, q) = -\sum_i p_i \log q_i
            = H(p)
            + \underbrace{\sum_i p_i \log \frac{p_i}{q_i}}_{\mathrm{KL}(p\,\|\,q)} .
    $$
    The **KL divergence** is the extra surprise paid for believing $q$
    when the truth is $p$. It is never negative and is zero only at
    $q = p$ (Gibbs' inequality), so the cross-entropy is smallest exactly
    when the model is right. $H(p)$ does not depend on the model:
    minimising cross-entropy *is* minimising KL. Note that KL is not a
    distance: $\mathrm{KL}(p\|q) \ne \mathrm{KL}(q\|p)$ in general, and a
    $q_i = 0$ where $p_i > 0$ makes it infinite.

    For a language model, $p$ at a position is one-hot on the token that
    actually came, $y$, and the cross-entropy is just $-\log q_y$, the
    loss of the previous lesson. Averaged over every position of the
    training text, it is *the* loss. Its exponential is the
    **perplexity**,
    $$
    \mathrm{PPL} = e^{\,\text{mean loss}} ,
    $$
    the number of equally likely tokens a model would have to choose
    between to be that surprised: perplexity 20 means "as unsure as a
    fair 20-sided die", whatever the vocabulary size.

    Move the sliders: the true distribution $p$ over four next tokens on
    the left, the model's $q$ on the right (each set is normalised to
    sum to 1).
    """)
    return


@app.cell
def _():
    words = ["cat", "dog", "mat", "hat"]
    p_sliders = mo.ui.array(
        [
            mo.ui.slider(0, 10, step=0.1, value=v, label=w)
            for w, v in zip(words, (6, 2, 1, 1), strict=True)
        ],
        label="true p",
    )
    q_sliders = mo.ui.array(
        [
            mo.ui.slider(0, 10, step=0.1, value=v, label=w)
            for w, v in zip(words, (3, 3, 2, 2), strict=True)
        ],
        label="model q",
    )
    mo.output.replace(mo.hstack([p_sliders, q_sliders], justify="start", gap=4))
    return p_sliders, q_sliders, words


@app.cell
def _(p_sliders, q_sliders, words):
    # All-zero sliders are not a distribution: fall back to uniform.
    _p = information.distribution(p_sliders.value if any(p_sliders.value) else [1] * 4)
    _q = information.distribution(q_sliders.value if any(q_sliders.value) else [1] * 4)
    _h = information.entropy(_p)
    _ce = information.cross_entropy(_p, _q)
    _kl = information.kl_divergence(_p, _q)
    _kl_back = information.kl_divergence(_q, _p)
    _rows = [
        {"quantity": "entropy H(p)", "nats": _h, "bits": _h / math.log(2)},
        {"quantity": "cross-entropy H(p, q)", "nats": _ce, "bits": _ce / math.log(2)},
        {
            "quantity": "KL(p || q) = H(p, q) - H(p)",
            "nats": _kl,
            "bits": _kl / math.log(2),
        },
        {
            "quantity": "KL(q || p), the other way",
            "nats": _kl_back,
            "bits": _kl_back / math.log(2),
        },
    ]
    _table = [
        {k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in row.items()}
        for row in _rows
    ]
    _ppl = "infinite" if math.isinf(_ce) else f"{information.perplexity(_ce):.3f}"
    mo.output.replace(
        mo.hstack(
            [
                charts.distribution_chart(words, {"p (true)": _p, "q (model)": _q}),
                mo.vstack(
                    [
                        mo.ui.table(_table, selection=None),
                        mo.md(
                            f"Perplexity of q on draws from p: $e^{{H(p,q)}}$ = "
                            f"**{_ppl}**; the best possible, $e^{{H(p)}}$, is "
                            f"{information.perplexity(_h):.3f}."
                        ),
                    ]
                ),
            ],
            justify="start",
            gap=2,
        )
    )
    return


@app.cell
def _():
    ex_entropy_p = np.array([0.5, 0.25, 0.125, 0.125])
    ex_kl_p, ex_kl_q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    ex_loss = 2.0
    entropy_input = mo.ui.number(label="H(p) in bits")
    kl_input = mo.ui.number(label="KL(p || q) in nats")
    ppl_input = mo.ui.number(label="perplexity")
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    r"""
                    **Exercise 1.** The entropy, in bits, of
                    $p = (\tfrac12, \tfrac14, \tfrac18, \tfrac18)$.

                    **Exercise 2.** $\mathrm{KL}(p\,\|\,q)$ in nats for
                    $p = (0.5, 0.5)$ and $q = (0.9, 0.1)$.

                    **Exercise 3.** A model's validation loss is 2.0 nats per
                    token. What is its perplexity?
                    """
                ),
                mo.hstack([entropy_input, kl_input, ppl_input], justify="start"),
            ]
        )
    )
    return (
        entropy_input,
        ex_entropy_p,
        ex_kl_p,
        ex_kl_q,
        ex_loss,
        kl_input,
        ppl_input,
    )


@app.cell
def _(
    entropy_input,
    ex_entropy_p,
    ex_kl_p,
    ex_kl_q,
    ex_loss,
    kl_input,
    ppl_input,
    store,
):
    _v1 = check_number(
        entropy_input.value,
        information.entropy(ex_entropy_p, base=2),
        hint="Surprises of 1, 2, 3 and 3 bits, weighted by their probabilities.",
    )
    _v2 = check_number(
        kl_input.value,
        information.kl_divergence(ex_kl_p, ex_kl_q),
        hint="0.5 ln(0.5 / 0.9) + 0.5 ln(0.5 / 0.1).",
    )
    _v3 = check_number(
        ppl_input.value,
        information.perplexity(ex_loss),
        hint="Perplexity is e to the mean loss in nats.",
    )
    for _key, _v in (("entropy", _v1), ("kl", _v2), ("perplexity", _v3)):
        record(store, LESSON, _key, _v)
    mo.output.replace(
        mo.hstack(
            [verdict_view(_v1), verdict_view(_v2), verdict_view(_v3)], widths="equal"
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(
        r"""
    ## 2. Label smoothing

    Cross-entropy against a one-hot target rewards certainty without
    limit: the loss only reaches 0 at $q_y = 1$, which needs the right
    logit to be infinitely larger than the rest. The paper (section 5.4)
    trains instead against a softened target: $1 - \epsilon$ on the right
    token and $\epsilon$ spread evenly over all $V$,
    $$
    """
        + LABEL_SMOOTHING.latex
        + r"""
    $$
    The best prediction is now that target itself, with
    $q_y = 1 - \epsilon + \epsilon / V$, and its loss is the target's
    entropy, not 0. A model pushed past that point, towards certainty,
    pays more. The paper reports that this hurts perplexity (the model is
    deliberately less sure) but improves accuracy and BLEU.
    """
    )
    return


@app.cell
def _():
    eps_slider = mo.ui.slider(0.0, 0.5, step=0.01, value=0.1, label="epsilon")
    vocab_slider = mo.ui.slider(2, 50, step=1, value=10, label="V")
    mo.output.replace(mo.hstack([eps_slider, vocab_slider], justify="start", gap=2))
    return eps_slider, vocab_slider


@app.cell
def _(eps_slider, vocab_slider):
    smooth_eps, smooth_V = float(eps_slider.value), int(vocab_slider.value)
    _target = information.smoothed_target(0, smooth_V, smooth_eps)  # (V,)
    _preds = {
        "confident: q_y = 0.999": information.distribution(
            [0.999] + [0.001 / (smooth_V - 1)] * (smooth_V - 1)
        ),
        "the smoothed target": _target,
        "uniform": information.distribution([1.0] * smooth_V),
    }
    _ids = np.zeros((1, 1), dtype=np.int64)  # (B, T), the right token is 0
    _rows = []
    for _name, _q in _preds.items():
        _logits = np.log(_q)[None, None]  # (1, 1, V)
        _rows.append(
            {
                "prediction": _name,
                "q_y": f"{_q[0]:.4f}",
                "plain loss -log q_y": f"{smoothed_loss(_logits, _ids, 0.0):.4f}",
                "smoothed loss": f"{smoothed_loss(_logits, _ids, smooth_eps):.4f}",
            }
        )
    mo.output.replace(
        mo.vstack(
            [
                mo.ui.table(_rows, selection=None),
                mo.md(
                    f"With label smoothing the smoothed target scores best; its "
                    f"loss, {information.entropy(_target):.4f}, is the target's "
                    f"entropy. (Losses by `neuron.paper.training.smoothed_loss`.)"
                ),
            ]
        )
    )
    return smooth_V, smooth_eps


@app.cell
def _(smooth_V, smooth_eps):
    smooth_input = mo.ui.number(label="best q_y")
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"**Exercise 4.** With $\\epsilon = {smooth_eps:g}$ and "
                    f"$V = {smooth_V}$, what probability should the model give "
                    "the right token to minimise the smoothed loss?"
                ),
                smooth_input,
            ]
        )
    )
    return (smooth_input,)


@app.cell
def _(smooth_V, smooth_eps, smooth_input, store):
    _v = check_number(
        smooth_input.value,
        float(information.smoothed_target(0, smooth_V, smooth_eps)[0]),
        rtol=1e-3,
        hint="The right token keeps 1 - eps and gets its share eps / V.",
    )
    record(store, LESSON, "label-smoothing", _v)
    mo.output.replace(verdict_view(_v))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 3. Optimisers

    **Gradient descent** takes a step against the gradient,
    $w \leftarrow w - \eta\, g$. The gradient says which way is down
    *here*; the learning rate $\eta$ says how far to trust it. On a
    valley that is steep across and shallow along, the two demands
    conflict: $\eta$ must be small enough not to overshoot across (on
    $\tfrac12(x^2 + 25 y^2)$, plain descent diverges for
    $\eta > 2/25 = 0.08$), and then it crawls along. Real loss surfaces
    are full of such valleys: some directions are hundreds of times
    steeper than others.

    **Momentum** keeps a velocity, $v \leftarrow \mu v + g$,
    $w \leftarrow w - \eta v$. Across the valley the gradient flips sign
    every step and the velocity cancels; along it the gradients agree
    and add up to about $g/(1-\mu)$, ten times faster for $\mu = 0.9$.

    **Adam** (Kingma and Ba, 2015) keeps two running averages per
    coordinate, of the gradient and of its square,
    $$
    m \leftarrow \beta_1 m + (1-\beta_1) g, \quad
    v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
    w \leftarrow w - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon},
    $$
    with $\hat m = m / (1 - \beta_1^t)$ and $\hat v = v / (1-\beta_2^t)$
    undoing the bias of starting both at zero. Each coordinate moves by
    its mean gradient over its typical size: about $\eta$ per step
    whether its gradients are large or tiny. That per-coordinate scale
    is why Adam needs so little tuning, and also its limit: on the
    *turned* valley the steep direction is not a coordinate axis, and
    Adam zigzags too. The paper used Adam with $\beta_1 = 0.9$,
    $\beta_2 = 0.98$, $\epsilon = 10^{-9}$; most models since use AdamW,
    Adam with the weight decay taken out of the gradient
    (`neuron.transformer.optim.make_optimizer`).

    Try each surface. On the ravine, push the SGD rate past 0.08 and
    watch it diverge; on Rosenbrock's banana, whose start is far steeper,
    plain descent needs a rate near 0.002 and blows up at 0.005, while
    Adam's step size barely depends on the steepness at all.

    The update rules here are PyTorch's, step for step
    (`neuron.curriculum.optimisers`, tested against `torch.optim`).
    """)
    return


@app.cell
def _():
    surface_menu = mo.ui.dropdown(
        options={s.title: s.name for s in optimisers.SURFACES.values()},
        value=optimisers.SURFACES["ravine"].title,
        label="surface",
    )
    sgd_lr = mo.ui.slider(
        steps=[0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.08, 0.09],
        value=0.03,
        label="SGD and momentum rate",
    )
    adam_lr = mo.ui.slider(
        steps=[0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
        value=0.1,
        label="Adam rate",
    )
    mu_slider = mo.ui.slider(0.0, 0.99, step=0.01, value=0.9, label="momentum mu")
    steps_slider = mo.ui.slider(5, 300, step=5, value=60, label="steps")
    mo.output.replace(
        mo.vstack(
            [
                mo.hstack([surface_menu, steps_slider], justify="start", gap=2),
                mo.hstack([sgd_lr, mu_slider, adam_lr], justify="start", gap=2),
            ]
        )
    )
    return adam_lr, mu_slider, steps_slider, sgd_lr, surface_menu


@app.cell
def _(adam_lr, mu_slider, sgd_lr, steps_slider, surface_menu):
    _where = optimisers.surface(surface_menu.value)
    _n = int(steps_slider.value)
    _runs = {
        "sgd": optimisers.trajectory("sgd", _where, lr=sgd_lr.value, steps=_n),
        "momentum": optimisers.trajectory(
            "momentum", _where, lr=sgd_lr.value, steps=_n, momentum=mu_slider.value
        ),
        "adam": optimisers.trajectory("adam", _where, lr=adam_lr.value, steps=_n),
    }
    _rows = [
        {
            "optimiser": name,
            "steps taken": len(run.points) - 1,
            "final loss": "diverged" if run.diverged else f"{run.losses[-1]:.3g}",
            "final point": "-"
            if run.diverged
            else f"({run.points[-1][0]:.3f}, {run.points[-1][1]:.3f})",
        }
        for name, run in _runs.items()
    ]
    mo.output.replace(
        mo.hstack(
            [
                charts.surface_chart(
                    optimisers.surface_grid(_where),
                    {name: run.points for name, run in _runs.items()},
                    _where.minimum,
                ),
                mo.ui.table(_rows, selection=None),
            ],
            justify="start",
            gap=2,
        )
    )
    return


@app.cell
def _():
    _where = optimisers.surface("ravine")
    opt_start = (2.0, 1.0)
    opt_sgd = optimisers.trajectory("sgd", _where, lr=0.01, steps=1, start=opt_start)
    opt_adam = optimisers.trajectory("adam", _where, lr=0.1, steps=1, start=opt_start)
    sgd_input = mo.ui.matrix(
        np.zeros((1, 2)),
        min_value=-10,
        max_value=10,
        step=0.001,
        precision=3,
        label="w after one SGD step",
    )
    adam_input = mo.ui.matrix(
        np.zeros((1, 2)),
        min_value=-10,
        max_value=10,
        step=0.001,
        precision=3,
        label="w after one Adam step",
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    r"""
                    **Exercise 5.** On the ravine
                    $\tfrac12(x^2 + 25y^2)$, start at $w = (2, 1)$. Where is
                    $w$ after one step of plain gradient descent with
                    $\eta = 0.01$?

                    **Exercise 6.** And after one step of Adam with
                    $\eta = 0.1$ (the default $\beta$s, $\epsilon = 10^{-8}$)?
                    Think about what $\hat m / \sqrt{\hat v}$ is at $t = 1$.
                    """
                ),
                mo.hstack([sgd_input, adam_input], justify="start", gap=2),
            ]
        )
    )
    return adam_input, opt_adam, opt_sgd, sgd_input


@app.cell
def _(adam_input, opt_adam, opt_sgd, sgd_input, store):
    _g1 = sgd_input.value if np.any(sgd_input.value) else None
    _g2 = adam_input.value if np.any(adam_input.value) else None
    _v1 = check_array(
        None if _g1 is None else np.asarray(_g1)[0],
        opt_sgd.points[1],
        hint="The gradient at (x, y) is (x, 25 y).",
    )
    _v2 = check_array(
        None if _g2 is None else np.asarray(_g2)[0],
        opt_adam.points[1],
        hint="At t = 1, m_hat = g and v_hat = g^2: the step is lr times sign(g).",
    )
    record(store, LESSON, "sgd-step", _v1)
    record(store, LESSON, "adam-step", _v2)
    mo.output.replace(mo.hstack([verdict_view(_v1), verdict_view(_v2)], widths="equal"))
    return


@app.cell(hide_code=True)
def _():
    mo.md(
        r"""
    ## 4. The warmup schedule

    The paper does not keep $\eta$ fixed. Its equation (3) is
    $$
    """
        + LEARNING_RATE.latex
        + r"""
    $$
    For the first `warmup_steps` the second term is smaller and the rate
    climbs in a straight line; after that the first term takes over and
    the rate decays as $1/\sqrt{t}$. The two meet at
    $t = \text{warmup}$, where the rate peaks at
    $(d_{model} \cdot \text{warmup})^{-1/2}$. The factor
    $d_{model}^{-1/2}$ gives wider models smaller steps.

    Why start slowly? At step 1 the weights are random and the
    gradients large and inconsistent; Adam's $\hat v$ is an average of a
    single squared gradient, so every coordinate moves by a full $\eta$
    on almost no evidence. In a post-LN transformer (the paper's) the
    gradients near the output are also much larger than those near the
    input at initialisation. A full-size step then can throw the model
    into a region it never recovers from; a few thousand small steps let
    the statistics settle first. Later models moved the layer norm
    before each sublayer (pre-LN, lesson 6) and mostly use a short
    linear warmup and a cosine decay (`neuron.transformer.schedule.
    cosine_lr`), but the warmup stayed.
    """
    )
    return


@app.cell
def _():
    d_model_slider = mo.ui.slider(
        steps=[64, 128, 256, 512, 768, 1024], value=512, label="d_model"
    )
    warmup_slider = mo.ui.slider(100, 8000, step=100, value=4000, label="warmup")
    mo.output.replace(
        mo.hstack([d_model_slider, warmup_slider], justify="start", gap=2)
    )
    return d_model_slider, warmup_slider


@app.cell
def _(d_model_slider, warmup_slider):
    _d, _w = int(d_model_slider.value), int(warmup_slider.value)
    _steps = np.unique(np.linspace(1, 25_000, 600).astype(int))  # (n,)
    _rates = {
        f"paper, d_model {_d}, warmup {_w}": [paper_lr(int(t), _d, _w) for t in _steps],
        "paper, base model (512, 4000)": [paper_lr(int(t), 512, 4000) for t in _steps],
    }
    mo.output.replace(
        mo.vstack(
            [
                charts.schedule_chart(_steps, _rates, peak_step=_w),
                mo.md(
                    f"Peak at step {_w}: $(d_{{model}} \\cdot warmup)^{{-1/2}}$ = "
                    f"{paper_lr(_w, _d, _w):.3e}; at step 25,000 the rate is "
                    f"{paper_lr(25_000, _d, _w):.3e}."
                ),
            ]
        )
    )
    return


@app.cell
def _():
    peak_input = mo.ui.text(label="peak rate", placeholder="e.g. 1.5e-3")
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    "**Exercise 7.** The paper's base model has "
                    "$d_{model} = 512$ and 4000 warmup steps. What is its "
                    "highest learning rate?"
                ),
                peak_input,
            ]
        )
    )
    return (peak_input,)


@app.cell
def _(peak_input, store):
    _v = check_number(
        peak_input.value,
        paper_lr(4000, 512, 4000),
        rtol=1e-2,
        atol=0.0,
        hint="Both branches meet at step = warmup: (512 * 4000)^-0.5.",
    )
    record(store, LESSON, "warmup-peak", _v)
    mo.output.replace(verdict_view(_v))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## 5. A hundred steps, live

    Everything together: a two-block transformer of width 64 (about a
    hundred thousand parameters) reads real text one character at a
    time and learns to predict the next one, with cross-entropy,
    AdamW, gradient clipping and the paper's schedule (with $d_{model} =
    64$). Before training its loss should be near $\ln V$, the loss of a
    uniform guess over the $V$ characters it has seen; watch how far a
    hundred steps bring it, and what its perplexity becomes. This takes
    from a few seconds to a minute, depending on the machine; nothing is
    saved.
    """)
    return


@app.cell
def _():
    live_warmup = mo.ui.slider(1, 100, step=1, value=30, label="warmup steps")
    live_smoothing = mo.ui.slider(
        0.0, 0.3, step=0.05, value=0.0, label="label smoothing"
    )
    train_button = mo.ui.run_button(label="Train for 100 steps")
    mo.output.replace(
        mo.hstack([live_warmup, live_smoothing, train_button], justify="start", gap=2)
    )
    return live_smoothing, live_warmup, train_button


@app.cell
def _(live_smoothing, live_warmup, train_button):
    mo.stop(not train_button.value, mo.md("_Press the button to train._"))
    with mo.status.progress_bar(total=10, title="training") as _bar:
        _result, _source = train_characters(
            100,
            warmup=int(live_warmup.value),
            label_smoothing=float(live_smoothing.value),
            progress=lambda report: _bar.update(
                subtitle=f"step {report.step}: loss {report.loss:.3f}"
            ),
        )
    _V = _result.model.config.vocab_size
    _val = _result.final_val_loss
    _sample = _result.samples[max(_result.samples)] if _result.samples else ""
    mo.output.replace(
        mo.vstack(
            [
                charts.loss_curve(_result.losses, _result.val_losses),
                mo.md(
                    f"""
                    Text: {_source}; {_V} distinct characters, so a uniform
                    guess has loss $\\ln {_V}$ = {math.log(_V):.3f} and
                    perplexity {_V}. After 100 steps the validation loss is
                    {_val:.3f} nats per character: perplexity
                    **{information.perplexity(_val):.2f}**. The model now
                    hesitates between about that many characters, where it
                    started with all {_V}.

                    What it writes now:
                    """
                ),
                mo.plain_text(_sample),
            ]
        )
    )
    return


@app.cell
def _():
    prompts = [
        Prompt(
            "cross-entropy-kl",
            "How are entropy, cross-entropy and KL divergence related, and why "
            "does minimising cross-entropy make the model right?",
            "H(p, q) = H(p) + KL(p || q). H(p) does not depend on the model and "
            "KL >= 0 with equality only at q = p, so the cross-entropy is "
            "smallest exactly when q = p.",
        ),
        Prompt(
            "perplexity",
            "What is perplexity and how do you read it?",
            "exp(mean cross-entropy in nats). The number of equally likely "
            "choices that would be as surprising: a uniform guess over k tokens "
            "has perplexity k.",
        ),
        Prompt(
            "label-smoothing",
            "What does label smoothing change in the loss, and what is the best "
            "prediction under it?",
            "The target becomes (1 - eps) one_hot(y) + eps / V. The best q is "
            "that target, q_y = 1 - eps + eps / V, with loss equal to its "
            "entropy; confidence beyond it is penalised.",
        ),
        Prompt(
            "adam",
            "Write Adam's update and say why it needs little tuning.",
            "m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; bias-correct by "
            "1 - b^t; w -= lr m_hat / (sqrt(v_hat) + eps). Each coordinate moves "
            "about lr whatever its gradient's scale.",
        ),
        Prompt(
            "warmup",
            "State the paper's learning-rate schedule and why it warms up.",
            "lr = d_model^-0.5 min(t^-0.5, t warmup^-1.5): linear to a peak of "
            "(d_model warmup)^-0.5 at t = warmup, then 1/sqrt(t). Early "
            "gradients and Adam's second-moment estimates are unreliable, and "
            "post-LN gradients are large at first, so full steps can diverge.",
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
