"""The sandbox's child process: it checks a learner's answer and runs it.

``neuron.capstone.sandbox`` starts this file as a script in a fresh Python
(``python -I child.py``), writes one request to its stdin and reads one reply
from its stdout. The file imports only the standard library and NumPy, so
nothing of neuron (the store, the server) is loaded in the process that runs
untrusted code. The parent imports it too, for the message codec, so both
sides share one definition of the wire format.

Containment comes in layers; each one stops the ordinary mistake, and a
hostile answer has to get through all of them:

1. Before anything runs, the source is parsed and refused if it imports,
   names anything that starts with an underscore (``__class__``,
   ``__import__``), reaches for frames or file I/O (``gi_frame``,
   ``tofile``, ``open``, ``exec``) or defines a class.
2. It runs with a namespace of vetted names: a few builtins (``abs``,
   ``min``, ``range``...), ``np`` as a proxy holding only pure array
   functions (no ``load``, ``save``, ``memmap``, ``ctypeslib``, ``lib``), and
   the exercise's inputs.
3. The process itself is limited before the source is even parsed: its
   address space (``RLIMIT_AS``), its CPU time (``RLIMIT_CPU``), no new file
   descriptors (``RLIMIT_NOFILE`` = 0: no file, socket or pipe can be
   opened), no bytes written to a regular file (``RLIMIT_FSIZE`` = 0), no new
   processes (``RLIMIT_NPROC`` = 0, not enforced for root), and a wall-clock
   alarm that ends the process.
4. The parent kills the process at its own deadline and accepts nothing but
   numeric arrays in NumPy's ``.npy`` format, read with ``allow_pickle=False``.

Wire format, both ways: one line of JSON (the header), then ``header["n_arrays"]``
arrays, each in ``.npy`` format. The request's header holds the source, the
limits and, per trial, the names of its arrays and its scalar inputs; the
reply's holds ``status`` ("ok" or "error") and, on error, ``kind`` and
``message``.

Linux only for the limits that matter: ``RLIMIT_AS`` is not enforced on
macOS, and Windows has no ``resource`` module (the child then refuses to run,
with a message saying so).
"""

import ast
import io
import json
import math
import os
import signal
import sys
import types

import numpy as np

# Exit status of a child that ran out of wall-clock time.
EXIT_TIMEOUT = 124

# The longest source accepted, in characters.
MAX_SOURCE = 20_000

# ---- what the answer may use -----------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SAFE_BUILTINS = _words(
    "abs all any bool dict divmod enumerate filter float int len list map max min pow "
    "range reversed round slice sorted sum tuple zip"
)

# Pure array functions, dtypes and constants; nothing that reads or writes a
# file, touches raw memory, or hands out a module.
NUMPY_NAMES = _words(
    "abs absolute add subtract multiply divide true_divide floor_divide power "
    "float_power negative positive sqrt cbrt square exp exp2 expm1 log log2 log10 "
    "log1p logaddexp logaddexp2 sin cos tan arcsin arccos arctan arctan2 sinh cosh "
    "tanh arcsinh arccosh arctanh hypot maximum minimum fmax fmin clip sign floor "
    "ceil rint round trunc mod remainder fmod reciprocal isfinite isnan isinf where "
    "heaviside deg2rad rad2deg greater greater_equal less less_equal equal not_equal "
    "logical_and logical_or logical_not logical_xor sum prod mean std var max min "
    "amax amin argmax argmin cumsum cumprod all any median average nansum nanmax "
    "nanmin count_nonzero ptp array asarray zeros ones empty full zeros_like "
    "ones_like full_like arange linspace logspace eye identity diag diagonal tri tril "
    "triu outer meshgrid indices reshape transpose swapaxes moveaxis expand_dims "
    "squeeze concatenate stack vstack hstack column_stack split array_split tile "
    "repeat broadcast_to atleast_1d atleast_2d ravel flip roll take take_along_axis "
    "sort argsort einsum dot matmul inner tensordot vdot trace kron cross allclose "
    "isclose array_equal unique nonzero flatnonzero searchsorted interp pad shape "
    "ndim size float16 float32 float64 int8 int16 int32 int64 uint8 bool_ intp double "
    "pi e inf nan newaxis"
)

LINALG_NAMES = _words(
    "norm inv det solve eig eigh eigvals eigvalsh svd qr cholesky pinv matrix_power "
    "matrix_rank slogdet lstsq multi_dot"
)

# Names refused wherever they appear, with the reason the report gives.
FORBIDDEN_NAMES = {
    **dict.fromkeys(("open", "input", "print"), "input and output"),
    **dict.fromkeys(
        ("exec", "eval", "compile", "breakpoint", "help"), "running other code"
    ),
    **dict.fromkeys(
        ("globals", "locals", "vars", "dir", "getattr", "setattr", "delattr"),
        "reflection",
    ),
    **dict.fromkeys(
        ("type", "object", "super", "memoryview", "classmethod", "staticmethod"),
        "reflection",
    ),
    **dict.fromkeys(("os", "sys", "subprocess", "exit", "quit"), "the system"),
}

# Attributes refused on any object: file I/O and raw memory on arrays and
# NumPy scalars, modules reachable from NumPy, and the frame, code and
# traceback objects that lead back to the worker's globals.
FORBIDDEN_ATTRIBUTES = {
    **dict.fromkeys(
        _words(
            "tofile dump dumps load loads save savez savez_compressed savetxt "
            "loadtxt genfromtxt fromfile fromregex memmap open_memmap DataSource"
        ),
        "file input and output",
    ),
    **dict.fromkeys(
        _words("ctypes ctypeslib lib f2py testing distutils os sys core"),
        "raw memory or a module",
    ),
    **dict.fromkeys(
        ["format", "format_map", "mro", "with_traceback"],
        "reflection",
    ),
}
FORBIDDEN_PREFIXES = ("_", "f_", "gi_", "co_", "cr_", "ag_", "tb_")

# Syntax refused, with the reason.
FORBIDDEN_NODES = {
    ast.Import: "imports",
    ast.ImportFrom: "imports",
    ast.ClassDef: "class definitions",
    ast.AsyncFunctionDef: "async code",
    ast.Await: "async code",
    ast.AsyncFor: "async code",
    ast.AsyncWith: "async code",
    ast.Yield: "generators",
    ast.YieldFrom: "generators",
    ast.Global: "global statements",
    ast.Nonlocal: "nonlocal statements",
}


class Refused(Exception):
    """The source breaks a rule of the sandbox; the message says which."""


def validate(tree: ast.AST) -> None:
    """Refuse a parsed answer that uses anything outside the sandbox's rules.

    Raises:
        Refused: with the line and the reason of the first problem in the
            source, reading left to right.
    """
    problems = []
    for node in ast.walk(tree):
        problem = _problem(node)
        if problem is not None:
            # Where the node ends: in a.b.c, the attribute b ends before c.
            line = getattr(node, "end_lineno", None) or 0
            where = (line, getattr(node, "end_col_offset", None) or 0)
            problems.append((where, f"line {line}: {problem}"))
    if problems:
        raise Refused(min(problems)[1])


def _problem(node: ast.AST) -> str | None:
    for kind, why in FORBIDDEN_NODES.items():
        if isinstance(node, kind):
            return f"{why} are not allowed"
    if isinstance(node, ast.Name):
        return _name_problem(node.id, "the name")
    if isinstance(node, ast.arg):
        return _name_problem(node.arg, "the argument")
    if isinstance(node, ast.keyword) and node.arg is not None:
        return _name_problem(node.arg, "the keyword")
    if isinstance(node, ast.Attribute):
        attr = node.attr
        if attr.startswith(FORBIDDEN_PREFIXES):
            return (
                f"the attribute {attr!r} is not allowed (names starting with _ "
                "or naming frames and code objects reach outside the sandbox)"
            )
        if attr in FORBIDDEN_ATTRIBUTES:
            return (
                f"the attribute {attr!r} is not allowed ({FORBIDDEN_ATTRIBUTES[attr]})"
            )
    return None


def _name_problem(name: str, what: str) -> str | None:
    if name.startswith("_"):
        return (
            f"{what} {name!r} is not allowed (names starting with _ reach "
            "outside the sandbox)"
        )
    if name in FORBIDDEN_NAMES:
        return f"{what} {name!r} is not allowed ({FORBIDDEN_NAMES[name]})"
    return None


def compile_answer(source: str) -> types.CodeType:
    """Parse, validate and compile an answer: an expression, or statements
    that set ``result`` or end with an expression.

    Raises:
        Refused: the source is too long, malformed or breaks a rule.
    """
    if len(source) > MAX_SOURCE:
        raise Refused(f"expected at most {MAX_SOURCE} characters, got {len(source)}")
    try:
        tree = ast.parse(source, filename="<answer>", mode="exec")
    except SyntaxError as exc:
        raise Refused(f"syntax error on line {exc.lineno}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise Refused(f"the source cannot be parsed ({exc})") from None
    if not tree.body:
        raise Refused("the answer is empty; write an expression for the result")
    validate(tree)

    # A last line that is an expression is the result.
    last = tree.body[-1]
    if isinstance(last, ast.Expr):
        target = ast.Name(id="result", ctx=ast.Store())
        tree.body[-1] = ast.copy_location(
            ast.Assign(targets=[target], value=last.value), last
        )
        ast.fix_missing_locations(tree)
    try:
        return compile(tree, "<answer>", "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        raise Refused(f"the source cannot be compiled ({exc})") from None


def namespace(values: dict) -> dict:
    """A fresh global namespace: safe builtins, the NumPy proxy, the inputs."""
    import builtins

    safe = {name: getattr(builtins, name) for name in SAFE_BUILTINS}
    safe["__import__"] = _numpy_import
    linalg = types.SimpleNamespace(
        **{name: getattr(np.linalg, name) for name in LINALG_NAMES}
    )
    proxy = types.SimpleNamespace(
        **{name: getattr(np, name) for name in NUMPY_NAMES}, linalg=linalg
    )
    return {"__builtins__": safe, "np": proxy, **values}


def _numpy_import(name, globals=None, locals=None, fromlist=(), level=0):
    """The ``__import__`` of the answer's builtins, for NumPy's own use.

    NumPy's C code imports helpers lazily (``ndarray.max`` imports
    ``numpy._core._methods``), through the builtins of the calling frame,
    which are the answer's. The answer cannot name ``__import__`` itself
    (``validate`` refuses it); this lets NumPy find its modules that are
    already loaded and nothing else.
    """
    import builtins

    root = name.partition(".")[0]
    if level == 0 and root == "numpy" and name in sys.modules:
        return builtins.__import__(name, globals, locals, fromlist, level)
    raise ImportError(f"importing {name!r} is not allowed in the sandbox")


# ---- the wire format -------------------------------------------------------


def write_message(stream, header: dict, arrays=()) -> None:
    """Write a JSON header line and then each array in ``.npy`` format."""
    arrays = list(arrays)
    line = json.dumps({**header, "n_arrays": len(arrays)}) + "\n"
    stream.write(line.encode())
    for array in arrays:
        np.lib.format.write_array(stream, np.asarray(array), allow_pickle=False)
    stream.flush()


def read_message(stream, max_header: int = 1 << 20) -> tuple[dict, list]:
    """Read what ``write_message`` wrote; arrays of objects are refused.

    Raises:
        ValueError: the header is not JSON or an array is malformed.
    """
    line = stream.readline(max_header)
    if not line.endswith(b"\n"):
        raise ValueError("expected a header line, got none or one too long")
    header = json.loads(line)
    count = header.get("n_arrays", 0)
    arrays = [
        np.lib.format.read_array(stream, allow_pickle=False) for _ in range(count)
    ]
    return header, arrays


# ---- the process limits ----------------------------------------------------


def apply_limits(memory_mb: int, cpu_seconds: float) -> None:
    """Limit this process: memory, CPU time, files, processes.

    The address space may grow by ``memory_mb`` over its size now, so the
    limit does not depend on how much NumPy itself maps. Irreversible.

    Raises:
        OSError or ValueError: a limit cannot be set (not on Linux).
    """
    import resource

    size = _address_space() + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    cpu = math.ceil(spent + cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _address_space() -> int:
    """This process's virtual size in bytes, from /proc (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError("VmSize not found in /proc/self/status")


# ---- running the answer ----------------------------------------------------


def run(request: dict, arrays: list) -> tuple[dict, list]:
    """Run the answer on every trial; the reply header and result arrays."""
    try:
        code = compile_answer(request["source"])
    except Refused as exc:
        return {"status": "error", "kind": "refused", "message": str(exc)}, []

    results = []
    position = 0
    for trial in request["trials"]:
        values = dict(trial["scalars"])
        for name in trial["arrays"]:
            values[name] = arrays[position]
            position += 1
        scope = namespace(values)
        try:
            exec(code, scope)
        except MemoryError as exc:
            return _error("memory", f"MemoryError: {exc}"), []
        except BaseException as exc:  # noqa: BLE001 - any failure is reported
            return _error("runtime", _describe(exc)), []
        if "result" not in scope:
            return _error(
                "output",
                "the answer sets no result; end with an expression or assign to result",
            ), []
        try:
            results.append(_as_result(scope["result"], request["max_elements"]))
        except MemoryError as exc:
            return _error("memory", f"MemoryError: {exc}"), []
        except (TypeError, ValueError) as exc:
            return _error("output", str(exc)), []
    return {"status": "ok"}, results


def _as_result(value, max_elements: int) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"expected a real numeric array as the result, got dtype {array.dtype}"
        )
    if array.size > max_elements:
        raise ValueError(
            f"expected at most {max_elements} numbers in the result, got "
            f"{array.size} (shape {array.shape})"
        )
    return np.ascontiguousarray(array, dtype=np.float64)


def _describe(exc: BaseException) -> str:
    """``Type: message (line n)``, n the deepest line of the answer."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<answer>":
            line = tb.tb_lineno
        tb = tb.tb_next
    where = f" (line {line})" if line is not None else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _error(kind: str, message: str) -> dict:
    return {"status": "error", "kind": kind, "message": message}


def _out_of_time(signum, frame) -> None:
    os._exit(EXIT_TIMEOUT)


def main() -> None:
    """Read a request on stdin, run it, write the reply on stdout."""
    # Read all of stdin first: NumPy reads real files with fromfile, which
    # needs a seekable file, and a pipe is not one.
    request, arrays = read_message(io.BytesIO(sys.stdin.buffer.read()))

    # Keep the reply channel on a private descriptor and point stdout at
    # /dev/null, so nothing the answer does can reach the parent's reader.
    reply = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)

    try:
        apply_limits(request["memory_mb"], request["timeout"])
    except (ImportError, OSError, ValueError) as exc:
        header = _error(
            "unsupported",
            f"the sandbox cannot limit this process ({exc}); it needs Linux",
        )
        buffer = io.BytesIO()
        write_message(buffer, header)
        reply.write(buffer.getvalue())
        return

    signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, request["timeout"])
    header, results = run(request, arrays)
    signal.setitimer(signal.ITIMER_REAL, 0)
    # Through a buffer: NumPy writes real files with tofile, which a pipe
    # refuses.
    buffer = io.BytesIO()
    try:
        write_message(buffer, header, results)
    except MemoryError:
        buffer = io.BytesIO()
        write_message(buffer, _error("memory", "no memory left for the result"))
    reply.write(buffer.getvalue())
    reply.flush()


if __name__ == "__main__":
    main()
