"""LIF neuron without a synapse ("box" input): the input drives the membrane directly.

.. math::
    \\dot v = \\tau_{mem}^{-1} ((v_{leak} - v) + x), \\qquad z = \\Theta(v - v_{th})

One step: ``"euler"`` (default, Norse 1.x) ``v_dec = v + dt * tau_mem_inv * (x + v_leak - v)``;
``"exact"`` (``x`` constant over the step)
``v_dec = v + (1 - exp(-dt tau_mem_inv)) * ((v_leak - v) + x)``; then
``z = threshold(v_dec - v_th, method, alpha)`` and ``v_new = reset_method(z, v_dec, v_reset,
v_th)``. Norse has only the feed-forward step for this model.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.functional._integration import check_integrator, membrane_step
from norse.torch.functional._step import spike_and_reset
from norse.torch.functional.reset import ResetMethod, reset_value

__all__ = [
    "LIFBoxFeedForwardState",
    "LIFBoxParameters",
    "LIFBoxState",
    "lif_box_feed_forward_step",
]


class LIFBoxParameters(NamedTuple):
    """Parameters of a box LIF neuron (Norse 1.x fields and defaults, then ``integrator``).

    Attributes:
        tau_mem_inv: inverse membrane time constant, 1/s (default 100).
        v_leak: leak potential (default 0). v_th: threshold (default 1).
        v_reset: reset potential (default 0).
        method: surrogate gradient name (default ``"super"``). alpha: its sharpness (100).
        reset_method: ``reset_value`` (default) or ``reset_subtract``.
        integrator: ``"euler"`` (default) or ``"exact"``.
    """

    tau_mem_inv: Tensor | float = torch.as_tensor(1.0 / 1e-2)
    v_leak: Tensor | float = torch.as_tensor(0.0)
    v_th: Tensor | float = torch.as_tensor(1.0)
    v_reset: Tensor | float = torch.as_tensor(0.0)
    method: str = "super"
    alpha: Tensor | float = torch.as_tensor(100.0)
    reset_method: ResetMethod = reset_value
    integrator: str = "euler"


DEFAULT_LIF_BOX_PARAMETERS = LIFBoxParameters()
"""``LIFBoxParameters()``, the default of the LIFBox functions and modules."""


class LIFBoxState(NamedTuple):
    """State of a recurrent box LIF neuron: last spikes ``z`` and voltage ``v``."""

    z: Tensor
    v: Tensor


class LIFBoxFeedForwardState(NamedTuple):
    """State of a feed-forward box LIF neuron: voltage ``v``."""

    v: Tensor


def lif_box_feed_forward_step(
    input_tensor: Tensor,
    state: LIFBoxFeedForwardState,
    p: LIFBoxParameters = DEFAULT_LIF_BOX_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFBoxFeedForwardState]:
    """One box LIF step (module docstring): input ``(B, ...)`` to ``(z, state)``, same shape."""
    check_integrator(p.integrator, "LIFBoxParameters")
    if p.integrator == "euler":  # Norse 1.x's operand order, kept for bit-equal results
        v_dec = state.v + dt * p.tau_mem_inv * (input_tensor + p.v_leak - state.v)
    else:
        v_dec = membrane_step(state.v, input_tensor, p.tau_mem_inv, p.v_leak, dt, "exact")
    z, v_new = spike_and_reset(v_dec, p.v_th, p)
    return z, LIFBoxFeedForwardState(v=v_new)
