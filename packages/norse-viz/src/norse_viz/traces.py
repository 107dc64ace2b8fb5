"""State traces of one neuron: voltages with the threshold and spikes, currents, the rest.

Which state fields are voltages, currents or dynamic thresholds comes from the neuron
registry (:class:`norse.hookspecs.NeuronSpec`'s ``voltage_fields``, ``current_fields``,
``threshold_fields`` and ``spiking``), so every registered neuron, plugin ones included, is
drawn the same way.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn

import norse.plugins
from norse_viz.record import LayerRecording, record

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["make_cell", "plot_neuron", "simulate_neuron", "state_traces", "static_threshold"]

_AMPLITUDES = torch.logspace(-2, 4, 121)
"""Step amplitudes tried by :func:`simulate_neuron` when none is given (one batch entry each)."""


THRESHOLD_PARAMETERS = ("v_th", "v_thresh", "v_threshold")
"""Parameter fields that hold a neuron's static threshold (Norse's models use these names)."""


def static_threshold(parameters: Any) -> float | None:
    """The value of a scalar threshold field (:data:`THRESHOLD_PARAMETERS`) in
    ``parameters``, searched in nested tuples too (``LIFRefracParameters.lif.v_th``).

    Returns None when there is no such field or it is not a single number.
    """
    if not (isinstance(parameters, tuple) and hasattr(parameters, "_fields")):
        return None
    for name, value in zip(parameters._fields, parameters):
        if name in THRESHOLD_PARAMETERS and torch.as_tensor(value).numel() == 1:
            return float(torch.as_tensor(value))
        nested = static_threshold(value)
        if nested is not None:
            return nested
    return None


def make_cell(name: str, dt: float | None = None) -> nn.Module:
    """A one-step module (``NeuronSpec.cell``) of the registered neuron ``name``, defaults.

    A cell whose constructor needs a ``spiking_method`` (the Izhikevich cell) gets
    ``norse.torch.functional.tonic_spiking``.

    Raises:
        ValueError: if no neuron ``name`` is registered (the message lists the names).
    """
    spec = norse.plugins.get("neurons", name)
    kwargs: dict[str, Any] = {} if dt is None else {"dt": dt}
    signature = inspect.signature(spec.cell)
    if "spiking_method" in signature.parameters:
        from norse.torch.functional import tonic_spiking

        kwargs["spiking_method"] = tonic_spiking
    return spec.cell(**kwargs)


def simulate_neuron(
    name: str,
    amplitude: float | None = None,
    steps: int = 300,
    onset: int = 30,
    dt: float | None = None,
) -> tuple[LayerRecording, float]:
    """Simulate the registered neuron ``name`` under a step current.

    The input is 0 for the first ``onset`` steps and ``amplitude`` afterwards, fed to
    ``NeuronSpec.cell`` step by step (:func:`norse_viz.record`).

    When ``amplitude`` is None, 121 amplitudes from 0.01 to 10^4 (log-spaced) run at once
    as a batch, and the smallest one that makes the neuron spike at least 4 times is kept
    (a non-spiking neuron gets amplitude 1; so does a spiking one that never spikes 4 times,
    with a warning).

    Args:
        name: a registered neuron (``norse.plugins.neurons()``), plugin ones included.
        amplitude: the step's height in the model's input units, or None to search.
        steps: number of time steps.
        onset: the step at which the current switches on.
        dt: time step in seconds (default: the cell's own, usually 0.001).

    Returns:
        ``(recording, amplitude)``: the recording of one neuron (batch size 1) and the
        amplitude used.

    Raises:
        ValueError: for an unknown name, ``steps < 1`` or ``onset`` outside ``[0, steps)``.
    """
    spec = norse.plugins.get("neurons", name)
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if not 0 <= onset < steps:
        raise ValueError(f"onset must be in [0, steps={steps}), got {onset}")
    cell = make_cell(name, dt)
    amplitudes = _AMPLITUDES if amplitude is None else torch.tensor([float(amplitude)])
    inputs = torch.zeros(steps, len(amplitudes), 1)
    inputs[onset:] = amplitudes[:, None]
    recording = next(iter(record(cell, inputs).values()))
    index = 0
    if amplitude is None:
        index = int(torch.argmin((amplitudes - 1.0).abs()))
        if spec.spiking:
            counts = (recording.output != 0).sum(0).flatten()
            enough = torch.nonzero(counts >= 4).flatten()
            if len(enough):
                index = int(enough[0])
            else:
                warnings.warn(
                    f"neuron {name!r} spiked fewer than 4 times at every step amplitude from "
                    f"{float(amplitudes[0]):g} to {float(amplitudes[-1]):g}; drawing amplitude "
                    f"{float(amplitudes[index]):g} (pass amplitude= to choose one)",
                    stacklevel=2,
                )
    picked = LayerRecording(
        output=recording.output[:, index : index + 1],
        state={k: v[:, index : index + 1] for k, v in recording.state.items()},
        module=recording.module,
        neuron=recording.neuron,
        parameters=recording.parameters,
        dt=recording.dt,
    )
    return picked, float(amplitudes[index])


def _trace(values: Tensor, index: int) -> Tensor:
    flat = values.reshape(values.shape[0], -1)
    if not 0 <= index < flat.shape[1]:
        raise ValueError(f"index must be in [0, {flat.shape[1]}) (neurons per step), got {index}")
    return flat[:, index].double()


def state_traces(
    recording: LayerRecording,
    index: int = 0,
    ax: Axes | Sequence[Axes] | None = None,
    neuron: str | None = None,
    threshold: float | None = None,
    title: str | None = None,
) -> tuple[Figure, list[Axes]]:
    """Draw one neuron's state over time: voltages, currents and every other state field.

    Panels (top to bottom, each only when there is something to draw):

    1. voltages (the neuron's ``voltage_fields``), its dynamic threshold fields (dashed),
       the static threshold (``v_th`` or ``v_thresh``; dotted horizontal line) and one ``|`` mark per spike
       at the threshold level (or at the top of the voltage range);
    2. currents and conductances (``current_fields``);
    3. every other state field (recovery variables, refractory counters, ...), except the
       spikes ``z`` of a recurrent state.

    Args:
        recording: a :class:`~norse_viz.LayerRecording` (from :func:`norse_viz.record` or
            :func:`simulate_neuron`); state fields and output are ``(T, B, ...)``.
        index: which neuron, counted over the flattened ``(B, ...)`` dimensions.
        ax: None (a new figure with one row per panel), one axes (only the voltage panel
            is drawn) or a sequence or array of axes, one per panel.
        neuron: the registry name of the model; default ``recording.neuron``. Without
            one, fields named ``v`` are voltages and the rest are drawn as "other".
        threshold: the static threshold; default :func:`static_threshold` of
            ``recording.parameters``.
        title: the figure title (default: the neuron's name).

    Returns:
        ``(figure, axes)``: the axes drawn, voltage panel first. Time is on the x axis in
        ms (``recording.dt``, default 1 ms per step).

    Raises:
        ValueError: for an unknown neuron, an index out of range, or too few axes.
    """
    import matplotlib.pyplot as plt

    neuron = neuron if neuron is not None else recording.neuron
    if neuron is not None:
        spec = norse.plugins.get("neurons", neuron)
        voltages, currents = spec.voltage_fields, spec.current_fields
        thresholds, spiking = spec.threshold_fields, spec.spiking
    else:
        voltages, currents, thresholds, spiking = ("v",), (), (), True
    fields = recording.state
    voltages = [f for f in voltages if f in fields]
    currents = [f for f in currents if f in fields]
    thresholds = [f for f in thresholds if f in fields]
    # A recurrent state's ``z`` repeats the output, which the spike marks show already.
    others = [f for f in fields if f not in {*voltages, *currents, *thresholds, "z"}]
    panels = ["voltage", *(["current"] if currents else []), *(["other"] if others else [])]
    if ax is None:
        fig, created = plt.subplots(
            len(panels), 1, sharex=True, figsize=(7, 1.2 + 1.8 * len(panels)), squeeze=False
        )
        axes = list(created[:, 0])
    elif hasattr(ax, "plot"):
        axes, panels, fig = [ax], ["voltage"], ax.figure
    else:  # a sequence or array of axes, e.g. from plt.subplots(3)
        axes = list(np.asarray(ax, dtype=object).flat)
        if len(axes) < len(panels):
            raise ValueError(
                f"ax must hold {len(panels)} axes ({', '.join(panels)}), got {len(axes)}"
            )
        fig = axes[0].figure
    dt = recording.dt if recording.dt is not None else 1e-3
    steps = recording.output.shape[0]
    time = torch.arange(1, steps + 1, dtype=torch.float64) * dt * 1e3
    if threshold is None:
        threshold = static_threshold(recording.parameters)

    volt_ax = axes[0]
    for field in voltages:
        volt_ax.plot(time, _trace(fields[field], index), label=field, color="C0")
    for field in thresholds:
        volt_ax.plot(
            time, _trace(fields[field], index), "--", label=f"{field} (threshold)", color="C3"
        )
    if threshold is not None:
        volt_ax.axhline(threshold, linestyle=":", color="C3", label=f"threshold = {threshold:g}")
    if spiking:
        spike_times = time[_trace(recording.output, index) != 0]
        level = threshold
        if level is None:
            level = volt_ax.get_ylim()[1]
        volt_ax.plot(
            spike_times,
            torch.full_like(spike_times, level),
            "|",
            color="black",
            markersize=14,
            markeredgewidth=1.5,
            label=f"spikes ({len(spike_times)})",
        )
    volt_ax.set_ylabel("voltage (a.u.)")
    volt_ax.legend(loc="upper left", fontsize="small", frameon=False)
    rest = dict(zip(panels[1:], axes[1:]))
    if "current" in rest:
        for n, field in enumerate(currents):
            rest["current"].plot(time, _trace(fields[field], index), label=field, color=f"C{n + 1}")
        rest["current"].set_ylabel("current (a.u.)")
        rest["current"].legend(loc="upper left", fontsize="small", frameon=False)
    if "other" in rest:
        for n, field in enumerate(others):
            rest["other"].plot(time, _trace(fields[field], index), label=field, color=f"C{n + 4}")
        rest["other"].set_ylabel("other state (a.u.)")
        rest["other"].legend(loc="upper left", fontsize="small", frameon=False)
    used = axes[: len(panels)]
    used[-1].set_xlabel("time (ms)")
    if title is None:
        title = neuron or recording.module
    used[0].set_title(title)
    return fig, used


def plot_neuron(
    name: str,
    amplitude: float | None = None,
    steps: int = 300,
    onset: int = 30,
    dt: float | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> tuple[Figure, list[Axes]]:
    """Simulate the registered neuron ``name`` under a step current and draw its traces.

    :func:`simulate_neuron` then :func:`state_traces`; the title names the neuron and the
    step amplitude. Works for every registered neuron, plugin ones included, which makes it
    suitable for rendering one picture per ``norse.plugins.neurons()`` entry::

        for name in norse.plugins.neurons():
            fig, _ = norse_viz.plot_neuron(name)
            fig.savefig(f"{name}.png")

    Args: as :func:`simulate_neuron` (``amplitude=None`` searches for one that spikes) and
    ``ax`` as :func:`state_traces`.

    Returns:
        ``(figure, axes)``.
    """
    recording, used = simulate_neuron(name, amplitude, steps, onset, dt)
    title = (
        f"{name}: step current of {used:.3g} from t = {onset * (recording.dt or 1e-3) * 1e3:g} ms"
    )
    return state_traces(recording, ax=ax, neuron=name, title=title)
