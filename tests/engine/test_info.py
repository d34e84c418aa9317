"""neuron.engine.info(), threads and SIMD selection, including the environment."""

import json
import os
import subprocess
import sys

from neuron import engine


def test_info_reports_compiler_simd_threads_and_cuda():
    info = engine.info()
    assert info["compiler"]
    assert info["simd"] in ("avx512", "avx2", "neon", "scalar")
    assert info["simd"] == info["simd_available"][-1]
    assert "scalar" in info["simd_compiled"]
    assert info["num_threads"] >= 1
    assert isinstance(info["cpu_features"], dict)
    cuda = info["cuda"]
    assert set(cuda) >= {"compiled", "architectures", "version", "device", "reason"}
    assert json.dumps(info)  # plain data, ready for `neuron doctor --json`


def test_cpu_features_match_the_simd_levels_on_x86():
    info = engine.info()
    if info["target_processor"] not in ("x86_64", "AMD64"):
        return
    features = info["cpu_features"]
    assert ("avx2" in info["simd_available"]) == (features["avx2"] and features["fma"])
    assert ("avx512" in info["simd_available"]) == features["avx512f"]


def test_without_a_device_info_gives_a_reason_instead_of_raising():
    cuda = engine.info()["cuda"]
    if cuda["device"] is None:
        assert cuda["reason"]
        assert cuda["devices"] == []
    else:
        assert cuda["reason"] is None
        assert {"name", "compute_capability", "total_memory_bytes"} <= set(
            cuda["device"]
        )


def test_cuda_build_lists_its_architectures():
    cuda = engine.info()["cuda"]
    if cuda["compiled"]:
        assert cuda["architectures"]
        assert cuda["version"]


def test_set_num_threads_changes_the_pool(restore_threads):
    engine.set_num_threads(3)
    assert engine.num_threads() == 3
    assert engine.info()["num_threads"] == 3


def test_set_simd_selects_and_restores():
    engine.set_simd("scalar")
    try:
        assert engine.simd_level() == "scalar"
    finally:
        engine.set_simd(None)
    assert engine.simd_level() == engine.available_simd()[-1]


def _run_with_env(env: dict[str, str]) -> dict:
    code = "import json; from neuron import engine; print(json.dumps(engine.info()))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_environment_sets_threads_and_simd():
    info = _run_with_env({"NEURON_NUM_THREADS": "3", "NEURON_SIMD": "scalar"})
    assert info["num_threads"] == 3
    assert info["simd"] == "scalar"


def test_bad_environment_is_ignored_not_fatal():
    info = _run_with_env({"NEURON_NUM_THREADS": "many", "NEURON_SIMD": "sse9"})
    assert info["num_threads"] >= 1
    assert info["simd"] == info["simd_available"][-1]
