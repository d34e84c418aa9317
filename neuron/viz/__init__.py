"""Altair chart builders shared by the workbench and the lessons.

Each builder takes arrays and labels and returns an ``alt.Chart`` (or a
layered or concatenated chart) ready for ``mo.ui.altair_chart`` or for
display as is; none of them computes anything a reader should learn from.
Import from the modules: ``neuron.viz.attention`` (heatmaps, attention
head and model views, probabilities), ``neuron.viz.embeddings`` (maps of
embeddings, neighbours, similarity, drift), ``neuron.viz.builder``
(parameters per component) and ``neuron.viz.lab`` (training curves).
"""
