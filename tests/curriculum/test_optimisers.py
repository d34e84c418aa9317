"""The two-parameter optimisers against torch.optim, step by step, and
their behaviour on the lesson's surfaces."""

import numpy as np
import pytest
import torch

from neuron.curriculum import optimisers
from neuron.errors import InvalidArgumentError


def torch_path(name, where, lr, steps, **options):
    """The points torch.optim visits from the surface's start."""
    w = torch.tensor(where.start, dtype=torch.float64, requires_grad=True)
    if name == "adam":
        opt = torch.optim.Adam([w], lr=lr, betas=options.get("betas", (0.9, 0.999)))
    else:
        mu = options.get("momentum", 0.9) if name == "momentum" else 0.0
        opt = torch.optim.SGD([w], lr=lr, momentum=mu)
    points = [w.detach().clone().numpy()]
    for _ in range(steps):
        opt.zero_grad()
        where.loss(w[0], w[1]).backward()
        opt.step()
        points.append(w.detach().clone().numpy())
    return np.array(points)


@pytest.mark.parametrize("surface", list(optimisers.SURFACES))
@pytest.mark.parametrize(
    ("name", "lr"), [("sgd", 0.01), ("momentum", 0.005), ("adam", 0.05)]
)
def test_trajectory_matches_torch_optim(surface, name, lr):
    where = optimisers.surface(surface)
    # The banana's start is forty times steeper than the valleys'.
    lr = lr / 10 if surface == "rosenbrock" and name != "adam" else lr
    run = optimisers.trajectory(name, where, lr=lr, steps=40)
    assert not run.diverged
    np.testing.assert_allclose(
        run.points, torch_path(name, where, lr, 40), rtol=1e-9, atol=1e-9
    )


def test_gradients_match_autograd():
    rng = np.random.default_rng(0)
    for where in optimisers.SURFACES.values():
        for x, y in rng.normal(size=(5, 2)):
            w = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
            where.loss(w[0], w[1]).backward()
            np.testing.assert_allclose(where.gradient(x, y), w.grad.numpy(), rtol=1e-12)


def test_first_adam_step_is_lr_in_every_coordinate():
    where = optimisers.surface("ravine")
    run = optimisers.trajectory("adam", where, lr=0.1, steps=1, start=(2.0, 1.0))
    np.testing.assert_allclose(run.points[1], [1.9, 0.9], rtol=1e-6)


def test_sgd_diverges_past_two_over_the_curvature():
    where = optimisers.surface("ravine")  # curvature 25 across the valley
    assert not optimisers.trajectory("sgd", where, lr=0.07, steps=300).diverged
    run = optimisers.trajectory("sgd", where, lr=0.09, steps=300)
    assert run.diverged
    assert len(run.points) < 301


def test_momentum_beats_sgd_along_the_ravine():
    where = optimisers.surface("ravine")
    sgd = optimisers.trajectory("sgd", where, lr=0.03, steps=60)
    heavy = optimisers.trajectory("momentum", where, lr=0.03, steps=60, momentum=0.9)
    assert heavy.losses[-1] < sgd.losses[-1]


def test_losses_are_the_surface_at_the_points():
    where = optimisers.surface("rosenbrock")
    run = optimisers.trajectory("adam", where, lr=0.05, steps=10)
    np.testing.assert_allclose(
        run.losses, where.loss(run.points[:, 0], run.points[:, 1])
    )
    assert where.loss(*where.minimum) == 0.0


def test_grid_covers_the_bounds():
    where = optimisers.surface("turned")
    x, y, z = optimisers.surface_grid(where, n=5)
    assert x.shape == y.shape == z.shape == (25,)
    assert (x.min(), x.max(), y.min(), y.max()) == (-5.0, 5.0, -5.0, 5.0)


def test_bad_arguments_are_refused():
    where = optimisers.surface("ravine")
    with pytest.raises(InvalidArgumentError, match="optimiser"):
        optimisers.trajectory("lion", where, lr=0.1, steps=1)
    with pytest.raises(InvalidArgumentError, match="lr"):
        optimisers.trajectory("sgd", where, lr=0.0, steps=1)
    with pytest.raises(InvalidArgumentError, match="momentum"):
        optimisers.trajectory("momentum", where, lr=0.1, steps=1, momentum=1.0)
    with pytest.raises(InvalidArgumentError, match="surface"):
        optimisers.surface("saddle")
