"""Gradient descent, momentum and Adam on two-dimensional loss surfaces,
small enough to draw every step.

A real model has millions of parameters, but the behaviour of an optimiser
shows already with two: on a long narrow valley plain gradient descent
zigzags across and crawls along, momentum builds up speed along the
valley, and Adam rescales each coordinate by its own recent gradient size.
``trajectory`` runs one optimiser from a starting point and returns every
point it visits; the update rules are those of PyTorch's ``torch.optim.SGD``
(with and without momentum) and ``torch.optim.Adam``, so the tests compare
the two step by step.

Legend:
    w     the parameters, (2,)
    g     the gradient of the loss at w, (2,)
    lr    the learning rate (step size)
    mu    momentum's decay; buf the velocity, (2,)
    b1, b2  Adam's decay rates of the first and second moments m and v, (2,)
    t     the step, counted from 1
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from neuron.errors import InvalidArgumentError

__all__ = [
    "OPTIMISERS",
    "SURFACES",
    "Surface",
    "Trajectory",
    "surface",
    "surface_grid",
    "trajectory",
]

#: The optimisers ``trajectory`` runs.
OPTIMISERS = ("sgd", "momentum", "adam")

#: Points are abandoned once a coordinate passes this: the run diverged.
_DIVERGED = 1e6


@dataclass(frozen=True)
class Surface:
    """A loss over two parameters.

    Attributes:
        name: its key in ``SURFACES``.
        title: what the lesson calls it.
        loss: (x, y) -> value; works elementwise on arrays.
        gradient: (x, y) -> (dloss/dx, dloss/dy).
        start: where the optimisers start, (2,).
        minimum: where the loss is lowest, (2,).
        bounds: ((x_min, x_max), (y_min, y_max)) of the view.
    """

    name: str
    title: str
    loss: Callable
    gradient: Callable
    start: tuple[float, float]
    minimum: tuple[float, float]
    bounds: tuple[tuple[float, float], tuple[float, float]]


def _ravine_loss(x, y):
    return 0.5 * (x**2 + 25.0 * y**2)


def _ravine_gradient(x, y):
    return x, 25.0 * y


# The same valley turned by 45 degrees: its axes are no longer the
# coordinates, so scaling each coordinate separately (Adam) helps less.
_C = math.cos(math.pi / 4)


def _turned_loss(x, y):
    a, b = _C * (x + y), _C * (y - x)
    return 0.5 * (a**2 + 25.0 * b**2)


def _turned_gradient(x, y):
    a, b = _C * (x + y), _C * (y - x)
    return _C * (a - 25.0 * b), _C * (a + 25.0 * b)


def _rosenbrock_loss(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _rosenbrock_gradient(x, y):
    return -2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)


SURFACES: dict[str, Surface] = {
    "ravine": Surface(
        "ravine",
        "a narrow valley along x: (x^2 + 25 y^2) / 2",
        _ravine_loss,
        _ravine_gradient,
        (-4.5, 1.5),
        (0.0, 0.0),
        ((-5.0, 5.0), (-2.5, 2.5)),
    ),
    "turned": Surface(
        "turned",
        "the same valley turned by 45 degrees",
        _turned_loss,
        _turned_gradient,
        (-4.0, -2.0),
        (0.0, 0.0),
        ((-5.0, 5.0), (-5.0, 5.0)),
    ),
    "rosenbrock": Surface(
        "rosenbrock",
        "Rosenbrock's banana: (1 - x)^2 + 100 (y - x^2)^2",
        _rosenbrock_loss,
        _rosenbrock_gradient,
        (-1.5, 2.0),
        (1.0, 1.0),
        ((-2.0, 2.0), (-1.0, 3.0)),
    ),
}


def surface(name: str) -> Surface:
    """The surface called ``name``; the error lists the others."""
    if name not in SURFACES:
        raise InvalidArgumentError(
            f"expected a surface in {', '.join(SURFACES)}, got {name!r}"
        )
    return SURFACES[name]


class Trajectory(NamedTuple):
    """What ``trajectory`` returns.

    Attributes:
        points: every parameter value visited, the start first, (n + 1, 2).
        losses: the loss at each point, (n + 1,).
        diverged: True when the run left the plane (a coordinate past 1e6 or
            not finite) and was stopped there.
    """

    points: np.ndarray
    losses: np.ndarray
    diverged: bool


def trajectory(
    name: str,
    where: Surface,
    *,
    lr: float,
    steps: int,
    start: tuple[float, float] | None = None,
    momentum: float = 0.9,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> Trajectory:
    """Run an optimiser on a surface and keep every point.

    The update of step t, with g the gradient at w:

    - ``"sgd"``: w <- w - lr g.
    - ``"momentum"``: buf <- mu buf + g (buf = g at t = 1);  w <- w - lr buf.
      The velocity sums the past gradients with weights mu^k: along a
      valley they agree and add up to about g / (1 - mu); across it they
      alternate in sign and cancel.
    - ``"adam"`` (Kingma and Ba, 2015): m <- b1 m + (1 - b1) g and
      v <- b2 v + (1 - b2) g^2, both corrected for starting at 0,
      m_hat = m / (1 - b1^t) and v_hat = v / (1 - b2^t); then
      w <- w - lr m_hat / (sqrt(v_hat) + eps). Each coordinate's step is
      its mean gradient over its root mean square: about lr whatever the
      gradient's scale. At t = 1 the step is lr g / (|g| + eps), almost
      exactly lr in every coordinate.

    Args:
        name: one of ``OPTIMISERS``.
        where: the ``Surface``.
        lr: the learning rate, > 0.
        steps: updates to take, >= 0.
        start: the first point; None means the surface's own.
        momentum: mu, for ``"momentum"``; in [0, 1).
        betas: (b1, b2), for ``"adam"``; each in [0, 1).
        eps: Adam's epsilon.

    Returns:
        A ``Trajectory``; shorter than steps + 1 points if it diverged.
    """
    if name not in OPTIMISERS:
        raise InvalidArgumentError(
            f"expected an optimiser in {', '.join(OPTIMISERS)}, got {name!r}"
        )
    if not (math.isfinite(lr) and lr > 0):
        raise InvalidArgumentError(f"expected lr > 0, got {lr}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise InvalidArgumentError(f"expected steps an integer >= 0, got {steps!r}")
    for label, rate in (
        ("momentum", momentum),
        ("beta1", betas[0]),
        ("beta2", betas[1]),
    ):
        if not 0 <= rate < 1:
            raise InvalidArgumentError(f"expected 0 <= {label} < 1, got {rate}")

    w = np.array(where.start if start is None else start, dtype=np.float64)  # (2,)
    points = [w.copy()]
    buf = np.zeros(2)  # (2,) momentum's velocity
    m, v = np.zeros(2), np.zeros(2)  # (2,) Adam's moments
    b1, b2 = betas
    diverged = False
    for t in range(1, steps + 1):
        g = np.array(where.gradient(w[0], w[1]), dtype=np.float64)  # (2,)

        if name == "sgd":
            w = w - lr * g
        elif name == "momentum":
            buf = g if t == 1 else momentum * buf + g
            w = w - lr * buf
        else:
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            m_hat = m / (1 - b1**t)
            v_hat = v / (1 - b2**t)
            w = w - lr * m_hat / (np.sqrt(v_hat) + eps)

        if not np.all(np.isfinite(w)) or np.max(np.abs(w)) > _DIVERGED:
            diverged = True
            break
        points.append(w.copy())
    path = np.array(points)  # (n + 1, 2)
    losses = np.asarray(where.loss(path[:, 0], path[:, 1]), dtype=np.float64)
    return Trajectory(path, losses, diverged)


def surface_grid(
    where: Surface, n: int = 40
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss on an n x n grid over the surface's bounds, for a picture.

    Returns:
        ``(x, y, loss)``, each (n * n,): the grid's points row by row.
    """
    (x0, x1), (y0, y1) = where.bounds
    xs = np.linspace(x0, x1, n)  # (n,)
    ys = np.linspace(y0, y1, n)  # (n,)
    X, Y = np.meshgrid(xs, ys)  # (n, n) each
    Z = where.loss(X, Y)  # (n, n)
    return X.ravel(), Y.ravel(), np.asarray(Z, dtype=np.float64).ravel()
