"""`neuron doctor` and `neuron bench` through the installed command."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def neuron(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "neuron.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_doctor_reports_engine_store_and_what_is_missing(neuron_home):
    result = neuron("doctor", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    assert report["versions"]["numpy"] and report["versions"]["marimo"]
    assert report["engine"]["simd"] in ("scalar", "avx2", "avx512", "neon")
    assert report["engine"]["num_threads"] >= 1
    assert report["store"]["path"] == str(neuron_home / "neuron.db")
    for problem in report["problems"]:
        assert problem["missing"] and problem["fix"]
    if not report["engine"]["cuda"]["devices"]:
        assert any("CUDA" in p["missing"] for p in report["problems"])


def test_doctor_never_creates_the_store(neuron_home):
    assert neuron("doctor").returncode == 0
    assert not (neuron_home / "neuron.db").exists()


def test_doctor_reads_an_existing_store_without_changing_it(neuron_home):
    assert neuron("notes", "add", "kept").returncode == 0
    db = neuron_home / "neuron.db"
    before = db.read_bytes()

    report = json.loads(neuron("doctor", "--json").stdout)

    assert report["store"]["notes"] == 1
    assert (
        report["store"]["schema_version"] == report["store"]["supported_schema_version"]
    )
    assert db.read_bytes() == before


def test_bench_softmax_prints_every_backend_and_the_ratio(neuron_home):
    result = neuron(
        "bench", "softmax", "--rows", "64", "--cols", "96", "--repeats", "2"
    )
    assert result.returncode == 0, result.stderr
    for word in ("engine", "reference", "torch", "torch time / this", "64 x 96"):
        assert word in result.stdout

    records = json.loads(
        neuron("bench", "softmax", "--rows", "8", "--cols", "16", "--json").stdout
    )
    assert [r["backend"] for r in records if r["output"] == "new"] == [
        "engine",
        "reference",
        "torch",
    ]
    assert [r["backend"] for r in records if r["output"] == "given"] == [
        "engine",
        "torch",
    ]
    assert all(r["ratio_vs_torch"] == 1.0 for r in records if r["backend"] == "torch")
    for record in records:
        assert record["rows_per_second"] > 0 and record["shape"] == [8, 16]


def test_bench_rejects_an_unknown_dtype(neuron_home):
    result = neuron("bench", "softmax", "--dtype", "int8")
    assert result.returncode == 1
    assert "float32 or float64" in result.stderr


def test_bench_word2vec_compares_speed_and_quality(neuron_home):
    novel = str(REPO.parent / "shared" / "corpora" / "pride_and_prejudice.txt")
    result = neuron(
        "bench", "word2vec", "--corpus", novel, "--threads", "1", "--epochs", "1",
        "--reference-words", "500", "--seeds", "2", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    runs = {run["tool"]: run for run in report["runs"]}

    assert report["corpus_words"] > 100_000 and report["vocabulary"] > 1_000
    assert report["quality_seeds"] == 2
    assert {"engine", "engine+encode", "reference"} <= set(runs)
    for run in runs.values():
        assert run["threads"] == 1 and run["words_per_second"] > 0
    assert 0 <= runs["engine"]["analogy"] <= 1
    assert runs["engine+encode"]["analogy"] == runs["engine"]["analogy"]
    assert -1 <= runs["engine"]["similarity"] <= 1
    # Timed only where a CUDA device exists.
    assert report["cuda"] is None or report["cuda"]["pairs_per_second"] > 0
    if report["gensim"]:
        assert runs["gensim"]["ratio_vs_gensim"] == 1.0
        assert runs["engine"]["ratio_vs_gensim"] > 0


def test_bench_word2vec_without_a_corpus_says_what_to_pass(neuron_home):
    env = {**os.environ, "NEURON_CORPORA": str(neuron_home / "missing")}
    result = neuron("bench", "word2vec", env=env)
    assert result.returncode == 1
    assert "--corpus" in result.stderr


def test_bench_attention_json_has_the_settings_and_a_row_per_path(neuron_home):
    result = neuron(
        "bench", "attention", "--t", "16", "--heads", "1", "--head-dim", "8",
        "--repeats", "1", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    settings = report["settings"]
    assert settings["lengths"] == [16] and settings["causal"] == [False, True]
    assert settings["modes"] == ["forward", "forward+backward"]
    assert (settings["heads"], settings["head_dim"], settings["repeats"]) == (1, 8, 1)
    assert settings["threads"] >= 1
    rows = report["rows"]
    assert len(rows) == 2 * 2 * 4
    assert {r["path"] for r in rows} == {"engine", "sdpa", "explicit", "numpy"}
    for row in rows:
        assert row["length"] == 16 and row["seconds"] > 0
        assert row["gflop_per_second"] > 0 and row["ratio_vs_sdpa"] > 0
        assert row["flops"] > 0
    # Timed only where a CUDA device exists; otherwise it says why not.
    cuda = report["cuda"]
    assert (cuda["rows"] is None) == (cuda["reason"] is not None)


def test_bench_attention_table_names_every_column_and_says_why_no_cuda(neuron_home):
    result = neuron(
        "bench", "attention", "--t", "16", "--heads", "1", "--head-dim", "8",
        "--repeats", "1", "--mode", "forward", "--causal",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for word in ("T", "causal", "ms", "GFLOP/s", "vs SDPA", "peak MiB", "numpy"):
        assert word in result.stdout
    assert "fwd+bwd" not in result.stdout
    assert "CUDA" in result.stdout


def test_bench_attention_rejects_an_unknown_mode(neuron_home):
    result = neuron("bench", "attention", "--mode", "sideways")
    assert result.returncode == 1
    assert "forward, backward or both" in result.stderr
