"""The Builder's library: field-by-field validation, stages and their
shapes against the PyTorch model, the mermaid diagram, presets, throughput
scaling and estimates, and the hand-off to Code Lab through a real store."""

import dataclasses
import json

import numpy as np
import pytest

from neuron.errors import InvalidArgumentError
from neuron.store import Store, workspace_stamp
from neuron.transformer.builder import (
    GENERAL,
    PENDING_RUN,
    PRESETS,
    Throughput,
    check_fields,
    clear_pending_run,
    config_from_fields,
    form_values,
    format_bytes,
    format_duration,
    format_shape,
    measure_throughput,
    memory_table,
    mermaid,
    read_pending_run,
    run_estimate,
    send_to_codelab,
    stages,
    throughput_from_store,
    time_training,
)
from neuron.transformer.config import TransformerConfig

TINY = PRESETS["tiny"]
FORM = form_values(TINY)

EVERY_CONFIG = [
    *PRESETS.values(),
    TransformerConfig.bert_base(),
    TransformerConfig.minilm_l6(),
    dataclasses.replace(TINY, tie_embeddings=False, bias=False),
    dataclasses.replace(
        PRESETS["Transformer base (2017)"],
        tie_embeddings=False,
        positional="learned",
        norm="pre",
        final_norm=True,
    ),
]


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "neuron.db") as opened:
        yield opened


class TestCheckFields:
    def test_a_preset_breaks_no_rule(self):
        for config in PRESETS.values():
            assert check_fields(form_values(config), config) == {}

    def test_heads_that_do_not_divide_d_model_are_shown_beside_heads(self):
        errors = check_fields({**FORM, "heads": 5})

        assert list(errors) == ["heads"]
        assert "divisible by heads" in errors["heads"]
        assert "pick heads in 1, 2, 4, 8" in errors["heads"]

    def test_a_new_d_model_that_heads_do_not_divide_is_shown_beside_heads(self):
        errors = check_fields({**FORM, "d_model": 130})

        assert list(errors) == ["heads"]

    def test_odd_d_model_with_sinusoidal_positions_names_both_fields(self):
        errors = check_fields(
            {**FORM, "d_model": 127, "heads": 1, "positional": "sinusoidal"}
        )

        assert set(errors) == {"d_model", "positional"}
        assert "even d_model" in errors["d_model"]

    def test_two_broken_rules_between_fields_are_both_shown(self):
        errors = check_fields({**FORM, "d_model": 127, "positional": "sinusoidal"})

        assert {"heads", "d_model", "positional"} <= set(errors)

    @pytest.mark.parametrize(
        "field, value, phrase",
        [
            ("layers", -2, "layers to be an integer >= 1, got -2"),
            ("vocab_size", 0, "vocab_size to be an integer >= 1, got 0"),
            ("heads", 0, "heads to be an integer >= 1"),
            ("d_ff", 12.5, "got 12.5"),
            ("context", "abc", "got 'abc'"),
            ("dropout", 1.5, "0 <= dropout < 1"),
            ("dropout", -0.1, "0 <= dropout < 1"),
            ("dropout", "lots", "finite number"),
            ("norm", "middle", "norm to be one of"),
            ("context", None, "empty field"),
        ],
    )
    def test_a_bad_value_is_named_with_its_rule(self, field, value, phrase):
        errors = check_fields({**FORM, field: value})

        assert list(errors) == [field]
        assert phrase in errors[field]

    def test_every_bad_field_is_reported_at_once(self):
        errors = check_fields({**FORM, "layers": -1, "vocab_size": "x", "heads": 0})

        assert set(errors) == {"layers", "vocab_size", "heads"}

    def test_numbers_as_text_or_integral_floats_are_accepted(self):
        fields = {**FORM, "vocab_size": "64", "d_model": 256.0, "dropout": "0.2"}

        assert check_fields(fields) == {}
        config = config_from_fields(fields)
        assert (config.vocab_size, config.d_model, config.dropout) == (64, 256, 0.2)

    def test_tied_embeddings_on_an_encoder_are_shown_beside_the_switch(self):
        errors = check_fields({**FORM, "kind": "encoder"})

        assert list(errors) == ["tie_embeddings"]

    def test_final_norm_follows_the_norm_placement(self):
        config = config_from_fields({**FORM, "norm": "post"})

        assert config.final_norm is False
        assert config_from_fields(FORM).final_norm is True

    def test_a_rule_without_its_field_in_the_form_goes_to_a_neighbour(self):
        base = PRESETS["Transformer base (2017)"]
        errors = check_fields({"d_model": 129}, base)

        assert GENERAL not in errors
        assert "d_model" in errors

    def test_an_unknown_field_name_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="expected TransformerConfig"):
            check_fields({"width": 3})

    def test_config_from_a_broken_form_lists_every_message(self):
        with pytest.raises(InvalidArgumentError, match="heads: expected d_model"):
            config_from_fields({**FORM, "heads": 5})


class TestPresets:
    def test_gpt2_small_has_its_published_parameter_count(self):
        assert PRESETS["GPT-2 small"].parameter_count() == 124_439_808

    def test_tiny_is_a_small_character_gpt(self):
        assert (TINY.kind, TINY.vocab_size, TINY.layers, TINY.d_model) == (
            "decoder",
            65,
            4,
            128,
        )

    def test_the_papers_models_are_there(self):
        base = PRESETS["Transformer base (2017)"]
        big = PRESETS["Transformer big (2017)"]

        assert base == TransformerConfig.transformer_base()
        assert big == TransformerConfig.transformer_big()


class TestStages:
    @pytest.mark.parametrize("config", EVERY_CONFIG, ids=lambda c: c.kind)
    def test_parameters_of_all_stages_sum_to_the_model_count(self, config):
        found = stages(config)

        assert sum(s.parameters * s.repeat for s in found) == config.parameter_count()

    def test_gpt2_small_shapes(self):
        found = {s.key: s for s in stages(PRESETS["GPT-2 small"])}

        assert found["tokens"].output_shape == ("B", "T", 768)
        assert found["block.self.qkv"].output_shape == ("B", 12, "T", 64)
        assert found["block.self.scores"].output_shape == ("B", 12, "T", "T")
        assert found["block.ff.up"].output_shape == ("B", "T", 3072)
        assert found["logits"].output_shape == ("B", "T", 50257)
        assert found["block.ff.up"].repeat == 12

    def test_shapes_match_the_pytorch_model(self):
        import torch

        from neuron.transformer.model import Transformer

        config = dataclasses.replace(TINY, tie_embeddings=False)
        model = Transformer(config)
        seen = {}
        modules = {
            "positions": model.embed,
            "block.self.out": model.blocks[0].attn,
            "block.ff.up": model.blocks[0].ff.up,
            "block.ff.down": model.blocks[0].ff,
            "final_norm": model.final_norm,
        }
        for key, module in modules.items():
            module.register_forward_hook(
                lambda _m, _i, out, key=key: seen.update({key: tuple(out.shape)})
            )
        logits = model(torch.zeros(2, 5, dtype=torch.long))
        expected = {s.key: s.output_shape for s in stages(config, batch=2, context=5)}

        for key, shape in seen.items():
            assert expected[key] == shape, key
        assert expected["logits"] == tuple(logits.shape)

    def test_encoder_decoder_cross_attention_reads_the_source(self):
        found = {s.key: s for s in stages(PRESETS["Transformer base (2017)"])}

        assert found["decoder.cross.kv"].inputs == ("encoder.norm2",)
        assert found["decoder.cross.scores"].output_shape == ("B", 8, "T", "S")
        assert found["target.tokens"].parameters == 0  # shared with the source

    def test_a_context_beyond_learned_positions_is_refused(self):
        with pytest.raises(InvalidArgumentError, match="context <= 128"):
            stages(TINY, context=129)

    def test_format_shape(self):
        assert format_shape(("B", "T", 768)) == "(B, T, 768)"


class TestMermaid:
    def test_every_stage_and_every_shape_appears(self):
        config = PRESETS["GPT-2 small"]
        text = mermaid(config)

        assert text.startswith("flowchart TD")
        for stage in stages(config):
            assert stage.name in text
            assert f'"{format_shape(stage.output_shape)}"' in text
        assert "block x 12" in text

    def test_every_edge_has_a_shape(self):
        edges = [line for line in mermaid(TINY).splitlines() if "-->" in line]

        assert edges
        assert all('-->|"(' in line for line in edges)

    def test_numbers_replace_symbols_when_given(self):
        assert '"(2, 5, 65)"' in mermaid(TINY, batch=2, context=5)


class TestCosts:
    def test_throughput_scales_inversely_with_flops(self):
        flops = TINY.flops_per_token(training=True, logits=True)
        measured = Throughput(1000.0, flops, "test")
        big = PRESETS["GPT-2 small"]
        big_flops = big.flops_per_token(training=True, context=128, logits=True)

        assert measured.for_config(TINY) == pytest.approx(1000.0)
        assert measured.for_config(big, 128) == pytest.approx(1000 * flops / big_flops)

    def test_estimate_is_tokens_over_rate(self):
        estimate = run_estimate(TINY, 1_000_000, 2000.0)

        assert estimate.seconds == pytest.approx(500.0)
        assert estimate.flops == 1_000_000 * TINY.flops_per_token(
            training=True, logits=True
        )

    @pytest.mark.parametrize("rate", [0, -1.0, float("nan"), None])
    def test_estimate_refuses_a_rate_that_is_not_positive(self, rate):
        with pytest.raises(InvalidArgumentError, match="tokens_per_second"):
            run_estimate(TINY, 10, rate)

    def test_memory_table_has_both_dtypes_and_the_kv_cache(self):
        rows = {row["part"]: row for row in memory_table(TINY, 8, 128)}
        full = TINY.memory(8, 128, "float32")

        assert rows["parameters"]["float32"] == full["parameters"]
        assert (
            rows["training total"]["bfloat16"]
            == TINY.memory(8, 128, "bfloat16")["total"]
        )
        assert rows["key/value cache (generation)"]["float32"] == (
            TINY.kv_cache_bytes(8, 128)
        )

    def test_throughput_comes_from_the_newest_finished_gpt_run(self, store):
        old = store.create_run("old", {"model": TINY.to_dict()}, seed=0)
        store.log_metrics(old.id, 1, {"tokens_per_second": 10.0})
        store.finish_run(old.id, "finished")
        run = store.create_run(
            "new", {"model": TINY.to_dict(), "train": {"context": 64}}, seed=0
        )
        for step, rate in enumerate([100.0, 300.0, 200.0], start=1):
            store.log_metrics(run.id, step, {"tokens_per_second": rate})
        store.finish_run(run.id, "finished")
        store.create_run("word2vec", {"dimensions": 50}, seed=0)

        found = throughput_from_store(store)

        assert found.tokens_per_second == 200.0
        assert found.flops_per_token == TINY.flops_per_token(
            training=True, context=64, logits=True
        )
        assert "new" in found.source

    def test_no_run_means_no_throughput(self, store):
        assert throughput_from_store(store) is None

    def test_timing_a_few_steps_gives_a_positive_rate(self):
        measured = time_training(TINY, batch=2, steps=1, context=16)

        assert measured.tokens_per_second > 0
        assert "CPU" in measured.source

    def test_timing_refuses_a_large_model(self):
        with pytest.raises(InvalidArgumentError, match="124,439,808"):
            time_training(PRESETS["GPT-2 small"])

    def test_a_model_too_large_to_time_is_estimated_from_the_tiny_one(self):
        measured = measure_throughput(
            PRESETS["Transformer base (2017)"], batch=2, steps=1, context=16
        )

        assert "tiny preset" in measured.source

    def test_formats(self):
        assert format_bytes(1536) == "1.5 KiB"
        assert format_duration(30) == "30.0 s"
        assert format_duration(3 * 3600 + 12 * 60 + 5) == "3 h 12 min"


class TestHandOff:
    def test_a_sent_run_reads_back(self, store):
        sent = send_to_codelab(store, TINY, {"steps": 50, "batch_size": 4})
        found = read_pending_run(store)

        assert found == sent
        assert TransformerConfig.from_dict(found["model"]) == TINY
        assert found["train"] == {"steps": 50, "batch_size": 4}
        assert "4 layers" in found["name"]

    def test_the_object_is_a_0d_unicode_array_of_json(self, store):
        send_to_codelab(store, TINY, name="mine")
        stored = store.get_object(PENDING_RUN).array

        assert stored.shape == () and stored.dtype.kind == "U"
        assert json.loads(str(stored[()]))["name"] == "mine"

    def test_sending_rewrites_the_workspace_stamp(self, store):
        send_to_codelab(store, TINY)

        assert PENDING_RUN in workspace_stamp(store.path).read_text()

    def test_nothing_pending_reads_as_none(self, store):
        assert read_pending_run(store) is None
        send_to_codelab(store, TINY)
        assert clear_pending_run(store) is True
        assert read_pending_run(store) is None
        assert clear_pending_run(store) is False

    def test_an_encoder_decoder_is_not_sent(self, store):
        with pytest.raises(InvalidArgumentError, match="kind='decoder'"):
            send_to_codelab(store, PRESETS["Transformer base (2017)"])

    @pytest.mark.parametrize(
        "settings, phrase",
        [
            ({"steps": 0}, "steps"),
            ({"speed": 3}, "TrainSettings fields"),
            ({"context": 512}, "training context"),
        ],
    )
    def test_bad_settings_are_refused(self, store, settings, phrase):
        with pytest.raises(InvalidArgumentError, match=phrase):
            send_to_codelab(store, TINY, settings)
        assert read_pending_run(store) is None

    def test_a_damaged_object_is_reported(self, store):
        store.put_object(PENDING_RUN, np.array("not json"))

        with pytest.raises(InvalidArgumentError, match="send the config again"):
            read_pending_run(store)
