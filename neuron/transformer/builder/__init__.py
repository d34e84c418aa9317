"""The Builder: compose a transformer from a form and see what it costs.

- ``fields``: the presets and the form's validation, field by field
  (``PRESETS``, ``check_fields``, ``config_from_fields``).
- ``stages``: the data flow as stages with their shapes, and as a mermaid
  flowchart (``stages``, ``mermaid``).
- ``costs``: memory at float32 and bfloat16, throughput from the store or
  timed on the CPU, and run time estimates.
- ``handoff``: the config left in the store for Code Lab to train
  (``send_to_codelab``, ``read_pending_run``).

PyTorch is imported only to time training or to check settings sent to
Code Lab.
"""

from neuron.transformer.builder.costs import (
    MAX_TIMED_PARAMETERS,
    Estimate,
    Throughput,
    format_bytes,
    format_duration,
    measure_throughput,
    memory_table,
    run_estimate,
    throughput_from_store,
    time_training,
)
from neuron.transformer.builder.fields import (
    FORM_FIELDS,
    GENERAL,
    PRESETS,
    check_fields,
    config_from_fields,
    form_values,
)
from neuron.transformer.builder.handoff import (
    PENDING_RUN,
    clear_pending_run,
    read_pending_run,
    send_to_codelab,
)
from neuron.transformer.builder.stages import Stage, format_shape, mermaid, stages

__all__ = [
    "FORM_FIELDS",
    "GENERAL",
    "MAX_TIMED_PARAMETERS",
    "PENDING_RUN",
    "PRESETS",
    "Estimate",
    "Stage",
    "Throughput",
    "check_fields",
    "clear_pending_run",
    "config_from_fields",
    "form_values",
    "format_bytes",
    "format_duration",
    "format_shape",
    "measure_throughput",
    "memory_table",
    "mermaid",
    "read_pending_run",
    "run_estimate",
    "send_to_codelab",
    "stages",
    "throughput_from_store",
    "time_training",
]
