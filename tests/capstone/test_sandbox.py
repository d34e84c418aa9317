"""The sandbox contains hostile and broken answers: each is a clear report,
never an exception, and nothing outside the child process is touched."""

import subprocess
import sys
import time

import pytest

from neuron.capstone import check_answer
from neuron.capstone.sandbox import CHILD

EXERCISE = "eq1-attention"


def _check(source, **limits):
    report = check_answer(EXERCISE, source, **limits)
    assert not report.passed
    assert report.failures == []
    return report


@pytest.mark.slow
def test_endless_loop_is_stopped_within_the_limit():
    start = time.perf_counter()
    report = _check("while True:\n    pass", timeout=1.0)
    assert report.error_kind == "timeout"
    assert "time limit" in report.error
    assert time.perf_counter() - start < 5.0


@pytest.mark.slow
def test_endless_loop_inside_one_c_call_is_stopped():
    # sum(range(...)) never returns to the interpreter, so only the CPU limit
    # or the parent's deadline can stop it.
    report = _check("sum(range(10 ** 13))", timeout=1.0)
    assert report.error_kind == "timeout"


def test_huge_array_reports_the_memory_limit():
    report = _check("np.ones((50000, 50000))", memory_mb=256)
    assert report.error_kind == "memory"
    assert "memory limit" in report.error


def test_huge_python_integer_reports_the_memory_limit_or_time_limit():
    report = _check("10 ** (10 ** 10)", timeout=1.0, memory_mb=64)
    assert report.error_kind in ("memory", "timeout")


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("__import__('os').system('touch /tmp/pwned')", "'__import__'"),
        ("().__class__.__bases__[0].__subclasses__()", "'__class__'"),
        ("open('/etc/passwd').read()", "'open'"),
        ("np.load('/etc/passwd')", "'load'"),
        ("import os\nQ", "imports"),
        ("from os import system\nQ", "imports"),
        ("exec('1')", "'exec'"),
        ("eval('1')", "'eval'"),
        ("getattr(Q, 'tofile')", "'getattr'"),
        ("(x for x in [1]).gi_frame.f_back", "'gi_frame'"),
        ("'{0.__class__}'.format(Q)", "'format'"),
        ("np.ctypeslib", "'ctypeslib'"),
        ("Q.ctypes.data", "'ctypes'"),
        ("class A:\n    pass\nQ", "class definitions"),
        ("__builtins__", "'__builtins__'"),
    ],
)
def test_forbidden_source_is_refused_before_running(source, why):
    report = _check(source)
    assert report.error_kind == "refused"
    assert report.error.startswith("refused:")
    assert why in report.error


def test_syntax_error_is_refused_with_the_line():
    report = _check("Q @\n")
    assert report.error_kind == "refused"
    assert "syntax error on line 1" in report.error


def test_exception_in_the_answer_is_reported_with_its_line():
    report = _check("x = 1\ny = Q @ V\ny")
    assert report.error_kind == "runtime"
    assert "ValueError" in report.error and "(line 2)" in report.error


def test_missing_name_is_a_runtime_error_not_a_crash():
    report = _check("softmax(Q)")
    assert report.error_kind == "runtime"
    assert "NameError" in report.error


def test_answer_without_a_result_says_so():
    report = _check("x = Q @ K.T")
    assert report.error_kind == "output"
    assert "result" in report.error


def test_non_numeric_result_is_refused():
    report = _check("np.array(['a', 'b'])")
    assert report.error_kind == "output"
    assert "numeric" in report.error


def test_an_empty_answer_is_refused():
    assert _check("   \n").error_kind == "refused"


def test_deeply_nested_source_is_refused_not_a_crash():
    assert _check("(" * 500 + "Q" + ")" * 500).error_kind == "refused"


WRITES = [
    "open('{path}', 'w').write('x')",
    "np.save('{path}', Q)",
    "np.savetxt('{path}', Q)",
    "np.savez('{path}', Q)",
    "Q.tofile('{path}')",
    "Q.dump('{path}')",
    "np.memmap('{path}', mode='w+', shape=(2,))",
    "np.lib.format.open_memmap('{path}', mode='w+', shape=(2,))",
    "np.ndarray.tofile(Q, '{path}')",
    "np.asarray(Q).tofile('{path}')",
    "Q[0, 0].tofile('{path}')",
    "np.float64(1).dump('{path}')",
    "__builtins__['open']('{path}', 'w')",
    "np.fromfile('{path}')",
]


@pytest.mark.parametrize("template", WRITES)
def test_answer_cannot_write_a_file(tmp_path, template):
    path = tmp_path / "written"
    report = check_answer(EXERCISE, template.format(path=path) + "\nQ")
    assert not report.passed
    assert report.error is not None
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_child_process_itself_cannot_open_or_write_files(tmp_path):
    # The operating-system layer on its own, with the source checks out of
    # the way: once apply_limits has run, no new file can be opened.
    path = tmp_path / "written"
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(CHILD.parent)!r})\n"
        "import child\n"
        "child.apply_limits(64, 5)\n"
        "for mode in ('w', 'a', 'x'):\n"
        "    try:\n"
        f"        open({str(path)!r}, mode)\n"
        "    except OSError:\n"
        "        pass\n"
        "    else:\n"
        "        print('opened', mode)\n"
        "try:\n"
        "    import socket\n"
        "    socket.socket()\n"
        "except OSError:\n"
        "    print('no socket')\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert "opened" not in done.stdout, done.stdout
    assert "no socket" in done.stdout, done.stderr
    assert not path.exists()


def test_checks_after_a_hostile_answer_still_work():
    _check("np.ones((50000, 50000))", memory_mb=128)
    from neuron.capstone import exercise

    assert check_answer(EXERCISE, exercise(EXERCISE).solution).passed


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"memory_mb": 1}, "memory_mb"),
    ],
)
def test_bad_limits_raise_invalid_argument(kwargs, match):
    from neuron.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match=match):
        check_answer(EXERCISE, "Q", **kwargs)


def test_source_that_is_not_text_raises_invalid_argument():
    from neuron.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="string"):
        check_answer(EXERCISE, b"Q")
