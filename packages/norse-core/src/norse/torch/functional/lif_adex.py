"""Adaptive exponential leaky integrate-and-fire neuron (LIFAdEx, Brette & Gerstner 2005).

Forward-Euler dynamics, one step of length ``dt`` (seconds)::

    i_jump = i + I                                                        (input enters now)
    v_dec  = v + dt * tau_mem_inv * ((v_leak - v) + E(v) + i_jump - a)    (E, a: old values)
    i_dec  = i_jump - dt * tau_syn_inv * i_jump
    a_dec  = a + dt * tau_ada_inv * (adaptation_current * (v - v_leak) - a)   (old v)
    z      = Θ(v_dec - v_th)                                              (surrogate ``method``)
    v_new  = reset_method(z, v_dec, v_reset, v_th)
    a_new  = a_dec + z * adaptation_spike

``E(v) = delta_T * exp((v - v_th) / delta_T)`` is evaluated by
:func:`norse.torch.functional.lif_ex.exponential_term`: 0 for ``delta_T = 0`` and finite for
every finite ``v`` (Norse 1.x gives NaN there).
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from norse.torch.functional._step import recurrent_jump
from norse.torch.functional.lif_ex import _lif_ex_dynamics
from norse.torch.functional.reset import ResetMethod, reset_value

__all__ = [
    "LIFAdExFeedForwardState",
    "LIFAdExParameters",
    "LIFAdExState",
    "lif_adex_current_encoder",
    "lif_adex_feed_forward_step",
    "lif_adex_step",
]


class LIFAdExParameters(NamedTuple):
    """Parameters of an adaptive exponential leaky integrate-and-fire neuron.

    Attributes:
        adaptation_current: sub-threshold adaptation coupling (``a`` follows
            ``adaptation_current * (v - v_leak)``), default 4.0 (a float; Norse 1.x uses the
            integer tensor 4).
        adaptation_spike: jump of ``a`` on each spike, default 0.02.
        delta_T: sharpness of the exponential term, default 0.5; 0 removes it.
        tau_ada_inv: inverse adaptation time constant in 1/s, default 2.
        tau_syn_inv: inverse synaptic time constant in 1/s, default 200.
        tau_mem_inv: inverse membrane time constant in 1/s, default 100.
        v_leak: leak potential, default 0.
        v_th: threshold potential, default 1.
        v_reset: reset potential, default 0.
        method: surrogate gradient name, default ``"super"``.
        alpha: surrogate sharpness, default 100.
        reset_method: ``reset_value`` (default) or ``reset_subtract``.
    """

    adaptation_current: torch.Tensor = torch.as_tensor(4.0)
    adaptation_spike: torch.Tensor = torch.as_tensor(0.02)
    delta_T: torch.Tensor = torch.as_tensor(0.5)
    tau_ada_inv: torch.Tensor = torch.as_tensor(2.0)
    tau_syn_inv: torch.Tensor = torch.as_tensor(1.0 / 5e-3)
    tau_mem_inv: torch.Tensor = torch.as_tensor(1.0 / 1e-2)
    v_leak: torch.Tensor = torch.as_tensor(0.0)
    v_th: torch.Tensor = torch.as_tensor(1.0)
    v_reset: torch.Tensor = torch.as_tensor(0.0)
    method: str = "super"
    alpha: float = 100.0
    reset_method: ResetMethod = reset_value


_DEFAULT_PARAMETERS = LIFAdExParameters()


class LIFAdExState(NamedTuple):
    """State of a recurrent LIFAdEx layer: spikes ``z``, voltage ``v``, current ``i``,
    adaptation ``a``; each of shape ``(B, H)``."""

    z: torch.Tensor
    v: torch.Tensor
    i: torch.Tensor
    a: torch.Tensor


class LIFAdExFeedForwardState(NamedTuple):
    """State of a feed-forward LIFAdEx layer: ``v``, ``i``, ``a``, each ``(B, ...)``."""

    v: torch.Tensor
    i: torch.Tensor
    a: torch.Tensor


def _lif_adex_dynamics(
    i_jump: torch.Tensor, v: torch.Tensor, a: torch.Tensor, p: LIFAdExParameters, dt: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The step after the current jump: returns ``(z, v_new, i_dec, a_new)``."""
    z, v_new, i_dec = _lif_ex_dynamics(i_jump, v, p, dt, a)
    a_dec = a + dt * p.tau_ada_inv * (p.adaptation_current * (v - p.v_leak) - a)
    return z, v_new, i_dec, a_dec + z * p.adaptation_spike


def lif_adex_step(
    input_tensor: torch.Tensor,
    state: LIFAdExState,
    input_weights: torch.Tensor,
    recurrent_weights: torch.Tensor,
    p: LIFAdExParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, LIFAdExState]:
    """One Euler step of a recurrently connected LIFAdEx layer.

    The current jump is ``i + input @ W_in.T + z_prev @ W_rec.T``; the rest follows the module
    docstring. Shapes: input ``(B, I)``, ``input_weights`` ``(H, I)``, ``recurrent_weights``
    ``(H, H)``, state fields ``(B, H)``. Returns ``(z, LIFAdExState(z, v, i, a))``.
    """
    i_jump = recurrent_jump(state.i, input_tensor, state.z, input_weights, recurrent_weights)
    z, v_new, i_dec, a_new = _lif_adex_dynamics(i_jump, state.v, state.a, p, dt)
    return z, LIFAdExState(z, v_new, i_dec, a_new)


def lif_adex_feed_forward_step(
    input_tensor: torch.Tensor,
    state: LIFAdExFeedForwardState,
    p: LIFAdExParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, LIFAdExFeedForwardState]:
    """One Euler step of a feed-forward LIFAdEx layer; ``input_tensor`` is a current ``(B, ...)``.

    Equations in the module docstring. Returns ``(z, LIFAdExFeedForwardState(v, i, a))``.
    """
    z, v_new, i_dec, a_new = _lif_adex_dynamics(state.i + input_tensor, state.v, state.a, p, dt)
    return z, LIFAdExFeedForwardState(v_new, i_dec, a_new)


def lif_adex_current_encoder(
    input_current: torch.Tensor,
    voltage: torch.Tensor,
    adaptation: torch.Tensor,
    p: LIFAdExParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Encodes a current into spikes with a LIFAdEx neuron without synaptic current.

    The same Euler step as :func:`lif_adex_feed_forward_step` with ``i_jump = I``::

        v_dec = v + dt * tau_mem_inv * ((v_leak - v) + E(v) + I - a)
        z     = Θ(v_dec - v_th);  v_new = reset_method(z, v_dec, v_reset, v_th)
        a_new = a + dt * tau_ada_inv * (adaptation_current * (v - v_leak) - a) + z * adaptation_spike

    (Norse 1.x computes ``a_new = tau_ada_inv * (adaptation_current * (v_new - v_leak) - a) +
    z * adaptation_spike``, which is not an integration step.) Returns ``(z, v_new, a_new)``.
    """
    z, v_new, _, a_new = _lif_adex_dynamics(input_current, voltage, adaptation, p, dt)
    return z, v_new, a_new
