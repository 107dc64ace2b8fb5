"""Activity pictures: 2-D heatmaps of conv layers, firing-rate histograms, layer summaries."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from norse_viz.record import LayerRecording

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["firing_rate_histogram", "firing_rates", "heatmap", "layer_summary", "mosaic"]


def _check_tensor(name: str, value: object) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    return value.detach().cpu()


def _check_dt(dt: float) -> None:
    if not dt > 0:
        raise ValueError(f"dt must be positive (seconds per step), got {dt}")


def firing_rates(spikes: Tensor, dt: float = 1e-3) -> Tensor:
    """Each neuron's firing rate in Hz: ``spikes.sum(0) / (T * dt)`` for ``(T, ...)`` spikes.

    Any nonzero entry counts as one spike; ``dt`` is the step in seconds (default 1 ms).
    Returns a tensor of shape ``spikes.shape[1:]``.
    """
    spikes = _check_tensor("spikes", spikes)
    _check_dt(dt)
    if spikes.dim() < 2:
        raise ValueError(f"spikes must be time-major (T, ...), got shape {tuple(spikes.shape)}")
    return (spikes != 0).sum(0).double() / (spikes.shape[0] * dt)


def mosaic(images: Tensor, columns: int | None = None) -> Tensor:
    """Tile ``(C, H, W)`` images into one ``(rows*(H+1)-1, columns*(W+1)-1)`` image.

    Tiles are separated by one row/column of NaN (drawn as background by ``imshow``); the
    default ``columns`` is ``ceil(sqrt(C))``.
    """
    channels, height, width = images.shape
    columns = columns or math.ceil(math.sqrt(channels))
    rows = math.ceil(channels / columns)
    out = torch.full(
        (rows * (height + 1) - 1, columns * (width + 1) - 1), float("nan"), dtype=images.dtype
    )
    for c in range(channels):
        r, k = divmod(c, columns)
        out[
            r * (height + 1) : r * (height + 1) + height, k * (width + 1) : k * (width + 1) + width
        ] = images[c]
    return out


def heatmap(
    activity: Tensor,
    ax: Axes | None = None,
    batch: int = 0,
    cmap: str = "viridis",
    colorbar: bool = True,
    label: str = "mean activity",
) -> Axes:
    """Draw the 2-D activity of a layer (e.g. a conv layer's spikes) as one image.

    Accepted shapes (time-major, as Norse records them):

    - ``(H, W)``: one image;
    - ``(C, H, W)``: C channels tiled in a grid (:func:`mosaic`);
    - ``(T, C, H, W)``: averaged over time first;
    - ``(T, B, C, H, W)``: batch entry ``batch``, averaged over time.

    Args:
        activity: the activity (spikes, voltages, rates, ...).
        ax: the axes to draw into; a new figure when None.
        batch: which batch entry of a 5-D input.
        cmap: the colour map.
        colorbar: whether to add a colour bar labelled ``label``.
        label: what the colours mean (the colour bar's label).

    Returns:
        The axes; the image is ``ax.images[0]``, one ``imshow`` whatever the size.

    Raises:
        TypeError: if ``activity`` is not a tensor.
        ValueError: for other shapes or a batch index out of range.
    """
    import matplotlib.pyplot as plt

    activity = _check_tensor("activity", activity).double()
    shape = tuple(activity.shape)
    if activity.dim() == 5:
        if not 0 <= batch < shape[1]:
            raise ValueError(f"batch must be in [0, {shape[1]}), got {batch}")
        activity = activity[:, batch].mean(0)
    elif activity.dim() == 4:
        activity = activity.mean(0)
    elif activity.dim() not in (2, 3):
        raise ValueError(
            "activity must have shape (H, W), (C, H, W), (T, C, H, W) or (T, B, C, H, W), "
            f"got {shape}"
        )
    channels = activity.shape[0] if activity.dim() == 3 else 1
    image = mosaic(activity) if activity.dim() == 3 else activity
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    shown = ax.imshow(image.numpy(), cmap=cmap, interpolation="nearest")
    ax.set_xlabel("x (pixel)" if channels == 1 else f"x (pixel), {channels} channels tiled")
    ax.set_ylabel("y (pixel)")
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, label=label)
    return ax


def firing_rate_histogram(
    spikes: Tensor, dt: float = 1e-3, ax: Axes | None = None, bins: int = 30
) -> Axes:
    """Histogram of the firing rates (Hz) of all neurons in ``(T, ...)`` spikes.

    Every neuron (all dimensions after time, batch included) is one count.

    Returns:
        The axes: x is the firing rate in Hz, y the number of neurons.
    """
    import matplotlib.pyplot as plt

    rates = firing_rates(spikes, dt).flatten()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.hist(rates.numpy(), bins=bins, color="C0")
    ax.set_xlabel("firing rate (Hz)")
    ax.set_ylabel("neurons (count)")
    ax.set_title(f"{len(rates)} neurons, mean {float(rates.mean()):.3g} Hz")
    return ax


def layer_summary(recordings: Mapping[str, LayerRecording], ax: Axes | None = None) -> Axes:
    """Bar chart of each spiking layer's mean firing rate (Hz), with the fraction active.

    Args:
        recordings: :func:`norse_viz.record`'s result. Layers whose neuron is registered as
            non-spiking (leaky integrators) are left out; a layer without a ``dt`` counts
            1 ms per step.
        ax: the axes to draw into; a new figure when None.

    Returns:
        The axes: one bar per layer (``ax.patches``), ticked with the layer's name and
        class and labelled with the percentage of its neurons that spiked at least once.
    """
    import matplotlib.pyplot as plt

    import norse.plugins

    neurons = norse.plugins.neurons()
    names, means, active = [], [], []
    for name, layer in recordings.items():
        if layer.neuron is not None and not neurons[layer.neuron].spiking:
            continue
        rates = firing_rates(layer.output, layer.dt or 1e-3)
        names.append(f"{name}\n{layer.module}")
        means.append(float(rates.mean()))
        active.append(float((rates > 0).double().mean()))
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4, 1 + 1.2 * len(names)), 4))
    bars = ax.bar(names, means, color="C0")
    for bar, fraction in zip(bars, active):
        ax.annotate(
            f"{fraction:.0%} active",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_xlabel("layer")
    ax.set_ylabel("mean firing rate (Hz)")
    return ax
