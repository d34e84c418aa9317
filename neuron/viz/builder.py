"""Charts of the Builder: where a model's parameters are.

The builder takes counts already computed (``TransformerConfig.parameters``)
and returns an Altair chart with inline data, so it renders offline.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import altair as alt

from neuron.errors import InvalidArgumentError

__all__ = ["parameter_chart"]


def parameter_chart(
    counts: Mapping[str, int], *, title: str = "parameters per component"
) -> alt.Chart:
    """A horizontal bar per component with parameters, largest first.

    Args:
        counts: component name -> parameter count (``_`` in names reads as
            a space); components with 0 are left out.
        title: the chart's title.

    Returns:
        A bar chart; each record holds ``component``, ``parameters`` and
        ``share`` (the fraction of the total), shown in the tooltip.

    Raises:
        InvalidArgumentError: a count is not a non-negative integer, or
            every count is 0.
    """
    for name, count in counts.items():
        if (
            isinstance(count, bool)
            or not isinstance(count, numbers.Integral)
            or count < 0
        ):
            raise InvalidArgumentError(
                f"expected parameter counts as integers >= 0, got {count!r} for "
                f"{name!r}; pass TransformerConfig.parameters()"
            )
    total = sum(int(count) for count in counts.values())
    if total == 0:
        raise InvalidArgumentError(
            "expected at least one component with parameters, got none; pass "
            "TransformerConfig.parameters()"
        )
    records = [
        {
            "component": name.replace("_", " "),
            "parameters": int(count),
            "share": int(count) / total,
        }
        for name, count in counts.items()
        if count
    ]
    return (
        alt.Chart(alt.Data(values=records), title=title)
        .mark_bar()
        .encode(
            x=alt.X("parameters:Q", title="parameters"),
            y=alt.Y("component:N", sort="-x", title=None),
            tooltip=[
                alt.Tooltip("component:N"),
                alt.Tooltip("parameters:Q", format=","),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(width=420)
    )
