"""The run Builder hands to Code Lab.

Builder saves the model a user designed, with training settings, as the
workspace object ``builder.pending_run`` (``neuron.transformer.builder``
writes and reads it); Code Lab reads it from here and launches it with
``GptJob.from_builder``, then clears it.
"""

from neuron.transformer.builder import (
    PENDING_RUN,
    clear_pending_run,
    read_pending_run,
)

__all__ = ["PENDING_RUN", "clear_pending_run", "read_pending_run"]
