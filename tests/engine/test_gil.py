"""The engine releases the GIL: Python runs in other threads during a kernel."""

import threading

import numpy as np

from neuron import engine


def test_python_sees_a_half_written_output_while_the_kernel_runs(restore_threads):
    # One engine thread writes the output row by row, first row first. If the
    # kernel held the GIL, the main thread could only look between Python
    # steps of the worker, where the output of the current call is either all
    # NaN (not started) or all written (finished). Seeing, within one call,
    # the first row written and then the last row not yet written means Python
    # ran in the middle of the kernel.
    engine.set_num_threads(1)
    x = np.random.default_rng(0).standard_normal((2048, 4096)).astype(np.float32)
    out = np.full_like(x, np.nan)
    started, finished = [0], [0]

    def worker() -> None:
        for _ in range(20):
            out.fill(np.nan)
            started[0] += 1
            engine.softmax(x, out=out)
            finished[0] += 1

    thread = threading.Thread(target=worker)
    thread.start()
    seen_half_written = False
    while thread.is_alive() and not seen_half_written:
        call = started[0]
        if call != finished[0] + 1:
            continue
        first_done = not np.isnan(out[0, 0])
        last_pending = np.isnan(out[-1, -1])
        same_call = started[0] == call and finished[0] == call - 1
        seen_half_written = first_done and last_pending and same_call
    thread.join()

    assert seen_half_written, "Python never ran during a kernel call"
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-5)
