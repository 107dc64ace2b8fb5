"""The Norse plugin of norse-viz: registers its plots and the ``norse viz`` command.

Light by design: registering imports neither matplotlib nor any plotting code path that
needs it; matplotlib is imported when a plot is drawn.
"""

from __future__ import annotations

from collections.abc import Callable

from norse.hookspecs import CommandSpec, PlotSpec, hookimpl
from norse_viz.activity import firing_rate_histogram, heatmap, layer_summary
from norse_viz.animation import animate
from norse_viz.cli import VIZ_COMMAND
from norse_viz.metrics import training_curves
from norse_viz.raster import raster
from norse_viz.traces import plot_neuron, state_traces
from norse_viz.weights import weights

PLOTS = (
    PlotSpec("raster", "spike raster of a (T, N) spike tensor", raster),
    PlotSpec("neuron", "a registered neuron's states under a step current", plot_neuron),
    PlotSpec(
        "traces", "one neuron's recorded voltages, threshold, spikes and currents", state_traces
    ),
    PlotSpec("heatmap", "2-D activity of a conv layer, channels tiled", heatmap),
    PlotSpec("firing_rates", "histogram of the neurons' firing rates (Hz)", firing_rate_histogram),
    PlotSpec(
        "layer_summary", "mean firing rate and fraction active per recorded layer", layer_summary
    ),
    PlotSpec("weights", "a weight matrix, colours symmetric around 0", weights),
    PlotSpec("metrics", "training curves of a norse-tasks run (metrics.jsonl)", training_curves),
    PlotSpec("animation", "2-D activity over time to a GIF or MP4 file", animate),
)
"""Every plot norse-viz registers, in ``norse viz list`` order."""


@hookimpl
def norse_register_plots(register: Callable[[PlotSpec], None]) -> None:
    """Register the plots of :data:`PLOTS`."""
    for spec in PLOTS:
        register(spec)


@hookimpl
def norse_register_commands(register: Callable[[CommandSpec], None]) -> None:
    """Register the ``norse viz`` command."""
    register(VIZ_COMMAND)
