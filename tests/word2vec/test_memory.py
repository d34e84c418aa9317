"""Memory while training: bounded by the vocabulary and one chunk, never by
the length of the corpus, so a corpus larger than memory streams through."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

# Peak anonymous resident memory (what the process allocates, RssAnon) above
# the interpreter's baseline (everything imported), for one epoch over the
# given files streamed from disk. Total RSS would also count the pages of
# torch's shared libraries that happen to be faulted in, which once added
# 670 MB in CI without any allocation; a thread samples RssAnon instead.
MEASURE = """
import json, sys, threading, time
from pathlib import Path
import numpy as np, torch
from neuron.text import Corpus
from neuron.word2vec import Word2Vec
import neuron.word2vec.engine

def anon_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no RssAnon in /proc/self/status")

baseline = anon_mb()
peak = baseline
done = threading.Event()

def sample():
    global peak
    while not done.is_set():
        peak = max(peak, anon_mb())
        time.sleep(0.005)

sampler = threading.Thread(target=sample)
sampler.start()
corpus = Corpus(json.loads(sys.argv[1]))
min_count = int(sys.argv[2])
model = Word2Vec(vector_size=100, epochs=1, threads=2, min_count=min_count)
model.fit(corpus)
done.set()
sampler.join()
peak = max(peak, anon_mb())
print(json.dumps({
    "baseline_mb": baseline,
    "above_baseline_mb": peak - baseline,
    "corpus_words": int(model.vocabulary.total),
    "vocabulary": len(model.vocabulary),
}))
"""


def measure(files, min_count: int = 5) -> dict:
    files = json.dumps([str(f) for f in files])
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, files, str(min_count)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def novels(corpora):
    return sorted(corpora.glob("*.txt"))


def test_a_million_words_train_in_under_500_mb(novels):
    found = measure(novels)
    assert found["corpus_words"] > 1_000_000
    assert found["above_baseline_mb"] < 500


def test_memory_does_not_grow_with_the_length_of_the_stream(novels):
    # Eight times the text with eight times the min_count: the same
    # vocabulary, so the matrices are the same size and only the stream is
    # longer.
    once = measure(novels, min_count=5)
    eight_times = measure(novels * 8, min_count=40)

    # Seven more million words would take 28 MB as int32 ids, and hundreds
    # of MB as Python strings, if anything held the corpus; streaming holds
    # one chunk of the same size in both runs (what grows a little is the
    # allocator's slack from one engine thread per chunk).
    assert eight_times["vocabulary"] == once["vocabulary"]
    assert eight_times["corpus_words"] > 7.9 * once["corpus_words"]
    growth = eight_times["above_baseline_mb"] - once["above_baseline_mb"]
    assert growth < 15, (once, eight_times)
