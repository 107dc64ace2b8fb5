"""The fused LSNN op: ``norse::lsnn_sequence``, its backward, and the user-facing entry point.

Forward and backward are separate ``torch.library`` custom ops, so ``torch.compile`` treats
each as one graph node and a device kernel registered through ``norse_register_kernels``
can replace either (:mod:`norse.torch.ops._registry`). The equations, what is saved and the
backward are in :mod:`norse.torch.ops._lsnn_reference`. Only first derivatives are supported.
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse import plugins
from norse.torch.ops import _registry
from norse.torch.ops._lsnn_reference import GRAD_NAMES
from norse.torch.ops.sequence import RESETS, Coefficient, _as_step_tensor

__all__ = ["lsnn_sequence"]

_FORWARD = "norse::lsnn_sequence"
_BACKWARD = "norse::lsnn_sequence_backward"


@torch.library.custom_op(_FORWARD, mutates_args=())
def _lsnn_sequence(
    x: Tensor,
    v0: Tensor,
    i0: Tensor,
    b0: Tensor,
    p: Tensor,
    q: Tensor,
    o: Tensor,
    r: Tensor,
    k: Tensor,
    v_th: Tensor,
    v_reset: Tensor,
    beta: Tensor,
    subtract: bool,
    method: str,
    alpha: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Fused LSNN recursion over ``x`` ``(T, *S)``; returns ``(z, u, v_T, i_T, b_T)``.

    Every state and coefficient tensor has shape ``S`` and ``x``'s dtype. ``method`` and the
    0-dim tensor ``alpha`` select the surrogate used by the backward.
    """
    impl = _registry.select(_FORWARD, x.device.type).impl
    return impl(x, v0, i0, b0, p, q, o, r, k, v_th, v_reset, beta, subtract)


@_lsnn_sequence.register_fake
def _(x, v0, i0, b0, p, q, o, r, k, v_th, v_reset, beta, subtract, method, alpha):
    return (
        torch.empty_like(x),
        torch.empty_like(x),
        torch.empty_like(v0),
        torch.empty_like(v0),
        torch.empty_like(v0),
    )


@torch.library.custom_op(_BACKWARD, mutates_args=())
def _lsnn_sequence_backward(
    g_z: Tensor | None,
    g_v: Tensor | None,
    g_i: Tensor | None,
    g_b: Tensor | None,
    x: Tensor | None,
    u: Tensor,
    v0: Tensor,
    i0: Tensor,
    b0: Tensor,
    p: Tensor,
    q: Tensor,
    r: Tensor,
    k: Tensor,
    v_th: Tensor,
    v_reset: Tensor,
    beta: Tensor,
    subtract: bool,
    method: str,
    alpha: Tensor,
    needs: list[bool],
) -> list[Tensor]:
    """Gradients of ``norse::lsnn_sequence`` for the inputs named in ``GRAD_NAMES``.

    Returns one tensor per name: the gradient (shape of ``x`` for ``x``, ``S`` otherwise)
    where ``needs`` is True, an empty tensor where it is False.
    """
    impl = _registry.select(_BACKWARD, u.device.type).impl
    grads = impl(
        g_z,
        g_v,
        g_i,
        g_b,
        x,
        u,
        v0,
        i0,
        b0,
        p,
        q,
        r,
        k,
        v_th,
        v_reset,
        beta,
        subtract,
        method,
        alpha,
        needs,
    )
    return [g if g is not None else u.new_empty(0) for g in grads]


@_lsnn_sequence_backward.register_fake
def _(
    g_z,
    g_v,
    g_i,
    g_b,
    x,
    u,
    v0,
    i0,
    b0,
    p,
    q,
    r,
    k,
    v_th,
    v_reset,
    beta,
    subtract,
    method,
    alpha,
    needs,
):
    grads = []
    for name, need in zip(GRAD_NAMES, needs):
        if not need:
            grads.append(u.new_empty(0))
        elif name == "x":
            grads.append(torch.empty_like(u))
        else:
            grads.append(torch.empty_like(v0))
    return grads


def _setup_context(ctx, inputs, output):
    x, v0, i0, b0, p, q, _o, r, k, v_th, v_reset, beta, subtract, method, alpha = inputs
    _, u, _, _, _ = output
    ctx.set_materialize_grads(False)
    needs_x = q.requires_grad or r.requires_grad
    ctx.save_for_backward(
        x if needs_x else None, u, v0, i0, b0, p, q, r, k, v_th, v_reset, beta, alpha
    )
    ctx.flags = (subtract, method)


def _backward(ctx, g_z, g_u, g_v, g_i, g_b):
    x, u, v0, i0, b0, p, q, r, k, v_th, v_reset, beta, alpha = ctx.saved_tensors
    subtract, method = ctx.flags
    needs = [bool(n) for n in ctx.needs_input_grad[: len(GRAD_NAMES)]]
    if subtract:
        needs[GRAD_NAMES.index("v_reset")] = False
    grads = _lsnn_sequence_backward(
        g_z,
        g_v,
        g_i,
        g_b,
        x,
        u,
        v0,
        i0,
        b0,
        p,
        q,
        r,
        k,
        v_th,
        v_reset,
        beta,
        subtract,
        method,
        alpha,
        needs,
    )
    result = [g if need else None for g, need in zip(grads, needs)]
    return (*result, None, None, None)


torch.library.register_autograd(_FORWARD, _backward, setup_context=_setup_context)


def lsnn_sequence(
    input_tensor: Tensor,
    v: Coefficient,
    i: Coefficient,
    b: Coefficient,
    *,
    p: Coefficient,
    q: Coefficient,
    o: Coefficient,
    r: Coefficient,
    k: Coefficient,
    v_th: Coefficient = 1.0,
    v_reset: Coefficient = 0.0,
    beta: Coefficient = 1.8,
    reset: str = "value",
    method: str = "super",
    alpha: Tensor | float = 100.0,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Run feed-forward LSNN neurons (adaptive threshold ``b``) over a time-major sequence.

    With the state ``(v, i, b)`` before step ``t`` and input current ``x_t``::

        u_t = p v + q i + o ;  c_t = b + k (v_th - b) ;  z_t = H(u_t - c_t)
        v  <- v_reset (value) or u_t - c_t (subtract) where z_t, else u_t
        b  <- c_t + beta z_t ;  i <- r i + x_t     (the input enters after the spike)

    :func:`norse.torch.functional.lsnn_feed_forward_step` is this with ``p = 1 - a``,
    ``q = a``, ``o = a v_leak``, ``r = 1 - dt tau_syn_inv``, ``k = dt tau_adapt_inv``
    (``a = dt tau_mem_inv``, Euler), or the exact factors (see :mod:`norse.torch.ops.models`).
    The backward uses the surrogate ``method`` for ``dz/d(u - c)`` (through the reset and the
    threshold jump too, as autograd through the step function does).

    Args:
        input_tensor: input currents ``x`` of shape ``(T, B, ...)``, floating point.
        v, i, b: initial voltage, current and threshold, broadcastable to a step ``(B, ...)``.
        p, q, o, r, k: coefficients (numbers or tensors broadcastable to a step).
        v_th: the resting threshold that ``b`` relaxes to (default 1).
        v_reset: reset voltage (default 0; unused by ``reset="subtract"``).
        beta: threshold jump per spike (default 1.8).
        reset: ``"value"`` or ``"subtract"`` (subtracts the decayed threshold ``c_t``).
        method: registered surrogate name; alpha: its sharpness (no gradient).

    Returns:
        ``(z, v_T, i_T, b_T)``: spikes ``(T, B, ...)`` and the final state.
    """
    if not isinstance(input_tensor, Tensor):
        raise TypeError(f"input_tensor must be a torch.Tensor, got {type(input_tensor).__name__}")
    if not input_tensor.is_floating_point():
        raise TypeError(f"input_tensor must be floating point, got {input_tensor.dtype}")
    if input_tensor.dim() < 2:
        raise ValueError(
            f"input_tensor must have shape (T, B, ...), got {tuple(input_tensor.shape)}"
        )
    if reset not in RESETS:
        raise ValueError(f"reset must be one of {RESETS}, got {reset!r}")
    plugins.get("surrogates", method)  # ValueError naming the registered surrogates
    step = input_tensor[0]
    values = (
        ("v", v),
        ("i", i),
        ("b", b),
        ("p", p),
        ("q", q),
        ("o", o),
        ("r", r),
        ("k", k),
        ("v_th", v_th),
        ("v_reset", v_reset),
        ("beta", beta),
    )
    args = [_as_step_tensor(name, value, step) for name, value in values]
    z, _, v_final, i_final, b_final = _lsnn_sequence(
        input_tensor,
        *args,
        reset == "subtract",
        method,
        torch.as_tensor(alpha, dtype=torch.float64).detach(),
    )
    return z, v_final, i_final, b_final
