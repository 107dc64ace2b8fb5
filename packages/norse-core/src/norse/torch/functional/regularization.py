"""Regularisation: accumulate a penalty (spike counts, voltages) over a run.

An *accumulator* ``acc(z, s, state) -> state'`` folds one step's spikes ``z`` and neuron
state ``s`` into a running regularisation state. :func:`regularize_step` applies one and
passes the spikes through; the caller keeps the returned state, starts each run from
``None`` and adds a function of the final state to the loss::

    reg = None
    for x_t in inputs:
        z, s = cell(x_t, s)
        z, reg = regularize_step(z, s, spike_accumulator, reg)
    loss = task_loss + 1e-3 * reg
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NewType

import torch

__all__ = ["Accumulator", "regularize_step", "spike_accumulator", "voltage_accumulator"]

Accumulator = NewType("Accumulator", Callable[[torch.Tensor, Any, Any], Any])
"""``accumulator(z, s, state) -> new_state``; ``state`` is None at the first step (a
``NewType`` as in Norse 1.x; any such callable is accepted)."""


def spike_accumulator(z: torch.Tensor, s: Any, state: torch.Tensor | None = None) -> torch.Tensor:
    """Total spike count: ``state + sum(z)`` over all elements, ``state = 0`` when None.

    Parameters:
        z: spikes of one step, any shape.
        s: the neuron state (unused).
        state: the count so far (0-d tensor) or None.

    Returns:
        a 0-d tensor, differentiable with respect to ``z``.
    """
    total = z.sum()
    return total if state is None else state + total


def voltage_accumulator(z: torch.Tensor, s: Any, state: torch.Tensor | None = None) -> torch.Tensor:
    """Membrane voltage summed over time, per neuron: ``state + s.v``, zeros when None.

    Parameters:
        z: spikes of one step (unused).
        s: the neuron state; must have a ``v`` field (LIF, LI, ...).
        state: the sum so far (the shape of ``s.v``) or None.

    Returns:
        a tensor of the shape of ``s.v``.
    """
    if not hasattr(s, "v"):
        raise TypeError(
            f"voltage_accumulator needs a neuron state with a 'v' field, got {type(s).__name__}"
        )
    return s.v if state is None else state + s.v


def regularize_step(
    z: torch.Tensor,
    s: Any,
    accumulator: Accumulator = spike_accumulator,
    state: Any = None,
) -> tuple[torch.Tensor, Any]:
    """One regularisation step: returns ``(z, accumulator(z, s, state))``.

    Parameters:
        z: spikes of one step (passed through unchanged).
        s: the neuron state of that step.
        accumulator: what to accumulate (default :func:`spike_accumulator`).
        state: the regularisation state so far, None at the first step.

    Returns:
        ``(z, new_state)``.
    """
    return z, accumulator(z, s, state)
