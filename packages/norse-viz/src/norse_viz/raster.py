"""Spike raster plots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def raster(
    spikes: torch.Tensor,
    ax: Axes | None = None,
    dt: float | None = None,
    marker: str = "|",
    color: str = "black",
    **scatter_kwargs: Any,
) -> Axes:
    """Draw a spike raster: one mark at ``(t, n)`` for every ``spikes[t, n] != 0``.

    All marks are one ``scatter`` (a single collection), so a million spikes draw in about
    a second.

    Args:
        spikes: a time-major spike tensor of shape ``(T, N)`` (T time steps, N neurons);
            any nonzero entry counts as a spike. Select one batch entry of a ``(T, B, N)``
            output first (``spikes[:, 0]``).
        ax: the matplotlib axes to draw into; a new figure is created when None.
        dt: the duration of one time step in seconds; the x axis is then time in ms.
            Default None: the x axis counts time steps.
        marker: the matplotlib marker of a spike (default ``"|"``).
        color: the colour of the marks (default black).
        **scatter_kwargs: passed on to :meth:`matplotlib.axes.Axes.scatter`.

    Returns:
        The axes drawn into; the marks are its first collection.

    Raises:
        TypeError: if ``spikes`` is not a tensor.
        ValueError: if ``spikes`` is not two-dimensional or ``dt`` is not positive.
    """
    if not isinstance(spikes, torch.Tensor):
        raise TypeError(f"spikes must be a torch.Tensor, got {type(spikes).__name__}")
    if spikes.dim() != 2:
        raise ValueError(
            f"spikes must have shape (T, N), got shape {tuple(spikes.shape)}; "
            "select one batch entry of a (T, B, N) tensor with spikes[:, b]"
        )
    if dt is not None and not dt > 0:
        raise ValueError(f"dt must be positive (seconds per step), got {dt}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    scale = 1.0 if dt is None else dt * 1e3
    steps, neurons = torch.nonzero(spikes.detach().cpu(), as_tuple=True)
    ax.scatter(
        (steps.double() * scale).numpy(),
        neurons.numpy(),
        marker=marker,
        color=color,
        **scatter_kwargs,
    )
    ax.set_xlabel("time step" if dt is None else "time (ms)")
    ax.set_ylabel("neuron (index)")
    ax.set_xlim(0, spikes.shape[0] * scale)
    ax.set_ylim(-0.5, spikes.shape[1] - 0.5)
    return ax
