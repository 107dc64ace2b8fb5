"""Leaky integrate-and-fire (LIF) neuron with an exponential current synapse.

Dynamics (``tau_mem_inv = 1/tau_mem``, ``tau_syn_inv = 1/tau_syn``, in 1/s with ``dt`` in s):

.. math::
    \\dot v = \\tau_{mem}^{-1} ((v_{leak} - v) + i), \\qquad
    \\dot i = -\\tau_{syn}^{-1} i, \\qquad z = \\Theta(v - v_{th})

One step, in Norse 1.x's order (the input enters the current, and the voltage, in the same
step):

1. ``i_jump = i + input`` (recurrent: ``+ input @ W_in.T + z @ W_rec.T``)
2. ``"euler"`` (default): ``v_dec = v + dt * tau_mem_inv * ((v_leak - v) + i_jump)``,
   ``i_dec = i_jump - dt * tau_syn_inv * i_jump``;
   ``"exact"``: ``v_dec = v_leak + (v - v_leak) * exp(-dt tau_mem_inv) + c * i_jump`` with
   ``c = tau_mem_inv (exp(-dt tau_syn_inv) - exp(-dt tau_mem_inv)) / (tau_mem_inv -
   tau_syn_inv)`` (limit ``dt tau_mem_inv exp(-dt tau_mem_inv)``),
   ``i_dec = i_jump * exp(-dt * tau_syn_inv)``
3. ``z = threshold(v_dec - v_th, method, alpha)``
4. ``v_new = reset_method(z, v_dec, v_reset, v_th)`` (default: to ``v_reset``; the recurrent
   step passes ``z.detach()``, as Norse does).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.functional._integration import (
    check_integrator,
    current_membrane_step,
    membrane_step,
)
from norse.torch.functional._step import recurrent_jump, spike_and_reset
from norse.torch.functional.reset import ResetMethod, reset_value

__all__ = [
    "LIFFeedForwardState",
    "LIFParameters",
    "LIFState",
    "lif_current_encoder",
    "lif_feed_forward_integral",
    "lif_feed_forward_step",
    "lif_step",
    "lif_step_integral",
]


class LIFParameters(NamedTuple):
    """Parameters of a LIF neuron (Norse 1.x fields and defaults, then two options).

    Attributes:
        tau_syn_inv: inverse synaptic time constant, 1/s (default 200, i.e. 5 ms).
        tau_mem_inv: inverse membrane time constant, 1/s (default 100, i.e. 10 ms).
        v_leak: leak (resting) potential (default 0).
        v_th: threshold potential (default 1).
        v_reset: reset potential (default 0).
        method: surrogate gradient, a registered name (default ``"super"``).
        alpha: surrogate sharpness (default 100).
        integrator: ``"euler"`` (default, as Norse 1.x) or ``"exact"``.
        reset_method: ``reset_value`` (default) or ``reset_subtract``.
    """

    tau_syn_inv: Tensor | float = torch.as_tensor(1.0 / 5e-3)
    tau_mem_inv: Tensor | float = torch.as_tensor(1.0 / 1e-2)
    v_leak: Tensor | float = torch.as_tensor(0.0)
    v_th: Tensor | float = torch.as_tensor(1.0)
    v_reset: Tensor | float = torch.as_tensor(0.0)
    method: str = "super"
    alpha: Tensor | float = torch.as_tensor(100.0)
    integrator: str = "euler"
    reset_method: ResetMethod = reset_value


DEFAULT_LIF_PARAMETERS = LIFParameters()
"""``LIFParameters()``, the default of every LIF function and module (tuples are immutable)."""


class LIFState(NamedTuple):
    """State of a recurrent LIF neuron: last spikes ``z``, voltage ``v``, current ``i``."""

    z: Tensor
    v: Tensor
    i: Tensor


class LIFFeedForwardState(NamedTuple):
    """State of a feed-forward LIF neuron: voltage ``v`` and current ``i``."""

    v: Tensor
    i: Tensor


def _integrate(v: Tensor, i_jump: Tensor, p: LIFParameters, dt: float) -> tuple[Tensor, Tensor]:
    """Steps ``(v, i_jump)`` over ``dt`` with ``p.integrator`` (module docstring, step 2)."""
    check_integrator(p.integrator, "LIFParameters")
    return current_membrane_step(
        v, i_jump, p.tau_mem_inv, p.tau_syn_inv, p.v_leak, dt, p.integrator
    )


def lif_feed_forward_step(
    input_tensor: Tensor,
    state: LIFFeedForwardState,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFFeedForwardState]:
    """One feed-forward LIF step (see the module docstring for the update order).

    Args:
        input_tensor: input current jump ``(B, ...)``.
        state: ``LIFFeedForwardState(v, i)``, tensors broadcastable to the input.
        p: parameters. dt: time step in s.

    Returns:
        ``(z, LIFFeedForwardState(v_new, i_dec))``; gradients flow through the reset.
    """
    i_jump = state.i + input_tensor
    v_dec, i_dec = _integrate(state.v, i_jump, p, dt)
    z, v_new = spike_and_reset(v_dec, p.v_th, p)
    return z, LIFFeedForwardState(v=v_new, i=i_dec)


def lif_step(
    input_tensor: Tensor,
    state: LIFState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFState]:
    """One recurrent LIF step: input ``(B, I)``, weights ``(H, I)`` and ``(H, H)``.

    ``i_jump = i + input @ W_in.T + z @ W_rec.T``; then as the feed-forward step, except that
    the reset uses ``z.detach()`` (Norse 1.x). Returns ``(z, LIFState(z, v_new, i_dec))``
    with all tensors ``(B, H)``. The input and ``state.z`` may be sparse (COO) tensors (the
    weighted sums then use ``torch.sparse.mm``).
    """
    i_jump = recurrent_jump(state.i, input_tensor, state.z, input_weights, recurrent_weights)
    v_dec, i_dec = _integrate(state.v, i_jump, p, dt)
    z, v_new = spike_and_reset(v_dec, p.v_th, p, detach=True)
    return z, LIFState(z=z, v=v_new, i=i_dec)


def lif_feed_forward_integral(
    input_tensor: Tensor,
    state: LIFFeedForwardState,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFFeedForwardState]:
    """Run :func:`lif_feed_forward_step` over dim 0 of ``(T, B, ...)``.

    Returns ``(spikes (T, B, ...), final state)``.
    """
    outputs = []
    for x in input_tensor:
        z, state = lif_feed_forward_step(x, state, p, dt)
        outputs.append(z)
    return torch.stack(outputs), state


def lif_step_integral(
    input_tensor: Tensor,
    state: LIFState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFState]:
    """Run :func:`lif_step` over dim 0 of ``(T, B, I)``.

    Returns ``(spikes (T, B, H), final state)``. (Norse 1.1.0 returned only the last step's
    spikes; this returns all of them, as its docstring promised.)
    """
    outputs = []
    for x in input_tensor:
        z, state = lif_step(x, state, input_weights, recurrent_weights, p, dt)
        outputs.append(z)
    return torch.stack(outputs), state


def lif_current_encoder(
    input_current: Tensor,
    voltage: Tensor,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, Tensor]:
    """One step of a LIF neuron driven directly by a current (no synapse).

    ``v_dec = v + dt * tau_mem_inv * ((v_leak - v) + input_current)`` (``"euler"``) or
    ``v_dec = v + (1 - exp(-dt tau_mem_inv)) * ((v_leak - v) + input_current)``
    (``"exact"``, constant current over the step); ``z = threshold(v_dec - v_th)``;
    ``v_new = reset_method(z, v_dec, v_reset, v_th)``.

    Returns ``(z, v_new)``, both shaped like ``input_current``.
    """
    check_integrator(p.integrator, "LIFParameters")
    v_dec = membrane_step(voltage, input_current, p.tau_mem_inv, p.v_leak, dt, p.integrator)
    return spike_and_reset(v_dec, p.v_th, p)


# ---- Norse 1.x names: sparse-input steps and bio defaults (helper "parity")


def _dense(x: Tensor) -> Tensor:
    return x.to_dense() if x.is_sparse else x


def lif_step_sparse(
    input_spikes: Tensor,
    state: LIFState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFState]:
    """:func:`lif_step` for sparse (COO) input spikes ``(B, I)`` and sparse ``state.z``.

    Runs :func:`lif_step` (its weighted sums use ``torch.sparse.mm`` for sparse operands;
    the voltage and current stay dense) and returns ``(z, LIFState(z, v, i))`` with ``z`` as
    a sparse COO tensor ``(B, H)`` (Norse 1.x). Dense inputs or a dense ``state.z`` are
    accepted too.
    """
    z, new_state = lif_step(input_spikes, state, input_weights, recurrent_weights, p, dt)
    z_sparse = z.to_sparse()
    return z_sparse, LIFState(z=z_sparse, v=new_state.v, i=new_state.i)


def lif_feed_forward_step_sparse(
    input_tensor: Tensor,
    state: LIFFeedForwardState,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFFeedForwardState]:
    """:func:`lif_feed_forward_step` for a sparse (COO) input current ``(B, ...)``.

    Returns the spikes as a sparse COO tensor and the dense ``LIFFeedForwardState``.
    """
    z, new_state = lif_feed_forward_step(_dense(input_tensor), state, p, dt)
    return z.to_sparse(), new_state


default_bio_parameters = LIFParameters(
    tau_syn_inv=torch.as_tensor(1 / 0.5),
    tau_mem_inv=torch.as_tensor(1 / 20.0),
    v_leak=torch.as_tensor(-65.0),
    v_th=torch.as_tensor(-50.0),
    v_reset=torch.as_tensor(-65.0),
)
"""Norse 1.1.0's biological LIF parameters (time in ms: use with ``dt = 1.0``)."""

default_bio_initial_state = LIFState(
    z=torch.as_tensor(0.0), v=torch.as_tensor(-65.0), i=torch.as_tensor(0.0)
)
"""Norse 1.x's initial state for :data:`default_bio_parameters` (``v = -65``)."""
