"""Code Lab's library: launch training runs in background processes, watch
them, stop and resume them, and compare them.

- ``neuron.lab.jobs``: ``GptJob`` and ``Word2vecJob``, and the exact
  command lines that train them (``torchrun_command``).
- ``neuron.lab.process``: detached processes, ``process.json``, liveness
  and stopping.
- ``neuron.lab.runs``: ``launch_gpt``, ``launch_word2vec``, ``run_state``
  (which tells a died run from a running one), ``stop_run``,
  ``resume_run``.
- ``neuron.lab.tables``: metric frames, smoothing, the run table and the
  config diff.
- ``neuron.lab.notes``: markdown notes on a run.
- ``neuron.lab.handoff``: the run Builder hands over.
- ``neuron.lab.samples``: text from a GPT checkpoint.
- ``neuron.lab.word2vec_job``: the word2vec training command.
"""

from neuron.lab.handoff import clear_pending_run, read_pending_run
from neuron.lab.jobs import GptJob, Word2vecJob, torchrun_command
from neuron.lab.notes import add_run_note, run_notes
from neuron.lab.runs import (
    Launch,
    launch_gpt,
    launch_word2vec,
    resume_run,
    run_kind,
    run_state,
    stop_run,
)
from neuron.lab.tables import config_diff, metric_frame, run_table, smooth

__all__ = [
    "GptJob",
    "Launch",
    "Word2vecJob",
    "add_run_note",
    "config_diff",
    "launch_gpt",
    "launch_word2vec",
    "metric_frame",
    "clear_pending_run",
    "read_pending_run",
    "resume_run",
    "run_kind",
    "run_notes",
    "run_state",
    "run_table",
    "smooth",
    "stop_run",
    "torchrun_command",
]
