"""The roadmap: the seven mathematical domains a transformer is built from,
the 12-week plan through the track, and where the learner stands in it.

``DOMAINS`` says, for each domain, where it lives in the transformer and
which lessons and ``neuron`` modules teach it. ``PLAN`` gives each week its
goals and lessons (slugs of ``neuron.curriculum.track``; a lesson belongs to
the week its ``Lesson.week`` names, and a week may revisit earlier ones).
``standing`` reads the store's progress rows (``Store.progress()``: items
such as ``"exercise:scores"`` and ``"finished"``) and says how far each
lesson and week has got and which week the learner is in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from neuron.curriculum.track import TRACK, lesson

__all__ = [
    "DOMAINS",
    "PLAN",
    "Domain",
    "LessonProgress",
    "Standing",
    "Week",
    "WeekProgress",
    "standing",
    "week_of",
]


@dataclass(frozen=True)
class Domain:
    """A mathematical domain and its place in the transformer.

    Attributes:
        key: a short stable name, e.g. ``"linear-algebra"``.
        name: what the roadmap calls it.
        in_transformer: where it lives in the model, in a few sentences
            (markdown, LaTeX allowed).
        lessons: slugs of the lessons that teach it, in track order.
        modules: dotted ``neuron`` modules where its code can be read.
    """

    key: str
    name: str
    in_transformer: str
    lessons: tuple[str, ...]
    modules: tuple[str, ...]


DOMAINS: tuple[Domain, ...] = (
    Domain(
        "linear-algebra",
        "Linear algebra",
        "Every token is a vector and almost every step is a matrix product: "
        "the embedding lookup, the projections $XW_Q, XW_K, XW_V$, the scores "
        "$QK^\\top$ (dot products measure alignment), the weighted sum of "
        "values, the feed-forward layers and the unembedding. Heads are "
        "subspaces; a fixed positional offset is a rotation.",
        (
            "01_vectors",
            "04_embeddings_and_positions",
            "05_attention",
            "06_transformer_block",
        ),
        (
            "neuron.embeddings.geometry",
            "neuron.attention.reference",
            "neuron.attention.heads",
            "neuron.transformer.layers",
        ),
    ),  # fmt: skip
    Domain(
        "probability",
        "Probability and statistics",
        "Softmax turns scores into a distribution over keys or over the "
        "vocabulary; a language model is a conditional distribution "
        "$p(x_t \\mid x_{<t})$; sampling with a temperature draws from it. "
        "Initialisation, dropout and layer norm are statements about means "
        "and variances; $1/\\sqrt{d_k}$ keeps the variance of a score at 1.",
        ("02_word2vec", "05_attention", "06_transformer_block", "08_training"),
        (
            "neuron.softmax.reference",
            "neuron.word2vec.pairs",
            "neuron.transformer.sampling",
            "neuron.attention.steps",
        ),
    ),  # fmt: skip
    Domain(
        "measure-theory",
        "Measure theory",
        "The ground under probability: a distribution over an infinite set "
        "of token sequences built from finite conditionals, expectations as "
        "integrals (an attention output is the expectation of the values "
        "under the attention weights; a loss is an expectation over the "
        "data), masking as a distribution with zero mass on some keys, and "
        "why a density ratio (KL) needs one measure to be absolutely "
        "continuous with respect to the other.",
        ("05_attention", "08_training"),
        ("neuron.attention.reference", "neuron.transformer.optim"),
    ),
    Domain(
        "matrix-calculus",
        "Matrix calculus",
        "Backpropagation is the chain rule on matrices: the gradient of "
        "softmax is $y \\odot (dy - \\langle dy, y\\rangle)$, of a product "
        "$AB$ is $dA = dC\\,B^\\top$, of layer norm a projection; "
        "FlashAttention's backward recomputes probabilities from the saved "
        "log-sum-exp. Every gradient is derived by hand and checked against "
        "autograd.",
        ("02_word2vec", "07_backpropagation"),
        (
            "neuron.softmax.reference",
            "neuron.attention.reference",
            "neuron.transformer.backward",
            "neuron.word2vec.reference",
        ),
    ),  # fmt: skip
    Domain(
        "optimisation",
        "Optimisation",
        "Training minimises the cross-entropy by stochastic gradient "
        "descent: Adam's moments, weight decay, gradient clipping, and the "
        "paper's learning rate, a linear warmup then $1/\\sqrt{step}$ "
        "decay. Residual connections and layer norm shape the loss surface "
        "so that deep stacks train at all.",
        ("02_word2vec", "08_training"),
        (
            "neuron.transformer.optim",
            "neuron.transformer.schedule",
            "neuron.transformer.train",
        ),
    ),  # fmt: skip
    Domain(
        "information-theory",
        "Information theory",
        "The loss is cross-entropy, the number of nats the model needs per "
        "token; perplexity is its exponential; cross-entropy is entropy "
        "plus the KL divergence from the data. Label smoothing mixes the "
        "target with the uniform distribution; tokenisers like BPE are "
        "compressors, and a good one makes shorter sequences.",
        ("03_tokenisation", "08_training"),
        ("neuron.transformer.optim", "neuron.text.bpe"),
    ),
    Domain(
        "numerical-analysis",
        "Numerical analysis",
        "Floating point decides what can be computed: softmax must subtract "
        "the maximum, log-softmax uses log-sum-exp, FlashAttention's online "
        "softmax rescales partial sums tile by tile, and bfloat16 or "
        "float16 trade digits for speed. The three paths (NumPy, PyTorch, "
        "the engine) agree only up to stated tolerances.",
        ("07_backpropagation", "09_numerics"),
        (
            "neuron.softmax.reference",
            "neuron.attention.flash",
            "neuron.attention.engine",
            "neuron.curriculum.numerics",
        ),
    ),  # fmt: skip
)


@dataclass(frozen=True)
class Week:
    """One week of the 12-week plan.

    Attributes:
        number: 1 to 12.
        title: the week's theme.
        goals: what the learner can do at the end of it.
        lessons: the lessons first met this week (their ``Lesson.week``).
        revisit: earlier lessons to come back to this week.
    """

    number: int
    title: str
    goals: tuple[str, ...]
    lessons: tuple[str, ...] = ()
    revisit: tuple[str, ...] = ()


PLAN: tuple[Week, ...] = (
    Week(
        1,
        "Vectors and the map",
        (
            "read the roadmap and place each domain in the model",
            "compute dot products, cosines and projections by hand",
        ),
        ("00_roadmap", "01_vectors"),
    ),  # fmt: skip
    Week(
        2,
        "Word2vec",
        (
            "derive the skip-gram gradients with negative sampling",
            "train embeddings and find neighbours and analogies",
        ),
        ("02_word2vec",),
    ),  # fmt: skip
    Week(
        3,
        "Tokens",
        (
            "train byte-level BPE and explain each merge",
            "say why subwords beat words and characters",
        ),
        ("03_tokenisation",),
    ),  # fmt: skip
    Week(
        4,
        "Embeddings and positions",
        (
            "build token and sinusoidal position tables",
            "show that PE(pos + k) is a rotation of PE(pos)",
        ),
        ("04_embeddings_and_positions",),
    ),  # fmt: skip
    Week(
        5,
        "Attention",
        (
            "write scaled dot-product attention from its equation",
            "explain the 1/sqrt(d_k) and the causal mask",
        ),
        ("05_attention",),
    ),  # fmt: skip
    Week(
        6,
        "The block",
        (
            "assemble heads, residuals, layer norm and the feed-forward network",
            "count a model's parameters from its configuration",
        ),
        ("06_transformer_block",),
    ),  # fmt: skip
    Week(
        7,
        "Backpropagation",
        ("derive every gradient of a block by hand", "check each against autograd"),
        ("07_backpropagation",),
    ),  # fmt: skip
    Week(
        8,
        "A whole model",
        (
            "compose a model in the Builder and read its shapes and FLOPs",
            "trace one forward and backward pass end to end",
        ),
        (),
        ("06_transformer_block", "07_backpropagation"),
    ),  # fmt: skip
    Week(
        9,
        "Training",
        (
            "relate cross-entropy, entropy, KL and perplexity",
            "train a small GPT with warmup and read its curves",
        ),
        ("08_training",),
    ),  # fmt: skip
    Week(
        10,
        "Numerics",
        (
            "make softmax and log-sum-exp stable and say why",
            "run the online softmax and FlashAttention's tiles by hand",
        ),
        ("09_numerics",),
    ),  # fmt: skip
    Week(
        11,
        "Speed",
        (
            "benchmark the engine against PyTorch and explain the ratio",
            "measure the error of each precision on each path",
        ),
        (),
        ("09_numerics",),
    ),  # fmt: skip
    Week(
        12,
        "Capstone",
        ("write every equation of the paper from memory", "pass the checker on each"),
        ("10_capstone",),
    ),  # fmt: skip
)


class _Row(Protocol):
    lesson: str
    item: str


@dataclass(frozen=True)
class LessonProgress:
    """How far the learner has got in one lesson.

    Attributes:
        slug, title, week: from the track.
        exercises: the keys of the exercises answered correctly, sorted.
        finished: whether the lesson was marked finished.
    """

    slug: str
    title: str
    week: int
    exercises: tuple[str, ...]
    finished: bool

    @property
    def status(self) -> str:
        """``"finished"``, ``"started"`` (some exercise done) or ``"not started"``."""
        if self.finished:
            return "finished"
        return "started" if self.exercises else "not started"


@dataclass(frozen=True)
class WeekProgress:
    """A week of the plan with the progress of its lessons.

    Attributes:
        week: the plan's week.
        lessons: the progress of the lessons first met that week.
        done: True when every one of them is finished; a week without
            lessons of its own is done when the week before it is and a
            lesson of the week after it is begun.
    """

    week: Week
    lessons: tuple[LessonProgress, ...]
    done: bool


@dataclass(frozen=True)
class Standing:
    """Where the learner stands in the plan.

    Attributes:
        lessons: every lesson of the track, in order, with its progress.
        weeks: every week of the plan with its lessons' progress.
        current_week: the first week not done, or the last week when the
            whole plan is done.
        complete: every lesson of the track is finished.
    """

    lessons: tuple[LessonProgress, ...]
    weeks: tuple[WeekProgress, ...]
    current_week: int
    complete: bool

    @property
    def finished_count(self) -> int:
        """How many lessons are finished."""
        return sum(item.finished for item in self.lessons)


def standing(rows: Iterable[_Row]) -> Standing:
    """Turn the store's progress rows into the learner's standing.

    Args:
        rows: ``Store.progress()``, or any objects with ``lesson`` and
            ``item``. Items ``"exercise:<key>"`` count as exercises and
            ``"finished"`` marks the lesson finished; rows of lessons the
            track does not know, and other items, are ignored.

    Returns:
        A ``Standing``; with no rows, nothing is started and the learner
        is in week 1.
    """
    exercises: dict[str, set[str]] = {item.slug: set() for item in TRACK}
    finished: set[str] = set()
    for row in rows:
        if row.lesson not in exercises:
            continue
        if row.item == "finished":
            finished.add(row.lesson)
        elif row.item.startswith("exercise:"):
            exercises[row.lesson].add(row.item.removeprefix("exercise:"))

    by_slug = {
        item.slug: LessonProgress(
            item.slug,
            item.title,
            item.week,
            tuple(sorted(exercises[item.slug])),
            item.slug in finished,
        )
        for item in TRACK
    }

    # A week is done when its own lessons are finished. A week with none
    # (practice, revision) is done once the week before it is and the
    # learner has begun the week after, so finishing week 7 leads to week 8
    # rather than past it.
    weeks, previous_done = [], True
    for number, week in enumerate(PLAN):
        own = tuple(by_slug[slug] for slug in week.lessons)
        if own:
            done = all(item.finished for item in own)
        else:
            after = PLAN[number + 1].lessons if number + 1 < len(PLAN) else ()
            begun = any(by_slug[slug].status != "not started" for slug in after)
            done = previous_done and begun
        weeks.append(WeekProgress(week, own, done))
        previous_done = done
    complete = all(item.finished for item in by_slug.values())
    current = next((w.week.number for w in weeks if not w.done), PLAN[-1].number)
    return Standing(tuple(by_slug.values()), tuple(weeks), current, complete)


def week_of(slug: str) -> Week:
    """The week of the plan that first meets the lesson ``slug``.

    Raises:
        InvalidArgumentError: no lesson has that slug.
    """
    return PLAN[lesson(slug).week - 1]
