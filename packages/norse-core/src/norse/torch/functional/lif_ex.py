"""Exponential leaky integrate-and-fire neuron (LIFEx) with an exponential synaptic current.

Forward-Euler dynamics, one step of length ``dt`` (seconds)::

    i_jump = i + I                                                   (input enters now)
    v_dec  = v + dt * tau_mem_inv * ((v_leak - v) + E(v) + i_jump)    (E uses the old v)
    i_dec  = i_jump - dt * tau_syn_inv * i_jump
    z      = Θ(v_dec - v_th)                                         (surrogate ``method``)
    v_new  = reset_method(z, v_dec, v_reset, v_th)

with the exponential term ``E(v) = delta_T * exp((v - v_th) / delta_T)``
(Brette & Gerstner 2005). :func:`exponential_term` evaluates it without NaN or overflow:

* ``delta_T = 0`` gives ``E = 0``: the limit of ``E`` as ``delta_T -> 0+`` for ``v <= v_th``,
  which makes the model a plain LIF neuron. Above threshold the true limit is ``+inf`` (an
  instant spike); we also use 0 there, so a state above ``v_th`` (possible only from a
  user-given state, since every step resets voltages above threshold) evolves like LIF
  instead of turning into NaN as in Norse 1.x.
* the exponent ``(v - v_th) / delta_T`` is clamped at :data:`EXPONENT_MAX` (= 60), so ``E``
  stays finite for every finite ``v``. Below that bound the values equal Norse 1.x exactly;
  in the clamped region the gradient of ``E`` with respect to ``v`` is 0.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from norse.torch.functional._step import recurrent_jump, spike_and_reset
from norse.torch.functional.reset import ResetMethod, reset_value

__all__ = [
    "LIFExFeedForwardState",
    "LIFExParameters",
    "LIFExState",
    "exponential_term",
    "lif_ex_current_encoder",
    "lif_ex_feed_forward_step",
    "lif_ex_step",
]

EXPONENT_MAX = 60.0
"""Upper bound of the exponent ``(v - v_th) / delta_T`` in :func:`exponential_term`."""


class LIFExParameters(NamedTuple):
    """Parameters of an exponential leaky integrate-and-fire neuron.

    Attributes:
        delta_T: sharpness of the exponential term (same unit as ``v``), default 0.5;
            0 turns the model into a LIF neuron (see the module docstring).
        tau_syn_inv: inverse synaptic time constant in 1/s, default 200 (τ = 5 ms).
        tau_mem_inv: inverse membrane time constant in 1/s, default 100 (τ = 10 ms).
        v_leak: leak (resting) potential, default 0.
        v_th: threshold potential (also the centre of the exponential term), default 1.
        v_reset: reset potential, default 0.
        method: surrogate gradient name of the threshold, default ``"super"``.
        alpha: sharpness of the surrogate gradient, default 100.
        reset_method: ``reset_value`` (default, ``v -> v_reset`` on a spike) or
            ``reset_subtract`` (``v -> v - (v_th - v_reset)``), from
            :mod:`norse.torch.functional.reset`.
    """

    delta_T: torch.Tensor = torch.as_tensor(0.5)
    tau_syn_inv: torch.Tensor = torch.as_tensor(1.0 / 5e-3)
    tau_mem_inv: torch.Tensor = torch.as_tensor(1.0 / 1e-2)
    v_leak: torch.Tensor = torch.as_tensor(0.0)
    v_th: torch.Tensor = torch.as_tensor(1.0)
    v_reset: torch.Tensor = torch.as_tensor(0.0)
    method: str = "super"
    alpha: float = 100.0
    reset_method: ResetMethod = reset_value


_DEFAULT_PARAMETERS = LIFExParameters()


class LIFExState(NamedTuple):
    """State of a recurrent LIFEx neuron.

    Attributes:
        z: spikes of the previous step, shape ``(B, H)``.
        v: membrane voltage, shape ``(B, H)``.
        i: synaptic input current, shape ``(B, H)``.
    """

    z: torch.Tensor
    v: torch.Tensor
    i: torch.Tensor


class LIFExFeedForwardState(NamedTuple):
    """State of a feed-forward LIFEx neuron: voltage ``v`` and current ``i``, shape ``(B, ...)``."""

    v: torch.Tensor
    i: torch.Tensor


def exponential_term(
    v: torch.Tensor, v_th: torch.Tensor | float, delta_T: torch.Tensor | float
) -> torch.Tensor:
    """Computes ``delta_T * exp((v - v_th) / delta_T)`` finite for every finite input.

    Returns 0 where ``delta_T <= 0`` (the ``delta_T -> 0+`` limit below threshold) and clamps
    the exponent at :data:`EXPONENT_MAX`. Shapes broadcast; no gradient is NaN.
    """
    delta_T = torch.as_tensor(delta_T, dtype=v.dtype, device=v.device)
    positive = delta_T > 0
    safe_delta = torch.where(positive, delta_T, torch.ones_like(delta_T))
    exponent = torch.clamp((v - v_th) / safe_delta, max=EXPONENT_MAX)
    return torch.where(positive, safe_delta * torch.exp(exponent), torch.zeros_like(exponent))


def _lif_ex_dynamics(
    i_jump: torch.Tensor,
    v: torch.Tensor,
    p: LIFExParameters,
    dt: float,
    a: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One Euler step after the current jump: returns ``(z, v_new, i_dec)``.

    With an adaptation current ``a`` (LIFAdEx, whose parameters carry the same fields) the
    voltage drive is ``(v_leak - v) + E(v) + i_jump - a``.
    """
    drive = (p.v_leak - v) + exponential_term(v, p.v_th, p.delta_T) + i_jump
    if a is not None:
        drive = drive - a
    v_dec = v + dt * p.tau_mem_inv * drive
    i_dec = i_jump - dt * p.tau_syn_inv * i_jump
    z, v_new = spike_and_reset(v_dec, p.v_th, p)
    return z, v_new, i_dec


def lif_ex_step(
    input_tensor: torch.Tensor,
    state: LIFExState,
    input_weights: torch.Tensor,
    recurrent_weights: torch.Tensor,
    p: LIFExParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, LIFExState]:
    """One Euler step of a recurrently connected LIFEx layer.

    The current jump is ``i + input @ W_in.T + z_prev @ W_rec.T``; the rest follows the module
    docstring. Shapes: input ``(B, I)``, ``input_weights`` ``(H, I)``, ``recurrent_weights``
    ``(H, H)``, state fields ``(B, H)``. Returns ``(z, LIFExState(z, v, i))``.
    """
    i_jump = recurrent_jump(state.i, input_tensor, state.z, input_weights, recurrent_weights)
    z, v_new, i_dec = _lif_ex_dynamics(i_jump, state.v, p, dt)
    return z, LIFExState(z, v_new, i_dec)


def lif_ex_feed_forward_step(
    input_tensor: torch.Tensor,
    state: LIFExFeedForwardState,
    p: LIFExParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, LIFExFeedForwardState]:
    """One Euler step of a feed-forward LIFEx layer; ``input_tensor`` is a current ``(B, ...)``.

    Equations in the module docstring. Returns ``(z, LIFExFeedForwardState(v, i))``.
    """
    z, v_new, i_dec = _lif_ex_dynamics(state.i + input_tensor, state.v, p, dt)
    return z, LIFExFeedForwardState(v_new, i_dec)


def lif_ex_current_encoder(
    input_current: torch.Tensor,
    voltage: torch.Tensor,
    p: LIFExParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Encodes a current into spikes with a LIFEx neuron without synaptic current.

    ``v_dec = v + dt * tau_mem_inv * ((v_leak - v) + E(v) + I)``, ``z = Θ(v_dec - v_th)``,
    ``v_new = reset_method(z, v_dec, v_reset, v_th)``. Returns ``(z, v_new)``.
    """
    z, v_new, _ = _lif_ex_dynamics(input_current, voltage, p, dt)
    return z, v_new
