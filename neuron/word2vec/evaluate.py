"""How good are the vectors? Analogies and word similarity, as DataFrames.

Two standard intrinsic evaluations:

- Analogy accuracy (Mikolov et al., 2013): questions "a b c d" meaning
  a : b :: c : d, grouped under ": section" lines (the questions-words
  format). A question counts as correct when the best answer to
  ``analogy(a, b, c)``, among the first ``restrict_vocab`` words, is d.
- Similarity correlation: word pairs with human scores (WordSim-353,
  SimLex-999 and the like); the Spearman rank correlation between those
  scores and the cosine of the two vectors.

Both compare words case-insensitively, like the standard evaluation: a word
matches the most frequent vector whose lowercase form equals its own.

With ``path=None`` both use the project's own small sets in
``neuron/word2vec/data/`` (see the README there), made to fit the bundled
public-domain novels; pass the path of a standard file for published numbers.
"""

import os
from pathlib import Path

import numpy as np
import polars as pl

from neuron.errors import DataFileError, InvalidArgumentError
from neuron.word2vec.vectors import Vectors

__all__ = [
    "ANALOGY_FILE",
    "SIMILARITY_FILE",
    "analogy_accuracy",
    "rank",
    "similarity_correlation",
    "spearman",
]

DATA = Path(__file__).parent / "data"
ANALOGY_FILE = DATA / "analogies.txt"
SIMILARITY_FILE = DATA / "similarity.tsv"

# Questions answered per matrix product: (Q, V') float32 scores stay small.
_BATCH = 256


def _lowercase_index(vectors: Vectors, restrict_vocab: int | None) -> dict[str, int]:
    """lowercase word -> row of its most frequent spelling, among the first n."""
    words = vectors.words if restrict_vocab is None else vectors.words[:restrict_vocab]
    index: dict[str, int] = {}
    for i, word in enumerate(words):
        index.setdefault(word.lower(), i)
    return index


# ---- analogies ---------------------------------------------------------------


def read_analogies(path: str | os.PathLike) -> list[tuple[str, list[list[str]]]]:
    """Read a questions-words file: sections and their lowercase questions.

    Questions before the first ": section" line go to a section "(none)".
    Blank lines and lines starting with # are skipped.

    Returns:
        (section, [[a, b, c, d], ...]) in file order.

    Raises:
        DataFileError: a line that is neither a section nor four words.
    """
    path = Path(path)
    sections: list[tuple[str, list[list[str]]]] = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith(":"):
                sections.append((line[1:].strip(), []))
                continue
            words = line.lower().split()
            if len(words) != 4:
                raise DataFileError(
                    f"{path}, line {number}: expected four words 'a b c d' or a "
                    f"': section' line, got {line[:80]!r}",
                    file=path,
                    line=number,
                )
            if not sections:
                sections.append(("(none)", []))
            sections[-1][1].append(words)
    return sections


def analogy_accuracy(
    vectors: Vectors,
    path: str | os.PathLike | None = None,
    restrict_vocab: int | None = 30_000,
    method: str = "3cosadd",
) -> pl.DataFrame:
    """Analogy accuracy per section and in total.

    Args:
        vectors: the vectors to evaluate.
        path: a questions-words file; None uses the project's own set.
        restrict_vocab: only the first n words (the most frequent) can be
            question words or answers; None uses all.
        method: ``"3cosadd"`` or ``"3cosmul"`` (see ``Vectors.analogy``).

    Returns:
        One row per section, then a row "total", with columns section (str),
        correct, total (questions attempted), oov (questions skipped because a
        word is unknown or outside restrict_vocab), all int64; accuracy =
        correct / total and oov_share = oov / (total + oov), float64 (NaN when
        the denominator is 0).

    Raises:
        DataFileError: a malformed file.
        InvalidArgumentError: an unknown method.
    """
    path = ANALOGY_FILE if path is None else Path(path)
    if method not in ("3cosadd", "3cosmul"):
        raise InvalidArgumentError(
            f"expected method '3cosadd' or '3cosmul', got {method!r}; pass one of those"
        )
    index = _lowercase_index(vectors, restrict_vocab)
    rows = []
    for section, questions in read_analogies(path):
        known = [q for q in questions if all(w in index for w in q)]
        ids = np.array([[index[w] for w in q] for q in known], dtype=np.int64)
        correct = _count_correct(vectors, ids.reshape(-1, 4), method, restrict_vocab)
        rows.append((section, correct, len(known), len(questions) - len(known)))
    totals = [sum(r[j] for r in rows) for j in (1, 2, 3)]
    rows.append(("total", *totals))

    frame = pl.DataFrame(
        rows,
        schema={"section": pl.String, "correct": pl.Int64, "total": pl.Int64,
                "oov": pl.Int64},
        orient="row",
    )  # fmt: skip
    return frame.with_columns(
        accuracy=_ratio(pl.col("correct"), pl.col("total")),
        oov_share=_ratio(pl.col("oov"), pl.col("total") + pl.col("oov")),
    )


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return (
        pl.when(denominator > 0)
        .then(numerator / denominator)
        .otherwise(float("nan"))
        .cast(pl.Float64)
    )


def _count_correct(
    vectors: Vectors, ids: np.ndarray, method: str, restrict_vocab: int | None
) -> int:
    """How many questions (rows a, b, c, d of ids, (Q, 4)) the vectors get right."""
    correct = 0
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]  # (Q, 4)
        scores = vectors.analogy_scores(batch[:, :3], method, restrict_vocab)
        # The question words are never an answer.
        rows = np.arange(len(batch))[:, None]  # (Q, 1)
        scores[rows, batch[:, :3]] = -np.inf  # (Q, V')
        guess = np.argmax(scores, axis=1)  # (Q,)
        correct += int(np.sum(guess == batch[:, 3]))
    return correct


# ---- similarity --------------------------------------------------------------


def read_similarity(path: str | os.PathLike) -> list[tuple[str, str, float]]:
    """Read word pairs with scores: "word1 word2 score" per line.

    Fields are separated by tabs, commas or spaces; blank lines and lines
    starting with # are skipped; a first line whose score is not a number is
    a header and skipped. Words are lowercased.

    Raises:
        DataFileError: a line without three fields or with a bad score.
    """
    path = Path(path)
    pairs: list[tuple[str, str, float]] = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            sep = "\t" if "\t" in line else "," if "," in line else None
            fields = [x.strip() for x in line.split(sep)]
            try:
                if len(fields) < 3:
                    raise ValueError
                score = float(fields[2])
            except ValueError:
                if not pairs and len(fields) >= 3:
                    continue  # a header line such as "word1,word2,score"
                raise DataFileError(
                    f"{path}, line {number}: expected 'word1 word2 score' "
                    f"separated by tabs or commas, got {line[:80]!r}",
                    file=path,
                    line=number,
                ) from None
            pairs.append((fields[0].lower(), fields[1].lower(), score))
    return pairs


def similarity_correlation(
    vectors: Vectors,
    path: str | os.PathLike | None = None,
    restrict_vocab: int | None = None,
) -> pl.DataFrame:
    """Spearman correlation between human similarity scores and cosines.

    Args:
        vectors: the vectors to evaluate.
        path: a similarity file (see ``read_similarity``); None uses the
            project's own set.
        restrict_vocab: only the first n words count as known; None uses all.

    Returns:
        One row: dataset (the file name), pairs (pairs used), oov (pairs
        skipped for an unknown word), oov_share, spearman (NaN when fewer than
        two pairs are used).

    Raises:
        DataFileError: a malformed file.
    """
    path = SIMILARITY_FILE if path is None else Path(path)
    index = _lowercase_index(vectors, restrict_vocab)
    pairs = read_similarity(path)
    used = [(a, b, s) for a, b, s in pairs if a in index and b in index]

    human = np.array([s for _, _, s in used], dtype=np.float64)  # (n,)
    unit = vectors.unit
    cosines = np.array(
        [float(unit[index[a]] @ unit[index[b]]) for a, b, _ in used]
    )  # (n,)
    rho = spearman(human, cosines) if len(used) >= 2 else float("nan")
    return pl.DataFrame(
        {
            "dataset": [path.name],
            "pairs": [len(used)],
            "oov": [len(pairs) - len(used)],
            "oov_share": [(len(pairs) - len(used)) / len(pairs) if pairs else np.nan],
            "spearman": [rho],
        },
        schema={"dataset": pl.String, "pairs": pl.Int64, "oov": pl.Int64,
                "oov_share": pl.Float64, "spearman": pl.Float64},
    )  # fmt: skip


def rank(x: np.ndarray) -> np.ndarray:
    """Ranks from 1, tied values sharing the mean of their ranks.

    Example: [10, 20, 20, 30] -> [1, 2.5, 2.5, 4].

    Args:
        x: values, (n,).

    Returns:
        float64 ranks, (n,).
    """
    x = np.asarray(x)
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    # The tied group of a value occupies ranks first .. first + count - 1,
    # whose mean is first + (count - 1) / 2.
    first = np.cumsum(counts) - counts + 1  # (u,) rank of each group's first
    mean_rank = first + (counts - 1) / 2.0  # (u,)
    return mean_rank[inverse.reshape(-1)].astype(np.float64)  # (n,)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho: the Pearson correlation of the ranks (ties averaged).

    Args:
        x: values, (n,).
        y: values, (n,), same length.

    Returns:
        rho in [-1, 1]; NaN when either side is constant.
    """
    if len(x) != len(y):
        raise InvalidArgumentError(
            f"expected x and y of one length, got {len(x)} and {len(y)}; "
            "pair every score with one cosine"
        )
    rx = rank(x) - (len(x) + 1) / 2.0  # (n,) centred: the mean rank is (n+1)/2
    ry = rank(y) - (len(y) + 1) / 2.0  # (n,)
    denominator = np.sqrt(np.sum(rx * rx) * np.sum(ry * ry))
    if denominator == 0:
        return float("nan")
    return float(np.sum(rx * ry) / denominator)
