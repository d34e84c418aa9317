"""``neuron bench neighbours`` and the timing behind it."""

import json
import subprocess
import sys

import pytest

from neuron.embeddings.bench import bench_neighbours, gensim_available, random_vectors
from neuron.errors import InvalidArgumentError


def test_bench_command_prints_json_with_both_timings(neuron_home):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "neuron.cli",
            "bench",
            "neighbours",
            "--n",
            "3000",
            "--dim",
            "20",
            "--repeats",
            "3",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["n"] == 3000 and record["dim"] == 20 and record["k"] == 10
    assert record["neuron_ms"] > 0
    if gensim_available():
        assert record["gensim_ms"] > 0
        assert record["ratio_vs_gensim"] == pytest.approx(
            record["gensim_ms"] / record["neuron_ms"]
        )
        assert record["same_answers"] is True


def test_bench_command_prints_a_table(neuron_home):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "neuron.cli",
            "bench",
            "neighbours",
            "--n",
            "2000",
            "--dim",
            "8",
            "--repeats",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "neuron" in result.stdout and "median ms" in result.stdout


def test_random_vectors_are_seeded():
    first, second = random_vectors(50, 4, seed=3), random_vectors(50, 4, seed=3)
    assert (first.matrix == second.matrix).all()
    with pytest.raises(InvalidArgumentError, match="n >= 2"):
        random_vectors(1, 4)


def test_bench_refuses_no_repeats():
    with pytest.raises(InvalidArgumentError, match="repeats >= 1"):
        bench_neighbours(n=10, dim=2, repeats=0)
