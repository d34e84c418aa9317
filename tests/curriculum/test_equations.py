"""The capstone's per-equation exercises, verdicts and progress."""

from datetime import UTC, datetime

import numpy as np
import pytest

from neuron import capstone, paper
from neuron.curriculum.equations import QUESTIONS, recalled, verdict_of
from neuron.paper.positions import offset_matrix
from neuron.store import Store

NOW = datetime(2025, 1, 6, tzinfo=UTC)


def test_every_equation_has_exactly_one_kind_of_exercise():
    for equation in paper.EQUATIONS:
        has_code = capstone.for_equation(equation.id) is not None
        assert has_code != (equation.id in QUESTIONS), equation.id


def test_questions_name_known_equations_and_compute_finite_answers():
    for question in QUESTIONS.values():
        paper.get(question.equation)
        assert np.isfinite(question.answer())


def test_scaling_answer_is_the_measured_variance():
    measured = paper.get("s3.2.1-scaling").check().measured
    assert abs(measured["variance_over_dk_16"] - 1) < 0.05
    assert QUESTIONS["s3.2.1-scaling"].answer() == 64


def test_rotation_angle_answer_is_the_angle_of_m_k():
    M = offset_matrix(5, 8)
    angle = np.arctan2(M[2, 3], M[2, 2])
    assert QUESTIONS["s3.5-relative-positions"].answer() == pytest.approx(angle)


def test_parameter_answer_is_the_checked_count():
    measured = paper.get("t3-parameters").check().measured
    assert QUESTIONS["t3-parameters"].answer() == measured["base_parameters"]


def test_verdict_of_a_passing_and_a_failing_answer():
    ex = capstone.exercise("ffn")
    good = verdict_of(capstone.check_answer(ex.id, ex.solution))
    assert good.correct is True
    bad = verdict_of(capstone.check_answer(ex.id, "x @ W1 @ W2"))
    assert bad.correct is False and "values" in bad.message
    refused = verdict_of(capstone.check_answer(ex.id, "import os"))
    assert refused.correct is False and "refused" in refused.message


def test_recalled_reads_the_capstone_rows_only(tmp_path):
    with Store.open(tmp_path / "neuron.db") as store:
        store.mark_done("10_capstone", "exercise:eq1-attention", now=NOW)
        store.mark_done("10_capstone", "finished", now=NOW)
        store.mark_done("05_attention", "exercise:t3-parameters", now=NOW)
        done = recalled(store.progress())
    assert list(done) == [e.id for e in paper.EQUATIONS]
    assert [k for k, v in done.items() if v] == ["eq1-attention"]
