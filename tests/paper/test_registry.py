"""The registry of equations: every checker passes, every link resolves."""

import pytest

from neuron import paper
from neuron.errors import InvalidArgumentError


@pytest.mark.parametrize("equation", paper.EQUATIONS, ids=lambda e: e.id)
def test_every_registered_checker_passes(equation):
    result = equation.check()
    assert result.passed, result.details
    assert "FAILED" not in result.details


@pytest.mark.parametrize("equation", paper.EQUATIONS, ids=lambda e: e.id)
def test_every_checker_passes_for_another_seed(equation):
    assert equation.check(seed=7).passed


@pytest.mark.parametrize("equation", paper.EQUATIONS, ids=lambda e: e.id)
def test_every_linked_code_path_imports(equation):
    for path in equation.code:
        assert paper.resolve_code(path) is not None
        file, line = paper.code_location(path)
        assert file.endswith(".py") and line >= 1


def test_equations_have_unique_ids_and_full_records():
    ids = [equation.id for equation in paper.EQUATIONS]
    assert len(ids) == len(set(ids))
    for equation in paper.EQUATIONS:
        assert equation.title and equation.latex and equation.explanation
        assert equation.lesson.startswith("lessons/") and equation.code


@pytest.mark.parametrize("equation", paper.EQUATIONS, ids=lambda e: e.id)
def test_every_equation_names_a_lesson_of_the_track(equation):
    from pathlib import PurePosixPath

    from neuron.curriculum import lesson

    path = PurePosixPath(equation.lesson)
    assert path.parent.name == "lessons" and path.suffix == ".py"
    assert lesson(path.stem).slug == path.stem


def test_get_finds_an_equation_by_id():
    assert paper.get("eq1-attention").title == "Scaled dot-product attention"


def test_get_rejects_an_unknown_id_naming_the_known_ones():
    with pytest.raises(InvalidArgumentError, match="eq1-attention"):
        paper.get("eq99")


def test_measured_values_are_plain_scalars():
    for result in paper.check_all().values():
        for value in result.measured.values():
            assert type(value) in (bool, int, float, str)


def test_resolve_code_rejects_a_path_that_does_not_import():
    with pytest.raises(InvalidArgumentError, match="does not import"):
        paper.resolve_code("neuron.attention.reference.no_such_function")
