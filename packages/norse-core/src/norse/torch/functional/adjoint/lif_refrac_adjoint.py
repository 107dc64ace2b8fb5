r"""Feed-forward refractory LIF step with a hand-written (adjoint) backward pass.

Forward: :func:`~norse.torch.functional.lif_refrac.lif_refrac_feed_forward_step` (Euler LIF,
reset to ``v_reset``, then the refractory update with ``r = H(rho)``). Backward: the
discrete adjoint of that step, chained with the LIF adjoint of
:mod:`~norse.torch.functional.adjoint.lif_adjoint`; with incoming gradients
``(g_z, g_v, g_i, g_rho)``::

    g_z'   = g_z + g_rho (rho_reset - relu(rho - r))
    LIF adjoint with (g_z' (1 - r), g_v (1 - r), g_i);   dL/dv += g_v r
    dL/drho = g_rho (1 - z) [rho - r > 0]

This equals backpropagation through the step loop (``H(rho)`` has no gradient, as in the
ordinary step). Saves ``v_dec`` and ``rho`` per step. Parameters receive no gradient.
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse.torch.functional.adjoint._common import (
    check_supported,
    incoming,
    input_gradients,
    save_step,
)
from norse.torch.functional.adjoint.lif_adjoint import lif_backward, lif_forward
from norse.torch.functional.lif import LIFFeedForwardState
from norse.torch.functional.lif_refrac import (
    _DEFAULT_PARAMETERS,
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    _refractory_update,
)
from norse.torch.functional.threshold import heaviside

__all__ = ["LIFAdjointRefracFeedForwardFunction", "lif_refrac_feed_forward_adjoint_step"]


class LIFAdjointRefracFeedForwardFunction(torch.autograd.Function):
    """``apply(input, v, i, rho, p, dt) -> (z, v_new, i_new, rho_new)``: one refractory LIF
    step (module docstring) with the adjoint backward; ``p`` a :class:`LIFRefracParameters`."""

    @staticmethod
    def forward(ctx, input_tensor: Tensor, v: Tensor, i: Tensor, rho: Tensor, p, dt: float):
        z_lif, v_lif, i_new, v_dec = lif_forward(input_tensor, v, i, p.lif, dt)
        v_new, z, rho_new = _refractory_update(rho, v, z_lif, v_lif, p.rho_reset)
        save_step(ctx, (v_dec, rho), p, dt, (input_tensor, v, i, rho))
        return z, v_new, i_new, rho_new

    @staticmethod
    def backward(ctx, g_z: Tensor, g_v: Tensor, g_i: Tensor, g_rho: Tensor):
        v_dec, rho = ctx.saved_tensors
        p = ctx.p
        g_z, g_v, g_i, g_rho = incoming((g_z, g_v, g_i, g_rho), v_dec)
        r = heaviside(rho)
        z = (1 - r) * heaviside(v_dec - p.lif.v_th)
        g_z = g_z + g_rho * (p.rho_reset - torch.relu(rho - r))
        gx, gv, gi = lif_backward(g_z * (1 - r), g_v * (1 - r), g_i, v_dec, p.lif, ctx.dt)
        gv = gv + g_v * r
        g_rho_old = g_rho * (1 - z) * (rho - r > 0).to(v_dec.dtype)
        return input_gradients(ctx, gx, gv, gi, g_rho_old)


def lif_refrac_feed_forward_adjoint_step(
    input_tensor: Tensor,
    state: LIFRefracFeedForwardState,
    p: LIFRefracParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFRefracFeedForwardState]:
    """:func:`~norse.torch.functional.lif_refrac.lif_refrac_feed_forward_step` with the
    adjoint backward (same forward numbers, gradients equal to backpropagation)."""
    check_supported(p.lif, "lif_refrac_feed_forward_adjoint_step")
    z, v, i, rho = LIFAdjointRefracFeedForwardFunction.apply(
        input_tensor, state.lif.v, state.lif.i, state.rho, p, dt
    )
    return z, LIFRefracFeedForwardState(LIFFeedForwardState(v, i), rho)
