"""The exercise registry, and each exercise's right and typical wrong answers."""

import numpy as np
import pytest

from neuron.capstone import EXERCISES, UnknownExerciseError, check_answer, exercise

IDS = [
    "eq1-attention",
    "multi-head",
    "ffn",
    "positional-encoding",
    "lr-schedule",
    "label-smoothing",
]


def test_registry_has_the_paper_ids_in_order():
    assert list(EXERCISES) == IDS


def test_unknown_id_raises_with_the_known_ids():
    with pytest.raises(UnknownExerciseError, match="eq1-attention"):
        exercise("eq9")


@pytest.mark.parametrize("exercise_id", IDS)
def test_prompt_names_every_input_with_its_shape(exercise_id):
    ex = exercise(exercise_id)
    prompt = ex.prompt()
    for spec in ex.inputs:
        assert spec.label() in prompt
    assert exercise("eq1-attention").inputs[0].label() == "Q (n, d_k)"


@pytest.mark.parametrize("exercise_id", IDS)
def test_inputs_have_the_advertised_shapes(exercise_id):
    ex = exercise(exercise_id)
    inputs = ex.make_inputs(np.random.default_rng(0))
    for spec in ex.inputs:
        want = tuple(ex.sizes[s] for s in spec.shape)
        assert np.shape(inputs[spec.name]) == want, spec.name
    assert ex.reference(inputs).shape == ex.expected_shape()


@pytest.mark.parametrize("exercise_id", IDS)
def test_solution_passes_with_several_seeds(exercise_id):
    for seed in (0, 1):
        report = check_answer(exercise_id, exercise(exercise_id).solution, seed=seed)
        assert report.passed, (report.error, report.failures)
        assert report.error is None and report.failures == []


def test_attention_as_a_single_expression_passes():
    source = (
        "np.exp(Q @ K.T / np.sqrt(d_k)) / "
        "np.exp(Q @ K.T / np.sqrt(d_k)).sum(axis=1, keepdims=True) @ V"
    )
    assert check_answer("eq1-attention", source).passed


def test_attention_with_a_lambda_and_result_passes():
    source = (
        "softmax = lambda s: np.exp(s) / np.exp(s).sum(axis=-1, keepdims=True)\n"
        "result = softmax(Q @ K.T / K.shape[1] ** 0.5) @ V\n"
    )
    assert check_answer("eq1-attention", source).passed


def _messages(report):
    return {f.name: f.message for f in report.failures}


def test_attention_without_the_scale_fails_values_with_the_hint():
    source = "S = Q @ K.T\nW = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)\nW @ V"
    report = check_answer("eq1-attention", source)
    messages = _messages(report)
    assert list(messages) == ["values"]
    assert "max error" in messages["values"]
    assert "1/sqrt(d_k)" in messages["values"]


def test_attention_softmax_over_the_wrong_axis_fails_weights_sum_to_one():
    source = (
        "S = Q @ K.T / np.sqrt(d_k)\n"
        "W = np.exp(S) / np.exp(S).sum(axis=0, keepdims=True)\nW @ V"
    )
    messages = _messages(check_answer("eq1-attention", source))
    assert list(messages)[0] == "weights sum to 1"
    assert "queries independent" in messages
    assert "wrong axis" in messages["values"]


def test_attention_transposed_output_fails_shape():
    source = exercise("eq1-attention").solution.replace("W @ V", "(W @ V).T")
    report = check_answer("eq1-attention", source)
    assert [f.name for f in report.failures] == ["shape"]
    message = report.failures[0].message
    assert "expected (4, 5)" in message and "got (5, 4)" in message
    assert "transpose" in message


def test_positional_encoding_with_sin_and_cos_swapped_fails_position_zero():
    source = (
        exercise("positional-encoding")
        .solution.replace("np.sin", "SIN")
        .replace("np.cos", "np.sin")
        .replace("SIN", "np.cos")
    )
    messages = _messages(check_answer("positional-encoding", source))
    assert "swapped" in messages["position 0"]
    assert "swapped" in messages["values"]


def test_schedule_with_max_for_min_fails_warmup():
    source = "d_model ** -0.5 * np.maximum(step ** -0.5, step * warmup ** -1.5)"
    messages = _messages(check_answer("lr-schedule", source))
    assert list(messages)[0] == "warmup"
    assert "min" in messages["values"] and "max" in messages["values"]


def test_ffn_without_relu_fails_relu():
    messages = _messages(check_answer("ffn", "(x @ W1 + b1) @ W2 + b2"))
    assert "ReLU" in messages
    assert "forget the max(0, .)" in messages["values"]


def test_multi_head_scaled_by_the_model_width_gets_the_head_size_hint():
    source = exercise("multi-head").solution.replace("sqrt(d_k)", "sqrt(d_model)")
    messages = _messages(check_answer("multi-head", source))
    assert list(messages) == ["values"]
    assert "d_k = d_model / h" in messages["values"]


def test_multi_head_split_across_tokens_fails_token_order():
    source = exercise("multi-head").solution.replace(
        "A.reshape(n, h, d_k).transpose(1, 0, 2)", "A.reshape(h, n, d_k)"
    )
    assert "token order" in _messages(check_answer("multi-head", source))


def test_label_smoothing_on_raw_logits_fails_shift_invariance():
    source = "-((1 - eps) * logits[np.arange(n), y] + eps * logits.mean(axis=1))"
    messages = _messages(check_answer("label-smoothing", source))
    assert "shift invariance" in messages
    assert "eps = 0 is cross-entropy" in messages


def test_label_smoothing_over_the_other_classes_gets_the_convention_hint():
    source = (
        "z = logits - logits.max(axis=1, keepdims=True)\n"
        "logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
        "true = logp[np.arange(n), y]\n"
        "-((1 - eps) * true + eps * (logp.sum(axis=1) - true) / (V - 1))\n"
    )
    messages = _messages(check_answer("label-smoothing", source))
    assert list(messages) == ["values"]
    assert "V - 1" in messages["values"]


def test_label_smoothing_reference_matches_the_training_loss():
    torch = pytest.importorskip("torch")
    from neuron.transformer.optim import language_model_loss

    ex = exercise("label-smoothing")
    x = ex.make_inputs(np.random.default_rng(3))
    want = language_model_loss(
        torch.from_numpy(x["logits"][None]),
        torch.from_numpy(x["y"][None]),
        label_smoothing=x["eps"],
    )
    got = ex.reference(x).mean()
    assert got == pytest.approx(float(want), rel=1e-5)


def test_every_exercise_hides_an_equation_of_the_paper_registry():
    from neuron import paper
    from neuron.capstone import EXERCISES, for_equation

    hidden = {
        eq.id: for_equation(eq.id)
        for eq in paper.EQUATIONS
        if for_equation(eq.id) is not None
    }
    assert sorted(e.id for e in hidden.values()) == sorted(EXERCISES)
    assert for_equation("t1-complexity") is None
