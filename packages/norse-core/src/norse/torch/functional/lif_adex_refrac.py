"""LIFAdEx neuron with an absolute refractory period, counted in time steps.

Each step runs the LIFAdEx step (:mod:`norse.torch.functional.lif_adex`) and then the
refractory update with the counter ``rho`` of the *previous* state, as for LIFRefrac::

    r     = H(rho)                         (1 while refractory)
    v_new = (1 - r) * v_adex + r * v       (voltage held at its previous value)
    z_new = (1 - r) * z_adex               (no spike while refractory)
    rho   = (1 - z_new) * relu(rho - r) + z_new * rho_reset

The current ``i`` and the adaptation ``a`` follow the LIFAdEx step unchanged (``a`` jumps by
``adaptation_spike`` with the LIFAdEx spike, before masking), as in Norse 1.x. ``H`` is the
plain Heaviside step without gradient (see :mod:`norse.torch.functional.lif_refrac`).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.functional.lif_adex import (
    LIFAdExFeedForwardState,
    LIFAdExParameters,
    LIFAdExState,
    lif_adex_feed_forward_step,
    lif_adex_step,
)
from norse.torch.functional.lif_refrac import _refractory_update

__all__ = [
    "LIFAdExRefracFeedForwardState",
    "LIFAdExRefracParameters",
    "LIFAdExRefracState",
    "lif_adex_refrac_feed_forward_step",
    "lif_adex_refrac_step",
]


class LIFAdExRefracParameters(NamedTuple):
    """Parameters of a refractory LIFAdEx neuron.

    Attributes:
        lif_adex: the :class:`~norse.torch.functional.lif_adex.LIFAdExParameters`.
        rho_reset: refractory period in time steps, default 5.
    """

    lif_adex: LIFAdExParameters = LIFAdExParameters()
    rho_reset: Tensor = torch.as_tensor(5.0)


_DEFAULT_PARAMETERS = LIFAdExRefracParameters()


class LIFAdExRefracState(NamedTuple):
    """State of a recurrent refractory LIFAdEx layer: ``lif_adex`` (:class:`LIFAdExState`)
    and the refractory counter ``rho``, each ``(B, H)``."""

    lif_adex: LIFAdExState
    rho: Tensor


class LIFAdExRefracFeedForwardState(NamedTuple):
    """State of a feed-forward refractory LIFAdEx layer: ``lif_adex``
    (:class:`LIFAdExFeedForwardState`) and the counter ``rho``."""

    lif_adex: LIFAdExFeedForwardState
    rho: Tensor


def compute_refractory_update(
    state: LIFAdExRefracState | LIFAdExRefracFeedForwardState,
    z_new: Tensor,
    v_new: Tensor,
    p: LIFAdExRefracParameters = _DEFAULT_PARAMETERS,
) -> tuple[Tensor, Tensor, Tensor]:
    """Applies the refractory period to a LIFAdEx step's ``z_new`` and ``v_new``.

    ``state`` is the state *before* the step. Returns ``(v, z, rho)`` (module docstring).
    """
    return _refractory_update(state.rho, state.lif_adex.v, z_new, v_new, p.rho_reset)


def lif_adex_refrac_step(
    input_tensor: Tensor,
    state: LIFAdExRefracState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFAdExRefracParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFAdExRefracState]:
    """One recurrent step: :func:`lif_adex_step`, then the refractory update.

    Shapes: input ``(B, I)``, weights ``(H, I)``, ``(H, H)``, state ``(B, H)``. Returns
    ``(z, LIFAdExRefracState(LIFAdExState(z, v, i, a), rho))``.
    """
    z, s = lif_adex_step(
        input_tensor, state.lif_adex, input_weights, recurrent_weights, p.lif_adex, dt
    )
    v, z, rho = compute_refractory_update(state, z, s.v, p)
    return z, LIFAdExRefracState(LIFAdExState(z, v, s.i, s.a), rho)


def lif_adex_refrac_feed_forward_step(
    input_tensor: Tensor,
    state: LIFAdExRefracFeedForwardState,
    p: LIFAdExRefracParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFAdExRefracFeedForwardState]:
    """One feed-forward step on an input current ``(B, ...)``: the LIFAdEx step, then the
    refractory update. Returns ``(z, LIFAdExRefracFeedForwardState(..., rho))``."""
    z, s = lif_adex_feed_forward_step(input_tensor, state.lif_adex, p.lif_adex, dt)
    v, z, rho = compute_refractory_update(state, z, s.v, p)
    return z, LIFAdExRefracFeedForwardState(LIFAdExFeedForwardState(v, s.i, s.a), rho)
