"""The equations of "Attention Is All You Need" (Vaswani et al., 2017), each
with a live checker.

Every equation and quantitative claim of the paper is an ``Equation``: the
formula in LaTeX, an explanation in this project's words, the section, the
``neuron`` code that computes it (dotted paths) and the lesson that teaches
it. Its ``check()`` runs that code on seeded random inputs and tests the
properties the paper states, returning a ``CheckResult``.

The Reader lists them and runs them::

    from neuron import paper

    for equation in paper.EQUATIONS:
        result = equation.check()
        print(equation.id, result.passed, result.details)
    paper.get("eq1-attention").code       # dotted paths to link
    paper.code_location(path)             # (file, line) for one of them

One module per part of the paper: ``attention`` (3.2), ``feed_forward``
(3.3), ``positions`` (3.5), ``complexity`` (4, table 1), ``training`` (5.3,
5.4) and ``model_size`` (table 3).
"""

from neuron.paper.record import (
    CheckResult,
    Equation,
    code_location,
    resolve_code,
)
from neuron.paper.registry import EQUATIONS, check_all, get

__all__ = [
    "EQUATIONS",
    "CheckResult",
    "Equation",
    "check_all",
    "code_location",
    "get",
    "resolve_code",
]
