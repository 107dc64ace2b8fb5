"""Spike raster plots."""

from __future__ import annotations

from typing import Any

import torch
from matplotlib.axes import Axes


def raster(
    spikes: torch.Tensor,
    ax: Axes | None = None,
    dt: float = 1.0,
    marker: str = "|",
    color: str = "black",
    **scatter_kwargs: Any,
) -> Axes:
    """Draw a spike raster: one mark at ``(t * dt, n)`` for every ``spikes[t, n] != 0``.

    Args:
        spikes: a time-major spike tensor of shape ``(T, N)`` (T time steps, N neurons);
            any nonzero entry counts as a spike. Select one batch entry of a ``(T, B, N)``
            output first (``spikes[:, 0]``).
        ax: the matplotlib axes to draw into; a new figure is created when None.
        dt: the duration of one time step, so that the x axis is in time units
            (default 1.0: the x axis counts steps).
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
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    steps, neurons = torch.nonzero(spikes.detach().cpu(), as_tuple=True)
    ax.scatter((steps * dt).numpy(), neurons.numpy(), marker=marker, color=color, **scatter_kwargs)
    ax.set_xlabel("time" if dt != 1.0 else "time step")
    ax.set_ylabel("neuron")
    ax.set_xlim(0, spikes.shape[0] * dt)
    ax.set_ylim(-0.5, spikes.shape[1] - 0.5)
    return ax
