"""A record of every intermediate array of a forward pass, in order.

``neuron.transformer.reference.forward(..., trace=True)`` returns a ``Trace``
beside its output: one ``Step`` per operation, from the token ids to the
probabilities, each with the array it produced, the equation it applied and
the parameters it read. The workbench draws it; the lessons walk through it;
the backward pass of a block reads its saved activations from it.

A step holds the very array the forward pass computed, not a copy, so
recording costs a list entry per step. Do not write into a step's value: it
may be a view of an array a later step also uses.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Step", "Trace"]


@dataclass(frozen=True)
class Step:
    """One operation of a forward pass.

    Attributes:
        name: where it happens, dotted like the parameter names, for example
            ``"blocks.0.attn.scores"``.
        value: the array it produced (not a copy).
        equation: what it computes, as short text, for example
            ``"S = Q K^T"``.
        parameters: the names of the parameters it read, in the flat
            parameter dict; empty for steps without parameters.
    """

    name: str
    value: np.ndarray
    equation: str
    parameters: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``value``."""
        return self.value.shape


@dataclass
class Trace:
    """The steps of one forward pass, in the order they ran.

    Index it by position (``trace[0]``) or by name
    (``trace["blocks.0.attn.probs"]``); iterate it for every step.

    Attributes:
        steps: the steps, in order.
    """

    steps: list[Step] = field(default_factory=list)
    _by_name: dict[str, Step] = field(default_factory=dict, repr=False)

    def record(
        self,
        name: str,
        value: np.ndarray,
        equation: str,
        parameters: tuple[str, ...] = (),
    ) -> np.ndarray:
        """Append a step and hand its value back, so a line can compute and
        record at once. Side effect: grows ``steps``."""
        step = Step(name, value, equation, tuple(parameters))
        self.steps.append(step)
        self._by_name[name] = step
        return value

    def names(self) -> list[str]:
        """The step names, in order."""
        return [step.name for step in self.steps]

    def __getitem__(self, key: int | str) -> Step:
        if isinstance(key, str):
            if key in self._by_name:
                return self._by_name[key]
            raise KeyError(
                f"expected the name of a step, got {key!r}; see trace.names() for "
                "the steps there are"
            )
        return self.steps[key]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)
