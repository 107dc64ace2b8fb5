"""Leaky integrator without a synapse (LIBox): the input drives the membrane directly.

.. math::
    \\dot v = \\tau_{mem}^{-1} ((v_{leak} - v) + x)

One step: ``"euler"`` (default, Norse 1.x) ``v_new = v + dt * tau_mem_inv * ((v_leak - v) +
x)``; ``"exact"`` (``x`` constant over the step) ``v_new = v + (1 - exp(-dt tau_mem_inv)) *
((v_leak - v) + x)``. Output: ``v_new``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.functional._integration import check_integrator, membrane_step

__all__ = ["LIBoxParameters", "LIBoxState", "li_box_feed_forward_step", "li_box_step"]


class LIBoxParameters(NamedTuple):
    """Parameters of a box leaky integrator (Norse 1.x fields, then ``integrator``).

    Attributes:
        tau_mem_inv: inverse membrane time constant, 1/s (default 100).
        v_leak: leak potential (default 0).
        integrator: ``"euler"`` (default) or ``"exact"``.
    """

    tau_mem_inv: Tensor | float = torch.as_tensor(1.0 / 1e-2)
    v_leak: Tensor | float = torch.as_tensor(0.0)
    integrator: str = "euler"


DEFAULT_LI_BOX_PARAMETERS = LIBoxParameters()
"""``LIBoxParameters()``, the default of the LIBox functions and modules."""


class LIBoxState(NamedTuple):
    """State of a box leaky integrator: voltage ``v``."""

    v: Tensor


def _li_box(drive: Tensor, state: LIBoxState, p: LIBoxParameters, dt: float):
    check_integrator(p.integrator, "LIBoxParameters")
    v_new = membrane_step(state.v, drive, p.tau_mem_inv, p.v_leak, dt, p.integrator)
    return v_new, LIBoxState(v=v_new.clone())


def li_box_feed_forward_step(
    input_tensor: Tensor,
    state: LIBoxState,
    p: LIBoxParameters = DEFAULT_LI_BOX_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIBoxState]:
    """One LIBox step: input ``(B, ...)`` to ``(v_new, LIBoxState(v_new))``."""
    return _li_box(input_tensor, state, p, dt)


def li_box_step(
    input_tensor: Tensor,
    state: LIBoxState,
    input_weights: Tensor,
    p: LIBoxParameters = DEFAULT_LI_BOX_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIBoxState]:
    """One LIBox step with input weights ``(H, I)``: input ``(B, I)`` to ``v_new (B, H)``."""
    return _li_box(torch.nn.functional.linear(input_tensor, input_weights), state, p, dt)
