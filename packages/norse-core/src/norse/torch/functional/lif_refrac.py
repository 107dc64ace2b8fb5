"""LIF neuron with an absolute refractory period, counted in time steps.

Each step runs the LIF step (:mod:`norse.torch.functional.lif`, any integrator and reset)
and then applies the refractory update with the counter ``rho`` of the *previous* state::

    r     = H(rho)                         (1 while refractory, i.e. rho > 0)
    v_new = (1 - r) * v_lif + r * v        (voltage held at its previous value)
    z_new = (1 - r) * z_lif                (no spike while refractory)
    rho   = (1 - z_new) * relu(rho - r) + z_new * rho_reset

The synaptic current keeps integrating while refractory. With ``rho_reset = 5`` a neuron
driven hard spikes every 6 steps.

``H`` is the plain Heaviside step without gradient: ``rho`` is an integer counter, so a
surrogate derivative with respect to it is meaningless (Norse 1.x applies the surrogate
``method`` to ``rho``, which leaks gradient through the counter).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.functional.lif import (
    DEFAULT_LIF_PARAMETERS,
    LIFFeedForwardState,
    LIFParameters,
    LIFState,
    lif_feed_forward_step,
    lif_step,
)
from norse.torch.functional.threshold import heaviside

__all__ = [
    "LIFRefracFeedForwardState",
    "LIFRefracParameters",
    "LIFRefracState",
    "compute_refractory_update",
    "lif_refrac_feed_forward_step",
    "lif_refrac_step",
]


class LIFRefracParameters(NamedTuple):
    """Parameters of a refractory LIF neuron.

    Attributes:
        lif: the :class:`~norse.torch.functional.lif.LIFParameters` of the LIF dynamics.
        rho_reset: refractory period in time steps, default 5.
    """

    lif: LIFParameters = DEFAULT_LIF_PARAMETERS
    rho_reset: Tensor = torch.as_tensor(5.0)


_DEFAULT_PARAMETERS = LIFRefracParameters()


class LIFRefracState(NamedTuple):
    """State of a recurrent refractory LIF layer: the :class:`LIFState` ``lif`` and the
    refractory counter ``rho`` (steps left), each ``(B, H)``."""

    lif: LIFState
    rho: Tensor


class LIFRefracFeedForwardState(NamedTuple):
    """State of a feed-forward refractory LIF layer: ``lif`` (:class:`LIFFeedForwardState`)
    and the counter ``rho``, each ``(B, ...)``."""

    lif: LIFFeedForwardState
    rho: Tensor


def compute_refractory_update(
    state: LIFRefracState | LIFRefracFeedForwardState,
    z_new: Tensor,
    v_new: Tensor,
    p: LIFRefracParameters = _DEFAULT_PARAMETERS,
) -> tuple[Tensor, Tensor, Tensor]:
    """Applies the refractory period to a LIF step's ``z_new`` and ``v_new``.

    ``state`` is the state *before* the step. Returns ``(v, z, rho)`` (module docstring).
    """
    return _refractory_update(state.rho, state.lif.v, z_new, v_new, p.rho_reset)


def _refractory_update(
    rho: Tensor, v_old: Tensor, z_new: Tensor, v_new: Tensor, rho_reset: Tensor | float
) -> tuple[Tensor, Tensor, Tensor]:
    """The refractory update of any model's step, on plain tensors.

    ``rho`` and ``v_old`` are the counter and voltage *before* the step, ``z_new`` and
    ``v_new`` the step's spikes and voltage. Returns ``(v, z, rho)`` (module docstring).
    Shared by LIFRefrac, LIFAdExRefrac and the refractory adjoint step.
    """
    refractory = heaviside(rho)
    v = (1 - refractory) * v_new + refractory * v_old
    z = (1 - refractory) * z_new
    rho_new = (1 - z) * torch.relu(rho - refractory) + z * rho_reset
    return v, z, rho_new


def lif_refrac_step(
    input_tensor: Tensor,
    state: LIFRefracState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFRefracParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFRefracState]:
    """One recurrent refractory LIF step: :func:`lif_step` then the refractory update.

    Shapes: input ``(B, I)``, weights ``(H, I)`` and ``(H, H)``, state ``(B, H)``.
    Returns ``(z, LIFRefracState(LIFState(z, v, i), rho))``.
    """
    z_new, s_new = lif_step(input_tensor, state.lif, input_weights, recurrent_weights, p.lif, dt)
    v, z, rho = compute_refractory_update(state, z_new, s_new.v, p)
    return z, LIFRefracState(LIFState(z, v, s_new.i), rho)


def lif_refrac_feed_forward_step(
    input_tensor: Tensor,
    state: LIFRefracFeedForwardState,
    p: LIFRefracParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFRefracFeedForwardState]:
    """One feed-forward refractory LIF step on an input current ``(B, ...)``.

    Returns ``(z, LIFRefracFeedForwardState(LIFFeedForwardState(v, i), rho))``.
    """
    z_new, s_new = lif_feed_forward_step(input_tensor, state.lif, p.lif, dt)
    v, z, rho = compute_refractory_update(state, z_new, s_new.v, p)
    return z, LIFRefracFeedForwardState(LIFFeedForwardState(v, s_new.i), rho)


# ---- Norse 1.x name: sparse-input step (helper "parity")


def lif_refrac_step_sparse(
    input_tensor: Tensor,
    state: LIFRefracState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFRefracParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFRefracState]:
    """:func:`lif_refrac_step` for sparse (COO) input spikes ``(B, I)``.

    Runs :func:`lif_refrac_step` (sparse operands are multiplied with ``torch.sparse.mm``)
    and returns the spikes, and ``state.lif.z``, as sparse COO tensors ``(B, H)``. (Norse
    1.1.0's version failed with the default 0-d ``rho_reset``.)
    """
    z, s_new = lif_refrac_step(input_tensor, state, input_weights, recurrent_weights, p, dt)
    z_sparse = z.to_sparse()
    return z_sparse, LIFRefracState(LIFState(z_sparse, s_new.lif.v, s_new.lif.i), s_new.rho)
