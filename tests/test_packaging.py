"""A wheel, not only the editable install: `pip install .` must carry the
compiled engine and the notebooks, and work from anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

CHECK = """
import json
import numpy as np
import neuron
from neuron import engine, paths

x = np.array([[0.0, 1.0, 2.0]], dtype=np.float32)
print(json.dumps({
    "package": neuron.__file__,
    "cuda_compiled": engine.info()["cuda"]["compiled"],
    "row_sum": float(engine.softmax(x).sum()),
    "home": str(paths.home_notebook()),
    "home_exists": paths.home_notebook().is_file(),
}))
"""


def test_wheel_carries_engine_and_notebooks(tmp_path):
    # Built without CUDA: quicker, and it exercises NEURON_CUDA=OFF.
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            f"--config-settings=build-dir={tmp_path / 'build'}",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "NEURON_CUDA": "OFF"},
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = wheels.glob("neuron_workbench-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("neuron/engine/_engine") for n in names)
    assert "neuron/_notebooks/workbench/home.py" in names
    assert "neuron/word2vec/data/analogies.txt" in names
    assert "neuron/word2vec/data/similarity.tsv" in names

    site = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--no-deps", "--target"]
    subprocess.run([*install, str(site), str(wheel)], check=True, capture_output=True)

    # Run from an empty folder, without site's start-up files (-S), so that
    # the editable install's import hook cannot send `neuron` to the
    # checkout; NumPy still comes from this environment's site-packages.
    packages = sysconfig.get_paths()["purelib"]
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{packages}"}
    env.pop("NEURON_NOTEBOOKS", None)
    result = subprocess.run(
        [sys.executable, "-S", "-c", CHECK],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["package"].startswith(str(site))
    assert found["cuda_compiled"] is False
    assert found["row_sum"] == pytest.approx(1.0, abs=1e-6)
    assert found["home"].startswith(str(site)) and found["home_exists"]
