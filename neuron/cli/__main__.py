"""``python -m neuron.cli``, the same as the ``neuron`` command."""

from neuron.cli import main

main()
