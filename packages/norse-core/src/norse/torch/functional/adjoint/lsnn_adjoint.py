r"""Feed-forward LSNN step with a hand-written (adjoint) backward pass.

Forward: :func:`~norse.torch.functional.lsnn.lsnn_feed_forward_step` (Euler, reset to
``v_reset``, Norse 1.x's order: the input enters the current after the spike). With
``a_m = 1 - dt tau_mem_inv``, ``a_s = 1 - dt tau_syn_inv``, ``a_b = 1 - dt tau_adapt_inv``,
``s`` the surrogate derivative at ``v_dec - b_dec`` and incoming gradients
``(g_z, g_v, g_i, g_b)``::

    g_z'   = g_z + g_v (v_reset - v_dec) + g_b beta
    g_vdec = g_v (1 - z) + g_z' s,     g_bdec = g_b - g_z' s
    dL/dinput = g_i,  dL/di = g_i a_s + g_vdec dt tau_mem_inv,
    dL/dv = g_vdec a_m,  dL/db = g_bdec a_b

This equals backpropagation through the step loop. Saves ``v_dec`` and ``b_dec`` per step.
Parameters receive no gradient.
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse.torch.functional.adjoint._common import (
    check_supported,
    incoming,
    input_gradients,
    save_step,
    surrogate,
)
from norse.torch.functional.lsnn import (
    _DEFAULT_PARAMETERS,
    LSNNFeedForwardState,
    LSNNParameters,
    _decay,
)
from norse.torch.functional.threshold import heaviside

__all__ = ["LSNNFeedForwardAdjointFunction", "lsnn_feed_forward_adjoint_step"]


class LSNNFeedForwardAdjointFunction(torch.autograd.Function):
    """``apply(input, v, i, b, p, dt) -> (z, v_new, i_new, b_new)``: one feed-forward LSNN
    step (module docstring) with the adjoint backward; ``p`` a :class:`LSNNParameters`."""

    @staticmethod
    def forward(ctx, input_tensor: Tensor, v: Tensor, i: Tensor, b: Tensor, p, dt: float):
        v_dec, i_dec, b_dec = _decay(v, i, b, p, dt)
        z = heaviside(v_dec - b_dec)
        v_new = (1 - z) * v_dec + z * p.v_reset
        save_step(ctx, (v_dec, b_dec), p, dt, (input_tensor, v, i, b))
        return z, v_new, i_dec + input_tensor, b_dec + z * p.beta

    @staticmethod
    def backward(ctx, g_z: Tensor, g_v: Tensor, g_i: Tensor, g_b: Tensor):
        v_dec, b_dec = ctx.saved_tensors
        p, dt = ctx.p, ctx.dt
        g_z, g_v, g_i, g_b = incoming((g_z, g_v, g_i, g_b), v_dec)
        z = heaviside(v_dec - b_dec)
        s = surrogate(v_dec - b_dec, p.method, p.alpha)
        g_z = g_z + g_v * (p.v_reset - v_dec) + g_b * p.beta
        g_vdec = g_v * (1 - z) + g_z * s
        g_bdec = g_b - g_z * s
        c_mem, c_syn, c_ada = dt * p.tau_mem_inv, dt * p.tau_syn_inv, dt * p.tau_adapt_inv
        return input_gradients(  # g - g * c as autograd of the forward step rounds it
            ctx,
            g_i,
            g_vdec - g_vdec * c_mem,
            g_i - g_i * c_syn + g_vdec * c_mem,
            g_bdec - g_bdec * c_ada,
        )


def lsnn_feed_forward_adjoint_step(
    input_tensor: Tensor,
    state: LSNNFeedForwardState,
    p: LSNNParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LSNNFeedForwardState]:
    """:func:`~norse.torch.functional.lsnn.lsnn_feed_forward_step` with the adjoint backward
    (same forward numbers, gradients equal to backpropagation)."""
    check_supported(p, "lsnn_feed_forward_adjoint_step")
    z, v, i, b = LSNNFeedForwardAdjointFunction.apply(
        input_tensor, state.v, state.i, state.b, p, dt
    )
    return z, LSNNFeedForwardState(v, i, b)
