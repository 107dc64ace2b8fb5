"""Long short-term memory spiking neurons (LSNN, Bellec et al. 2018): LIF with an adaptive threshold.

``b`` is the neuron's (absolute) threshold. It relaxes towards ``v_th`` and jumps by ``beta``
on every spike. One step of length ``dt`` (seconds), in Norse 1.x's order, in which the input
current enters *after* the spike (a one-step input delay, unlike LIF)::

    v_dec = v + dt * tau_mem_inv * ((v_leak - v) + i)        (old current)
    i_dec = i - dt * tau_syn_inv * i
    b_dec = b + dt * tau_adapt_inv * (v_th - b)
    z     = Θ(v_dec - b_dec)                                  (surrogate ``method``)
    v_new = reset_method(z, v_dec, v_reset, b_dec)
    b_new = b_dec + beta * z
    i_new = i_dec + I                   (recurrent: + input @ W_in.T + z_prev @ W_rec.T)

The recurrent step uses ``z.detach()`` in the reset and in the threshold jump, as Norse 1.x.
With ``reset_method=reset_subtract`` a spike subtracts the current threshold ``b_dec``.

``integrator="exact"`` replaces the three Euler updates by the exact solution of the linear
ODEs over ``dt`` (``e_m = exp(-dt*tau_mem_inv)``, ``e_s = exp(-dt*tau_syn_inv)``,
``e_b = exp(-dt*tau_adapt_inv)``)::

    v_dec = v_leak + (v - v_leak) * e_m + i * tau_mem_inv * (e_s - e_m) / (tau_mem_inv - tau_syn_inv)
            (the factor is tau_mem_inv * dt * e_m when tau_mem_inv == tau_syn_inv)
    i_dec = i * e_s
    b_dec = b + (1 - e_b) * (v_th - b)
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from norse.torch.functional._integration import (
    approach_factor,
    check_integrator,
    current_membrane_step,
)
from norse.torch.functional._step import recurrent_jump, spike_and_reset
from norse.torch.functional.reset import ResetMethod, reset_value
from norse.torch.functional.threshold import threshold

__all__ = [
    "LSNNFeedForwardState",
    "LSNNParameters",
    "LSNNState",
    "lsnn_feed_forward_step",
    "lsnn_step",
]


class LSNNParameters(NamedTuple):
    """Parameters of an LSNN neuron.

    Attributes:
        tau_syn_inv: inverse synaptic time constant in 1/s, default 200.
        tau_mem_inv: inverse membrane time constant in 1/s, default 100.
        tau_adapt_inv: inverse threshold-adaptation time constant in 1/s, default 1/800.
        v_leak: leak potential, default 0.
        v_th: resting threshold (``b`` relaxes towards it), default 1.
        v_reset: reset potential, default 0.
        beta: threshold jump per spike, default 1.8.
        method: surrogate gradient name, default ``"super"``.
        alpha: surrogate sharpness, default 100.
        integrator: ``"euler"`` (default, Norse 1.x) or ``"exact"``.
        reset_method: ``reset_value`` (default) or ``reset_subtract`` (subtracts ``b``).
    """

    tau_syn_inv: torch.Tensor = torch.as_tensor(1.0 / 5e-3)
    tau_mem_inv: torch.Tensor = torch.as_tensor(1.0 / 1e-2)
    tau_adapt_inv: torch.Tensor = torch.as_tensor(1.0 / 800)
    v_leak: torch.Tensor = torch.as_tensor(0.0)
    v_th: torch.Tensor = torch.as_tensor(1.0)
    v_reset: torch.Tensor = torch.as_tensor(0.0)
    beta: torch.Tensor = torch.as_tensor(1.8)
    method: str = "super"
    alpha: float = 100.0
    integrator: str = "euler"
    reset_method: ResetMethod = reset_value


_DEFAULT_PARAMETERS = LSNNParameters()


class LSNNState(NamedTuple):
    """State of a recurrent LSNN layer: spikes ``z``, voltage ``v``, current ``i`` and
    threshold ``b``, each ``(B, H)``."""

    z: torch.Tensor
    v: torch.Tensor
    i: torch.Tensor
    b: torch.Tensor


class LSNNFeedForwardState(NamedTuple):
    """State of a feed-forward LSNN layer: ``v``, ``i``, ``b``, each ``(B, ...)``."""

    v: torch.Tensor
    i: torch.Tensor
    b: torch.Tensor


def _decay(
    v: torch.Tensor, i: torch.Tensor, b: torch.Tensor, p: LSNNParameters, dt: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Decays ``(v, i, b)`` over ``dt`` with the chosen integrator."""
    v_dec, i_dec = current_membrane_step(
        v, i, p.tau_mem_inv, p.tau_syn_inv, p.v_leak, dt, p.integrator
    )
    b_dec = b + approach_factor(p.tau_adapt_inv, dt, p.integrator) * (p.v_th - b)
    return v_dec, i_dec, b_dec


def lsnn_step(
    input_tensor: torch.Tensor,
    state: LSNNState,
    input_weights: torch.Tensor,
    recurrent_weights: torch.Tensor,
    p: LSNNParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, LSNNState]:
    """One step of a recurrently connected LSNN layer (equations in the module docstring).

    Shapes: input ``(B, I)``, ``input_weights`` ``(H, I)``, ``recurrent_weights`` ``(H, H)``,
    state fields ``(B, H)``. Returns ``(z, LSNNState(z, v, i, b))``.
    """
    check_integrator(p.integrator, "LSNNParameters")
    v_dec, i_dec, b_dec = _decay(state.v, state.i, state.b, p, dt)
    z, v_new = spike_and_reset(v_dec, b_dec, p, detach=True)
    i_new = recurrent_jump(i_dec, input_tensor, state.z, input_weights, recurrent_weights)
    b_new = b_dec + z.detach() * p.beta
    return z, LSNNState(z, v_new, i_new, b_new)


def lsnn_feed_forward_step(
    input_tensor: torch.Tensor,
    state: LSNNFeedForwardState,
    p: LSNNParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, LSNNFeedForwardState]:
    """One step of a feed-forward LSNN layer; ``input_tensor`` is a current ``(B, ...)``.

    Equations in the module docstring (the input enters the current after the spike).
    Returns ``(z, LSNNFeedForwardState(v, i, b))``.
    """
    check_integrator(p.integrator, "LSNNParameters")
    v_dec, i_dec, b_dec = _decay(state.v, state.i, state.b, p, dt)
    z, v_new = spike_and_reset(v_dec, b_dec, p)
    b_new = b_dec + z * p.beta
    return z, LSNNFeedForwardState(v_new, i_dec + input_tensor, b_new)


# ---- Norse 1.x name: an adaptive LIF step (helper "parity")


def ada_lif_step(
    input_tensor: torch.Tensor,
    state: LSNNState,
    input_weights: torch.Tensor,
    recurrent_weights: torch.Tensor,
    p: LSNNParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, LSNNState]:
    """One Euler step of Norse 1.x's adaptive LIF layer (not exported there either).

    Unlike :func:`lsnn_step`, the adaptation ``b`` is subtracted from the voltage and decays
    to 0, the threshold is fixed and the reset subtracts ``v_th - v_reset``::

        v_dec = v + dt * tau_mem_inv * ((v_leak - v + i) - b)
        i_dec = i - dt * tau_syn_inv * i
        b_dec = b - dt * tau_adapt_inv * b
        z     = threshold(v_dec - v_th, method, alpha)
        v_new = v_dec - z * (v_th - v_reset)
        i_new = i_dec + input @ W_in.T + z_old @ W_rec.T      (input after the spike)
        b_new = b_dec + beta * z

    Shapes: input ``(B, I)``, weights ``(H, I)``, ``(H, H)``, state fields ``(B, H)``.
    Returns ``(z, LSNNState(z, v_new, i_new, b_new))``; ``p.integrator`` and
    ``p.reset_method`` are not used.
    """
    v_dec = state.v + dt * p.tau_mem_inv * ((p.v_leak - state.v + state.i) - state.b)
    i_dec = state.i - dt * p.tau_syn_inv * state.i
    b_dec = state.b - dt * p.tau_adapt_inv * state.b
    z = threshold(v_dec - p.v_th, p.method, p.alpha)
    v_new = v_dec - z * (p.v_th - p.v_reset)
    i_new = recurrent_jump(i_dec, input_tensor, state.z, input_weights, recurrent_weights)
    b_new = b_dec + p.beta * z
    return z, LSNNState(z, v_new, i_new, b_new)
