r"""Feed-forward LIF step with a hand-written (adjoint) backward pass.

The forward pass is :func:`~norse.torch.functional.lif.lif_feed_forward_step` (Euler, reset to
``v_reset``). The backward pass is the discrete adjoint of that step: with
``a_m = 1 - dt tau_mem_inv``, ``a_s = 1 - dt tau_syn_inv``, ``s`` the surrogate derivative at
``v_dec - v_th`` and incoming gradients ``(g_z, g_v, g_i)`` of ``(z, v_new, i_new)``::

    g_z'   = g_z + g_v (v_reset - v_dec)
    g_vdec = g_v (1 - z) + g_z' s
    g_ij   = g_i a_s + g_vdec dt tau_mem_inv
    dL/dv  = g_vdec a_m,   dL/di = dL/dinput = g_ij

Chained over a sequence this equals backpropagation through the step loop exactly (same
surrogate, same numbers), but each step keeps only ``v_dec`` for the backward pass instead of
autograd's intermediate tensors (``benchmarks/adjoint_memory.py`` measures the saving).
Neuron parameters receive no gradient here (use the ordinary steps to train them).
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse.torch.functional._integration import current_membrane_step
from norse.torch.functional.adjoint._common import (
    check_supported,
    incoming,
    input_gradients,
    save_step,
    surrogate,
)
from norse.torch.functional.lif import (
    DEFAULT_LIF_PARAMETERS,
    LIFFeedForwardState,
    LIFParameters,
)
from norse.torch.functional.threshold import heaviside

__all__ = [
    "LIFFeedForwardAdjointFunction",
    "LIFFeedForwardSparseAdjointFunction",
    "lif_feed_forward_adjoint_step",
    "lif_feed_forward_adjoint_step_sparse",
]


def lif_forward(x: Tensor, v: Tensor, i: Tensor, p: LIFParameters, dt: float):
    """The Euler LIF step: ``(z, v_new, i_dec, v_dec)``."""
    v_dec, i_dec = current_membrane_step(
        v, i + x, p.tau_mem_inv, p.tau_syn_inv, p.v_leak, dt, "euler"
    )
    z = heaviside(v_dec - p.v_th)
    return z, (1 - z) * v_dec + z * p.v_reset, i_dec, v_dec


def lif_backward(g_z: Tensor, g_v: Tensor, g_i: Tensor, v_dec: Tensor, p: LIFParameters, dt: float):
    """The adjoint of :func:`lif_forward`: ``(dL/dinput, dL/dv, dL/di)`` (unreduced)."""
    z = heaviside(v_dec - p.v_th)
    g_z = g_z + g_v * (p.v_reset - v_dec)
    g_vdec = g_v * (1 - z) + g_z * surrogate(v_dec - p.v_th, p.method, p.alpha)
    c_mem, c_syn = dt * p.tau_mem_inv, dt * p.tau_syn_inv
    # g - g * c rather than g * (1 - c): the same rounding as autograd of the forward step
    g_ij = g_i - g_i * c_syn + g_vdec * c_mem
    return g_ij, g_vdec - g_vdec * c_mem, g_ij


class LIFFeedForwardAdjointFunction(torch.autograd.Function):
    """``LIFFeedForwardAdjointFunction.apply(input, v, i, p, dt) -> (z, v_new, i_new)``.

    One Euler LIF step (module docstring) whose backward is the discrete adjoint; saves only
    ``v_dec``. ``p`` is a :class:`LIFParameters` with ``integrator="euler"`` and
    ``reset_method=reset_value``.
    """

    @staticmethod
    def forward(ctx, input_tensor: Tensor, v: Tensor, i: Tensor, p: LIFParameters, dt: float):
        z, v_new, i_new, v_dec = lif_forward(input_tensor, v, i, p, dt)
        save_step(ctx, (v_dec,), p, dt, (input_tensor, v, i))
        return z, v_new, i_new

    @staticmethod
    def backward(ctx, g_z: Tensor, g_v: Tensor, g_i: Tensor):
        (v_dec,) = ctx.saved_tensors
        g_z, g_v, g_i = incoming((g_z, g_v, g_i), v_dec)
        return input_gradients(ctx, *lif_backward(g_z, g_v, g_i, v_dec, ctx.p, ctx.dt))


def lif_feed_forward_adjoint_step(
    input_tensor: Tensor,
    state: LIFFeedForwardState,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFFeedForwardState]:
    """:func:`~norse.torch.functional.lif.lif_feed_forward_step` with the adjoint backward.

    Same forward numbers; gradients equal backpropagation through the step (module
    docstring). Raises ``ValueError`` for ``integrator != "euler"`` or a reset other than
    ``reset_value``.
    """
    check_supported(p, "lif_feed_forward_adjoint_step")
    z, v, i = LIFFeedForwardAdjointFunction.apply(input_tensor, state.v, state.i, p, dt)
    return z, LIFFeedForwardState(v, i)


class LIFFeedForwardSparseAdjointFunction:
    """``apply(input, v, i, p, dt) -> (z, v_new, i_new)`` for a sparse (COO) input current:
    :class:`LIFFeedForwardAdjointFunction` on the dense input, with ``z`` returned sparse."""

    @staticmethod
    def apply(input_tensor: Tensor, v: Tensor, i: Tensor, p: LIFParameters, dt: float = 0.001):
        dense = input_tensor.to_dense() if input_tensor.is_sparse else input_tensor
        z, v_new, i_new = LIFFeedForwardAdjointFunction.apply(dense, v, i, p, dt)
        return z.to_sparse(), v_new, i_new


def lif_feed_forward_adjoint_step_sparse(
    input_tensor: Tensor,
    state: LIFFeedForwardState,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFFeedForwardState]:
    """:func:`lif_feed_forward_adjoint_step` for a sparse input; returns sparse spikes."""
    check_supported(p, "lif_feed_forward_adjoint_step_sparse")
    z, v, i = LIFFeedForwardSparseAdjointFunction.apply(input_tensor, state.v, state.i, p, dt)
    return z, LIFFeedForwardState(v, i)
