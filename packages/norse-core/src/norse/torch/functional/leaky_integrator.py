"""Leaky integrator (LI): a non-spiking LIF readout whose output is the membrane voltage.

.. math::
    \\dot v = \\tau_{mem}^{-1} ((v_{leak} - v) + i), \\qquad \\dot i = -\\tau_{syn}^{-1} i

One step: ``i_jump = i + x`` (or ``i + x @ W_in.T``), then ``(v_new, i_dec)`` by
:func:`norse.torch.functional._integration.current_membrane_step` (``"euler"``: ``v_new = v +
dt tau_mem_inv ((v_leak - v) + i_jump)``, ``i_dec = i_jump - dt tau_syn_inv i_jump``;
``"exact"``: the exact solution written there). Output: ``v_new``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.functional._integration import check_integrator, current_membrane_step

__all__ = ["LIParameters", "LIState", "li_feed_forward_step", "li_step"]


class LIParameters(NamedTuple):
    """Parameters of a leaky integrator (Norse 1.x fields and defaults, then ``integrator``).

    Attributes:
        tau_syn_inv: inverse synaptic time constant, 1/s (default 200).
        tau_mem_inv: inverse membrane time constant, 1/s (default 100).
        v_leak: leak potential (default 0).
        integrator: ``"euler"`` (default) or ``"exact"``.
    """

    tau_syn_inv: Tensor | float = torch.as_tensor(1.0 / 5e-3)
    tau_mem_inv: Tensor | float = torch.as_tensor(1.0 / 1e-2)
    v_leak: Tensor | float = torch.as_tensor(0.0)
    integrator: str = "euler"


DEFAULT_LI_PARAMETERS = LIParameters()
"""``LIParameters()``, the default of the LI functions and modules."""


class LIState(NamedTuple):
    """State of a leaky integrator: voltage ``v`` and current ``i``."""

    v: Tensor
    i: Tensor


def _li(i_jump: Tensor, state: LIState, p: LIParameters, dt: float) -> tuple[Tensor, LIState]:
    check_integrator(p.integrator, "LIParameters")
    v_new, i_dec = current_membrane_step(
        state.v, i_jump, p.tau_mem_inv, p.tau_syn_inv, p.v_leak, dt, p.integrator
    )
    return v_new, LIState(v=v_new.clone(), i=i_dec)


def li_feed_forward_step(
    input_tensor: Tensor,
    state: LIState,
    p: LIParameters = DEFAULT_LI_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIState]:
    """One LI step: input current ``(B, ...)`` to ``(v_new, LIState(v_new, i_dec))``."""
    return _li(state.i + input_tensor, state, p, dt)


def li_step(
    input_tensor: Tensor,
    state: LIState,
    input_weights: Tensor,
    p: LIParameters = DEFAULT_LI_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIState]:
    """One LI step with input weights ``(H, I)``: input ``(B, I)`` to ``v_new`` ``(B, H)``."""
    i_jump = state.i + torch.nn.functional.linear(input_tensor, input_weights)
    return _li(i_jump, state, p, dt)
