"""The training lesson's charts build and carry the data they were given."""

import numpy as np

from neuron.curriculum import optimisers
from neuron.viz import training as charts


def test_distribution_chart_has_a_bar_per_outcome_and_distribution():
    chart = charts.distribution_chart(
        ["a", "b", "c"], {"p": np.array([0.5, 0.3, 0.2]), "q": np.ones(3) / 3}
    )
    spec = chart.to_dict()
    (values,) = [v for v in spec["datasets"].values()]
    assert len(values) == 6


def test_surface_chart_draws_only_points_inside_the_view():
    where = optimisers.surface("ravine")
    inside = np.array([[0.0, 0.0], [1.0, 1.0]])
    outside = np.array([[100.0, 0.0]])
    chart = charts.surface_chart(
        optimisers.surface_grid(where, n=4),
        {"sgd": np.vstack([inside, outside])},
        where.minimum,
    )
    rows = [r for v in chart.to_dict()["datasets"].values() for r in v]
    assert sum(1 for r in rows if r.get("optimiser") == "sgd") == 2
    assert sum(1 for r in rows if "level" in r) == 16


def test_schedule_and_loss_charts_build():
    steps = np.arange(1, 11)
    charts.schedule_chart(steps, {"a": steps * 1e-4}, peak_step=5).to_dict()
    charts.loss_curve({1: 4.0, 2: 3.5}, {2: 3.6}).to_dict()
    charts.loss_curve({1: 4.0}).to_dict()
