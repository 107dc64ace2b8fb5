"""Plots for Norse spiking neural networks (matplotlib, imported only when a plot is drawn).

- :func:`record`: run a model and keep every stateful layer's outputs and states;
- :func:`raster`, :func:`state_traces`, :func:`plot_neuron`, :func:`heatmap`,
  :func:`firing_rate_histogram`, :func:`layer_summary`, :func:`weights`,
  :func:`training_curves`: pictures, each returning its matplotlib figure/axes and drawing
  into given axes (``ax=``);
- :func:`animate`: 2-D activity over time to GIF or MP4;
- Norse 1.x's ``norse.torch.utils.plot`` and ``norse.torch.utils.tensorboard`` live in
  :mod:`norse_viz.norse1` and :mod:`norse_viz.tensorboard`.
"""

from norse_viz.activity import firing_rate_histogram, firing_rates, heatmap, layer_summary
from norse_viz.animation import animate
from norse_viz.metrics import read_metrics, training_curves
from norse_viz.raster import raster
from norse_viz.record import LayerRecording, record
from norse_viz.traces import plot_neuron, simulate_neuron, state_traces
from norse_viz.weights import weights

__all__ = [
    "LayerRecording",
    "animate",
    "firing_rate_histogram",
    "firing_rates",
    "heatmap",
    "layer_summary",
    "plot_neuron",
    "raster",
    "read_metrics",
    "record",
    "simulate_neuron",
    "state_traces",
    "training_curves",
    "weights",
]
