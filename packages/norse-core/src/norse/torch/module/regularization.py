"""A module that accumulates a regularisation term over a run, with explicit state."""

from __future__ import annotations

from typing import Any

import torch

from norse.torch.functional.regularization import (
    Accumulator,
    regularize_step,
    spike_accumulator,
)

__all__ = ["RegularizationCell"]


class RegularizationCell(torch.nn.Module):
    """Accumulates a penalty (spike count by default) step by step; spikes pass through.

    ``forward(z, s, state=None)`` returns ``(z, accumulator(z, s, state))``. The state is
    explicit: start each run (each batch) with ``state=None`` and pass the returned state
    back in at the next step, as for the neuron cells.

    Difference from Norse 1.x: there the module kept the running total in ``self.state``,
    which was never reset, so the penalty grew across batches and kept old autograd graphs
    alive. Its ``state`` constructor argument is therefore gone.

    Parameters:
        accumulator: ``acc(z, s, state) -> state'`` (default
            :func:`~norse.torch.functional.regularization.spike_accumulator`; see also
            :func:`~norse.torch.functional.regularization.voltage_accumulator`).

    Example::

        reg_cell, reg = RegularizationCell(), None
        for x_t in inputs:
            z, s = lif_cell(x_t, s)
            z, reg = reg_cell(z, s, reg)
        loss = task_loss + 1e-3 * reg
    """

    def __init__(self, accumulator: Accumulator = spike_accumulator) -> None:
        super().__init__()
        if not callable(accumulator):
            raise TypeError(
                f"accumulator must be callable (z, s, state) -> state, got "
                f"{type(accumulator).__name__}"
            )
        self.accumulator = accumulator

    def forward(self, z: torch.Tensor, s: Any, state: Any = None) -> tuple[torch.Tensor, Any]:
        """Returns ``(z, accumulator(z, s, state))``; ``state`` is None at a run's start."""
        return regularize_step(z, s, self.accumulator, state)
