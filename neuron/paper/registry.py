"""The equations of the paper in the order the paper gives them."""

from __future__ import annotations

from neuron.errors import InvalidArgumentError
from neuron.paper.attention import ATTENTION, MULTI_HEAD, SCALING
from neuron.paper.complexity import COMPLEXITY
from neuron.paper.feed_forward import FEED_FORWARD
from neuron.paper.model_size import PARAMETER_COUNTS
from neuron.paper.positions import POSITIONS, RELATIVE_POSITIONS
from neuron.paper.record import CheckResult, Equation
from neuron.paper.training import LABEL_SMOOTHING, LEARNING_RATE

__all__ = ["EQUATIONS", "check_all", "get"]

#: Every equation and claim, in paper order.
EQUATIONS: tuple[Equation, ...] = (
    ATTENTION,
    SCALING,
    MULTI_HEAD,
    FEED_FORWARD,
    POSITIONS,
    RELATIVE_POSITIONS,
    COMPLEXITY,
    LEARNING_RATE,
    LABEL_SMOOTHING,
    PARAMETER_COUNTS,
)

_BY_ID = {equation.id: equation for equation in EQUATIONS}


def get(id: str) -> Equation:
    """The equation with this id, e.g. ``get("eq1-attention")``.

    Raises:
        InvalidArgumentError: no equation has that id.
    """
    try:
        return _BY_ID[id]
    except KeyError:
        raise InvalidArgumentError(
            f"expected an equation id such as {EQUATIONS[0].id!r}, got {id!r}; "
            f"known ids: {', '.join(_BY_ID)}"
        ) from None


def check_all(seed: int = 0) -> dict[str, CheckResult]:
    """Run every checker once; id -> result, in paper order. Takes about a
    second on one core (PyTorch is imported for two of them)."""
    return {equation.id: equation.check(seed=seed) for equation in EQUATIONS}
