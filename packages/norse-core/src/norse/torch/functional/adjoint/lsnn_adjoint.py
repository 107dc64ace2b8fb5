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

from norse.torch.functional.adjoint._common import check_supported, reduce_to, surrogate
from norse.torch.functional.adjoint.lif_adjoint import _zero
from norse.torch.functional.lsnn import (
    _DEFAULT_PARAMETERS,
    LSNNFeedForwardState,
    LSNNParameters,
)
from norse.torch.functional.threshold import heaviside

__all__ = ["LSNNFeedForwardAdjointFunction", "lsnn_feed_forward_adjoint_step"]


class LSNNFeedForwardAdjointFunction(torch.autograd.Function):
    """``apply(input, v, i, b, p, dt) -> (z, v_new, i_new, b_new)``: one feed-forward LSNN
    step (module docstring) with the adjoint backward; ``p`` a :class:`LSNNParameters`."""

    @staticmethod
    def forward(ctx, input_tensor: Tensor, v: Tensor, i: Tensor, b: Tensor, p, dt: float):
        v_dec = v + dt * p.tau_mem_inv * ((p.v_leak - v) + i)
        i_dec = i - dt * p.tau_syn_inv * i
        b_dec = b + dt * p.tau_adapt_inv * (p.v_th - b)
        z = heaviside(v_dec - b_dec)
        v_new = (1 - z) * v_dec + z * p.v_reset
        ctx.save_for_backward(v_dec, b_dec)
        ctx.p, ctx.dt = p, dt
        ctx.shapes = (input_tensor.shape, v.shape, i.shape, b.shape)
        return z, v_new, i_dec + input_tensor, b_dec + z * p.beta

    @staticmethod
    def backward(ctx, g_z: Tensor, g_v: Tensor, g_i: Tensor, g_b: Tensor):
        v_dec, b_dec = ctx.saved_tensors
        p, dt = ctx.p, ctx.dt
        g_z, g_v, g_i, g_b = (_zero(g, v_dec) for g in (g_z, g_v, g_i, g_b))
        z = heaviside(v_dec - b_dec)
        s = surrogate(v_dec - b_dec, p.method, p.alpha)
        g_z = g_z + g_v * (p.v_reset - v_dec) + g_b * p.beta
        g_vdec = g_v * (1 - z) + g_z * s
        g_bdec = g_b - g_z * s
        c_mem, c_syn, c_ada = dt * p.tau_mem_inv, dt * p.tau_syn_inv, dt * p.tau_adapt_inv
        sx, sv, si, sb = ctx.shapes
        return (  # g - g * c as autograd of the forward step rounds it
            reduce_to(g_i, sx),
            reduce_to(g_vdec - g_vdec * c_mem, sv),
            reduce_to(g_i - g_i * c_syn + g_vdec * c_mem, si),
            reduce_to(g_bdec - g_bdec * c_ada, sb),
            None,
            None,
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
