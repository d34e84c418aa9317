"""Two-dimensional maps of embeddings: PCA written here, t-SNE from
scikit-learn.

PCA (principal component analysis) finds the orthogonal directions along
which the centred points vary most. With X the (n, D) points and mu their
mean, the thin SVD of the centred matrix X - mu = U S W^T gives them: the
rows of W^T are the directions (components), S^2 / (n - 1) the variance
along each, and (X - mu) W the coordinates. The SVD is used rather than the
eigendecomposition of the covariance (X - mu)^T (X - mu) / (n - 1) because
forming that product squares the condition number and loses half the digits
of the small components in float32.

A component's sign is arbitrary (w and -w span the same line), so LAPACK
may flip it from one call or machine to the next. Each component is turned
so that its entry of largest magnitude is positive, which makes the map
deterministic.

t-SNE (van der Maaten and Hinton, 2008) keeps neighbours together rather
than distances; it is seeded, so the same input and seed give the same map.

Legend: n points, D dimensions, m components kept.
"""

from dataclasses import dataclass

import numpy as np

from neuron.errors import InvalidArgumentError, ShapeError

__all__ = ["PCA", "pca", "tsne"]


@dataclass(frozen=True)
class PCA:
    """A fitted PCA: the axes, and the points' coordinates on them.

    Attributes:
        coordinates: float64 (n, m), the fitted points projected.
        components: float64 (m, D), unit directions, largest variance first.
        mean: float64 (D,), the centre that was subtracted.
        explained_variance: float64 (m,), the variance along each component
            (denominator n - 1, as scikit-learn).
        explained_variance_ratio: float64 (m,), that variance over the total.
    """

    coordinates: np.ndarray
    components: np.ndarray
    mean: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray

    def transform(self, points: np.ndarray) -> np.ndarray:
        """Project other points onto the same axes, float64 (p, m).

        Raises:
            ShapeError: the points are not (p, D).
        """
        points = _check_points(points, "points", self.mean.shape[0])  # (p, D)
        return (points - self.mean) @ self.components.T  # (p, m)


def pca(points: np.ndarray, n_components: int = 2) -> PCA:
    """Principal component analysis by the SVD of the centred points.

    Args:
        points: (n, D) rows to project, any float dtype (computed in
            float64).
        n_components: m, the components kept, 1 <= m <= min(n, D).

    Returns:
        A ``PCA`` with sign-fixed components (see the module docstring).

    Raises:
        ShapeError: the points are not a 2-D array.
        InvalidArgumentError: fewer than two points, or m out of range.
    """
    X = _check_points(points, "points", None)  # (n, D)
    n, D = X.shape
    if n < 2:
        raise InvalidArgumentError(
            f"expected at least 2 points for PCA, got {n}; choose more words"
        )
    if not 1 <= n_components <= min(n, D):
        raise InvalidArgumentError(
            f"expected 1 <= n_components <= {min(n, D)} for {n} points in {D} "
            f"dimensions, got {n_components}; ask for fewer components"
        )

    # Centre, then the thin SVD: X - mu = U S W^T.
    mean = X.mean(axis=0)  # (D,)
    centred = X - mean  # (n, D)
    _, S, Wt = np.linalg.svd(centred, full_matrices=False)  # (r,), (r, D)
    components = Wt[:n_components]  # (m, D)

    # Fix each sign: the largest-magnitude entry of a component is positive.
    biggest = np.argmax(np.abs(components), axis=1)  # (m,)
    signs = np.sign(components[np.arange(n_components), biggest])  # (m,)
    components = components * np.where(signs == 0, 1.0, signs)[:, None]  # (m, D)

    variance = S**2 / (n - 1)  # (r,)
    total = float(variance.sum())
    kept = variance[:n_components]  # (m,)
    ratio = kept / total if total > 0 else np.zeros_like(kept)  # (m,)
    return PCA(
        coordinates=centred @ components.T,  # (n, m)
        components=components,
        mean=mean,
        explained_variance=kept,
        explained_variance_ratio=ratio,
    )


def tsne(
    points: np.ndarray,
    n_components: int = 2,
    *,
    perplexity: float = 30.0,
    seed: int = 0,
    max_iter: int = 1000,
) -> np.ndarray:
    """t-SNE coordinates from scikit-learn, seeded and reproducible.

    Cosine distance is used, as for every other question asked of word
    vectors here, and the start is PCA's (scikit-learn's ``init="pca"``),
    which keeps the global layout steadier than a random start.

    Args:
        points: (n, D) rows to map.
        n_components: dimensions of the map, usually 2.
        perplexity: roughly the number of neighbours each point keeps close;
            lowered to n - 1 when there are fewer points than that.
        seed: the random state; the same seed gives the same map.
        max_iter: optimisation steps (scikit-learn's minimum is 250).

    Returns:
        float64 (n, n_components) coordinates.

    Raises:
        ShapeError: the points are not a 2-D array.
        InvalidArgumentError: fewer than three points.
    """
    from sklearn.manifold import TSNE

    X = _check_points(points, "points", None)  # (n, D)
    n = X.shape[0]
    if n < 3:
        raise InvalidArgumentError(
            f"expected at least 3 points for t-SNE, got {n}; choose more words"
        )
    model = TSNE(
        n_components=n_components,
        perplexity=min(perplexity, n - 1.0),
        metric="cosine",
        init="pca",
        random_state=seed,
        max_iter=max(max_iter, 250),
    )
    return model.fit_transform(X).astype(np.float64)  # (n, m)


def _check_points(points: np.ndarray, what: str, D: int | None) -> np.ndarray:
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or (D is not None and array.shape[1] != D):
        want = "(n, D)" if D is None else f"(n, {D})"
        raise ShapeError(
            f"expected {what} of shape {want}, got {array.shape}; pass one row "
            "per point"
        )
    return array
