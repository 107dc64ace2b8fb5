"""A module that accumulates a regularisation term over a run."""

from __future__ import annotations

from typing import Any

import torch

from norse.torch.functional.regularization import (
    Accumulator,
    regularize_step,
    spike_accumulator,
)

__all__ = ["RegularizationCell"]

_HELD = object()  # forward's default: accumulate into the module's own state (Norse 1.x)


class RegularizationCell(torch.nn.Module):
    """Accumulates a penalty (spike count by default) step by step; spikes pass through.

    Two ways to call it:

    - ``forward(z, s) -> (z, total)``, as in Norse 1.x: the running total is kept in
      ``self.state`` (starting at the constructor's ``state``). Call :meth:`reset` (or
      build a new cell) at the start of every run: the total is not reset by itself, and a
      total whose graph a backward pass has consumed cannot be backpropagated again.
    - ``forward(z, s, state) -> (z, state')``: the state is explicit, as for the neuron
      cells; start each run with ``state=None`` and pass the returned state back in.
      ``self.state`` is not touched.

    Parameters:
        accumulator: ``acc(z, s, state) -> state'`` (default
            :func:`~norse.torch.functional.regularization.spike_accumulator`; see also
            :func:`~norse.torch.functional.regularization.voltage_accumulator`).
        state: the initial total of the first form (default None: nothing yet).

    Example::

        reg_cell, reg = RegularizationCell(), None
        for x_t in inputs:
            z, s = lif_cell(x_t, s)
            z, reg = reg_cell(z, s, reg)
        loss = task_loss + 1e-3 * reg
    """

    def __init__(self, accumulator: Accumulator = spike_accumulator, state: Any = None) -> None:
        super().__init__()
        if not callable(accumulator):
            raise TypeError(
                f"accumulator must be callable (z, s, state) -> state, got "
                f"{type(accumulator).__name__}"
            )
        self.accumulator = accumulator
        self.initial_state = state
        self.state = state

    def reset(self) -> None:
        """Start a new run of the first form: ``self.state`` back to the initial state."""
        self.state = self.initial_state

    def forward(self, z: torch.Tensor, s: Any, state: Any = _HELD) -> tuple[torch.Tensor, Any]:
        """``(z, accumulator(z, s, state))``; without ``state``, the module's running total
        ``self.state`` is used and updated (Norse 1.x)."""
        if state is not _HELD:
            return regularize_step(z, s, self.accumulator, state)
        z, self.state = regularize_step(z, s, self.accumulator, self.state)
        return z, self.state
