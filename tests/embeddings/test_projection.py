"""PCA written from scratch against scikit-learn and NumPy's SVD, its sign
convention, and t-SNE's reproducibility."""

import numpy as np
import pytest
from sklearn.decomposition import PCA as SklearnPCA

from neuron.embeddings import pca, tsne
from neuron.errors import InvalidArgumentError, ShapeError


@pytest.fixture
def points(rng) -> np.ndarray:
    # Stretched along a few directions, so the components are well separated.
    scales = np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.2])
    return rng.standard_normal((80, 6)) * scales + 4.0  # (80, 6)


class TestPCA:
    def test_matches_scikit_learn_up_to_sign(self, points):
        ours = pca(points, n_components=3)
        theirs = SklearnPCA(n_components=3, svd_solver="full").fit(points)
        signs = np.sign(np.sum(ours.components * theirs.components_, axis=1))
        np.testing.assert_allclose(
            ours.components, signs[:, None] * theirs.components_, atol=1e-10
        )
        np.testing.assert_allclose(
            ours.coordinates, signs * theirs.transform(points), atol=1e-9
        )
        np.testing.assert_allclose(
            ours.explained_variance, theirs.explained_variance_, rtol=1e-10
        )
        np.testing.assert_allclose(
            ours.explained_variance_ratio, theirs.explained_variance_ratio_, rtol=1e-10
        )

    def test_matches_numpy_svd_of_the_centred_points(self, points):
        ours = pca(points, n_components=2)
        centred = points - points.mean(axis=0)
        _, S, Wt = np.linalg.svd(centred, full_matrices=False)
        for i in range(2):
            assert abs(ours.components[i] @ Wt[i]) == pytest.approx(1.0, abs=1e-10)
        np.testing.assert_allclose(
            ours.explained_variance, S[:2] ** 2 / (len(points) - 1), rtol=1e-10
        )

    def test_components_are_orthonormal_with_a_positive_largest_entry(self, points):
        fitted = pca(points, n_components=4)
        np.testing.assert_allclose(
            fitted.components @ fitted.components.T, np.eye(4), atol=1e-10
        )
        biggest = np.argmax(np.abs(fitted.components), axis=1)
        assert (fitted.components[np.arange(4), biggest] > 0).all()

    def test_fixes_the_sign_that_the_svd_leaves_open(self, points):
        # The SVD of -X may return the same vectors with either sign; after
        # the fix, X and -X share components and mirror their coordinates.
        fitted, mirrored = pca(points), pca(-points)
        np.testing.assert_allclose(mirrored.components, fitted.components, atol=1e-10)
        np.testing.assert_allclose(mirrored.coordinates, -fitted.coordinates, atol=1e-9)
        np.testing.assert_array_equal(pca(points).coordinates, fitted.coordinates)

    def test_transform_of_the_fitted_points_gives_their_coordinates(self, points):
        fitted = pca(points, n_components=2)
        np.testing.assert_allclose(
            fitted.transform(points), fitted.coordinates, atol=1e-10
        )

    def test_rejects_too_few_points_and_too_many_components(self, points):
        with pytest.raises(InvalidArgumentError, match="at least 2 points"):
            pca(points[:1])
        with pytest.raises(InvalidArgumentError, match=r"n_components <= 6"):
            pca(points, n_components=7)

    def test_rejects_a_vector_and_points_of_another_width(self, points):
        with pytest.raises(ShapeError, match=r"expected points of shape \(n, D\)"):
            pca(points[0])
        with pytest.raises(ShapeError, match=r"\(n, 6\)"):
            pca(points).transform(points[:, :3])


class TestTSNE:
    def test_the_same_seed_gives_the_same_map(self, points):
        first = tsne(points[:40], seed=7, max_iter=250)
        second = tsne(points[:40], seed=7, max_iter=250)
        assert first.shape == (40, 2)
        np.testing.assert_array_equal(first, second)

    def test_few_points_lower_the_perplexity_instead_of_failing(self, points):
        assert tsne(points[:5], seed=0, max_iter=250).shape == (5, 2)

    def test_rejects_fewer_than_three_points(self, points):
        with pytest.raises(InvalidArgumentError, match="at least 3 points"):
            tsne(points[:2])
