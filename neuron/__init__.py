"""neuron: a local research workbench for understanding transformers."""

__version__ = "0.1.0"
