"""Multi-compartment LIF with an absolute refractory period, in Norse 1.x's own order.

Unlike :mod:`~norse.torch.functional.lif_refrac`, these steps (as in Norse 1.x) use the
*old* current in the voltage update and add the input after the spike, so the input acts one
step later; the coupling term is not multiplied by ``dt``; and a spike can occur while
refractory (it resets ``v`` and restarts the period)::

    r     = H(rho)
    v_dec = v + (1 - r) * dt * tau_mem_inv * ((v_leak - v) + i) + v @ g_coupling.T
    i_dec = i - dt * tau_syn_inv * i
    z     = threshold(v_dec - v_th, method, alpha)
    v_new = (1 - z) * v_dec + z * v_reset
    rho   = (1 - z) * relu(rho - r) + z * rho_reset
    i_new = i_dec + input              (recurrent: + input @ W_in.T + z_old @ W_rec.T)
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.functional import linear

from norse.torch.functional._step import recurrent_jump
from norse.torch.functional.lif import LIFFeedForwardState, LIFState
from norse.torch.functional.lif_refrac import (
    _DEFAULT_PARAMETERS,
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    LIFRefracState,
)
from norse.torch.functional.reset import reset_value
from norse.torch.functional.threshold import heaviside, threshold

__all__ = ["lif_mc_refrac_feed_forward_step", "lif_mc_refrac_step"]


def _dynamics(
    v: Tensor, i: Tensor, rho: Tensor, g_coupling: Tensor, p: LIFRefracParameters, dt: float
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    q = p.lif
    refractory = heaviside(rho)
    v_dec = v + (1 - refractory) * dt * q.tau_mem_inv * ((q.v_leak - v) + i) + linear(v, g_coupling)
    i_dec = i - dt * q.tau_syn_inv * i
    z = threshold(v_dec - q.v_th, q.method, q.alpha)
    v_new = reset_value(z, v_dec, q.v_reset, q.v_th)
    rho_new = (1 - z) * torch.relu(rho - refractory) + z * p.rho_reset
    return z, v_new, i_dec, rho_new


def lif_mc_refrac_step(
    input_tensor: Tensor,
    state: LIFRefracState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    g_coupling: Tensor,
    p: LIFRefracParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFRefracState]:
    """One recurrent step (module docstring). Shapes: input ``(B, I)``, weights ``(H, I)``,
    ``(H, H)``, ``g_coupling`` ``(H, H)``. Returns ``(z, LIFRefracState(LIFState(z, v, i), rho))``."""
    z, v, i_dec, rho = _dynamics(state.lif.v, state.lif.i, state.rho, g_coupling, p, dt)
    i_new = recurrent_jump(i_dec, input_tensor, state.lif.z, input_weights, recurrent_weights)
    return z, LIFRefracState(LIFState(z, v, i_new), rho)


def lif_mc_refrac_feed_forward_step(
    input_tensor: Tensor,
    state: LIFRefracFeedForwardState,
    g_coupling: Tensor,
    p: LIFRefracParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFRefracFeedForwardState]:
    """One feed-forward step on an input current ``(B, H)`` (module docstring).

    Returns ``(z, LIFRefracFeedForwardState(LIFFeedForwardState(v, i), rho))``.
    """
    z, v, i_dec, rho = _dynamics(state.lif.v, state.lif.i, state.rho, g_coupling, p, dt)
    return z, LIFRefracFeedForwardState(LIFFeedForwardState(v, i_dec + input_tensor), rho)
