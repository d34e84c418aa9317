"""The track of lessons, from vectors to FlashAttention.

Each lesson is a marimo notebook ``lessons/<slug>.py``. The track names
them in order with what each teaches, so the home page, the roadmap and
the static site can list the lessons before (and whether) their notebooks
exist; ``neuron.paths.lessons()`` says which do.
"""

from dataclasses import dataclass

from neuron.errors import InvalidArgumentError


@dataclass(frozen=True)
class Lesson:
    """One lesson of the track.

    Attributes:
        number: its place in the track, from 0 (the roadmap).
        slug: the notebook's file name without ``.py``, e.g. ``"05_attention"``.
        title: what links to it say.
        summary: one line on what it teaches.
        week: the week of the 12-week plan it belongs to.
    """

    number: int
    slug: str
    title: str
    summary: str
    week: int


TRACK: tuple[Lesson, ...] = (
    Lesson(
        0,
        "00_roadmap",
        "Roadmap",
        "the seven mathematical domains, where each lives in the transformer, "
        "and a 12-week plan",
        1,
    ),
    Lesson(
        1,
        "01_vectors",
        "Vectors",
        "meaning as direction and magnitude: dot product, cosine, projection",
        1,
    ),
    Lesson(
        2,
        "02_word2vec",
        "Word2vec from scratch",
        "skip-gram with negative sampling, its gradients by hand, trained live",
        2,
    ),
    Lesson(
        3,
        "03_tokenisation",
        "Tokenisation",
        "byte-level BPE trained in front of you",
        3,
    ),
    Lesson(
        4,
        "04_embeddings_and_positions",
        "Embeddings and positional encodings",
        "token tables, sinusoids and why PE(pos + k) is linear in PE(pos)",
        4,
    ),
    Lesson(
        5,
        "05_attention",
        "Attention",
        "queries, keys and values; why 1/sqrt(d_k); masks",
        5,
    ),
    Lesson(
        6,
        "06_transformer_block",
        "Multi-head attention and the block",
        "heads, residuals, layer norm and the feed-forward network",
        6,
    ),
    Lesson(
        7,
        "07_backpropagation",
        "Backpropagation by hand",
        "the matrix calculus of a block, every gradient checked by autograd",
        7,
    ),
    Lesson(
        8,
        "08_training",
        "Training",
        "cross-entropy, entropy, KL and perplexity; optimisers; warmup",
        9,
    ),
    Lesson(
        9,
        "09_numerics",
        "Numerics",
        "floating point, log-sum-exp, the online softmax and FlashAttention",
        10,
    ),
    Lesson(
        10,
        "10_capstone",
        "Capstone",
        'every equation of "Attention Is All You Need" from memory',
        12,
    ),
)

_BY_SLUG = {lesson.slug: lesson for lesson in TRACK}


def lesson(slug: str) -> Lesson:
    """Return the lesson with this slug.

    Raises:
        InvalidArgumentError: no lesson has it (the message lists them).
    """
    found = _BY_SLUG.get(slug) if isinstance(slug, str) else None
    if found is None:
        raise InvalidArgumentError(
            f"expected a lesson slug, one of {', '.join(_BY_SLUG)}; got {slug!r}"
        )
    return found
