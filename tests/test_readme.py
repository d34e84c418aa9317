"""The README's Python examples run as written, so the front door never
shows code that has drifted from the library."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from neuron.curriculum.corpora import generated_sentences

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_a_readme_example_runs(number, tmp_path, monkeypatch):
    code = BLOCKS[number]
    if "path/to/texts/" in code:
        # The word2vec example names a folder of the reader's texts; give it
        # one, with the words its queries ask for.
        folder = tmp_path / "texts"
        folder.mkdir()
        lines = [" ".join(s) for s in generated_sentences(20_000, seed=0)]
        lines += ["elizabeth was queen of england and her court"] * 20
        (folder / "corpus.txt").write_text("\n".join(lines) + "\n")
        code = code.replace("path/to/texts/", f"{folder}/")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"README.md example {number + 1}", "exec"), {})
