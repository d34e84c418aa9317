import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed generator, so every failure reproduces."""
    return np.random.default_rng(0)
