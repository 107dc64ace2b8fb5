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
from norse.torch.functional._integration import (
    approach_factor,
    check_integrator,
    current_to_voltage_factor,
    decay_factor,
)
from norse.torch.ops import _registry
from norse.torch.ops._define import custom_op
from norse.torch.ops._lsnn_reference import GRAD_NAMES, needs_input
from norse.torch.ops.sequence import (
    RESETS,
    Coefficient,
    _as_step_tensor,
    from_memory_order,
    in_memory_order,
    memory_order,
    surrogate_alpha,
)

__all__ = ["lsnn_sequence"]

_FORWARD = "norse::lsnn_sequence"
_BACKWARD = "norse::lsnn_sequence_backward"


@custom_op(_FORWARD)
def _lsnn_sequence(
    x: Tensor,
    v0: Tensor,
    i0: Tensor,
    b0: Tensor,
    mem: Tensor,
    cur: Tensor | None,
    syn: Tensor,
    k: Tensor,
    v_leak: Tensor,
    v_th: Tensor,
    v_reset: Tensor,
    beta: Tensor,
    subtract: bool,
    method: str,
    alpha: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Fused LSNN recursion over ``x`` ``(T, *S)``; returns ``(z, u, v_T, i_T, b_T)``.

    Every state and factor tensor has shape ``S`` and ``x``'s dtype; ``cur`` is None for the
    Euler integrator. ``method`` and the 0-dim tensor ``alpha`` select the surrogate used by
    the backward.
    """
    impl = _registry.select(_FORWARD, x.device.type).impl
    return impl(x, v0, i0, b0, mem, cur, syn, k, v_leak, v_th, v_reset, beta, subtract)


@_lsnn_sequence.register_fake
def _(x, v0, i0, b0, mem, cur, syn, k, v_leak, v_th, v_reset, beta, subtract, method, alpha):
    return (
        torch.empty_like(x),
        torch.empty_like(x),
        torch.empty_like(v0),
        torch.empty_like(v0),
        torch.empty_like(v0),
    )


@custom_op(_BACKWARD)
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
    mem: Tensor,
    cur: Tensor | None,
    syn: Tensor,
    k: Tensor,
    v_leak: Tensor,
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
        mem,
        cur,
        syn,
        k,
        v_leak,
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
    mem,
    cur,
    syn,
    k,
    v_leak,
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


def _needs(inputs: tuple, subtract: bool) -> list[bool]:
    """Which of the ``GRAD_NAMES`` inputs require a gradient."""
    needs = [isinstance(t, Tensor) and t.requires_grad for t in inputs[: len(GRAD_NAMES)]]
    if subtract:
        needs[GRAD_NAMES.index("v_reset")] = False
    return needs


def _setup_context(ctx, inputs, output):
    x, v0, i0, b0, mem, cur, syn, k, v_leak, v_th, v_reset, beta, subtract, method, alpha = inputs
    _, u, _, _, _ = output
    ctx.set_materialize_grads(False)
    needs_x = needs_input(_needs(inputs, subtract), cur is not None)
    ctx.save_for_backward(
        x if needs_x else None, u, v0, i0, b0, mem, cur, syn, k, v_leak, v_th, v_reset, beta, alpha
    )
    ctx.flags = (subtract, method)


def _backward(ctx, g_z, g_u, g_v, g_i, g_b):
    x, u, v0, i0, b0, mem, cur, syn, k, v_leak, v_th, v_reset, beta, alpha = ctx.saved_tensors
    subtract, method = ctx.flags
    needs = [bool(n) for n in ctx.needs_input_grad[: len(GRAD_NAMES)]]
    if subtract:
        needs[GRAD_NAMES.index("v_reset")] = False
    if cur is None:
        needs[GRAD_NAMES.index("cur")] = False
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
        mem,
        cur,
        syn,
        k,
        v_leak,
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
    tau_syn_inv: Coefficient = 200.0,
    tau_mem_inv: Coefficient = 100.0,
    tau_adapt_inv: Coefficient = 1.0 / 800,
    v_leak: Coefficient = 0.0,
    v_th: Coefficient = 1.0,
    v_reset: Coefficient = 0.0,
    beta: Coefficient = 1.8,
    dt: float = 0.001,
    integrator: str = "euler",
    reset: str = "value",
    method: str = "super",
    alpha: Tensor | float | None = 100.0,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Run feed-forward LSNN neurons (adaptive threshold ``b``) over a time-major sequence.

    The same dynamics, parameters (Norse's defaults) and results as looping
    :func:`norse.torch.functional.lsnn.lsnn_feed_forward_step` over ``T`` steps (equations in
    :mod:`norse.torch.functional.lsnn` and :mod:`norse.torch.ops._lsnn_reference`): the
    voltage uses the old current, the input current enters after the spike, ``b`` relaxes
    to ``v_th`` and jumps by ``beta`` per spike. The backward uses the surrogate ``method``
    for the spike's derivative, also through the reset and the threshold jump.

    Args:
        input_tensor: input currents ``x`` of shape ``(T, B, ...)``, floating point.
        v, i, b: initial voltage, current and threshold, broadcastable to a step ``(B, ...)``.
        tau_syn_inv, tau_mem_inv, tau_adapt_inv: inverse time constants in 1/s (numbers or
            tensors broadcastable to a step, like every parameter below).
        v_leak, v_th, v_reset, beta: leak, resting threshold, reset voltage (unused by
            ``reset="subtract"``) and threshold jump per spike.
        dt: time step in s. integrator: ``"euler"`` or ``"exact"``.
        reset: ``"value"`` or ``"subtract"`` (subtracts the decayed threshold).
        method: registered surrogate name; alpha: its sharpness (no gradient; None for the
            surrogate's default).

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
    check_integrator(integrator, "lsnn_sequence")
    if reset not in RESETS:
        raise ValueError(f"reset must be one of {RESETS}, got {reset!r}")
    plugins.get("surrogates", method)  # ValueError naming the registered surrogates
    exact = integrator == "exact"
    # The factors exactly as lsnn_feed_forward_step computes them (bitwise equal results).
    if exact:
        mem = decay_factor(tau_mem_inv, dt, "exact")
        cur = current_to_voltage_factor(tau_mem_inv, tau_syn_inv, dt, "exact")
        syn = decay_factor(tau_syn_inv, dt, "exact")
    else:
        mem, cur, syn = dt * tau_mem_inv, None, dt * tau_syn_inv
    k = approach_factor(tau_adapt_inv, dt, integrator)
    step = input_tensor[0]
    values = (
        ("v", v),
        ("i", i),
        ("b", b),
        ("mem", mem),
        ("cur", cur),
        ("syn", syn),
        ("k", k),
        ("v_leak", v_leak),
        ("v_th", v_th),
        ("v_reset", v_reset),
        ("beta", beta),
    )
    args = [_as_step_tensor(name, a, step) if a is not None else None for name, a in values]
    order = memory_order(input_tensor)
    x, steps = in_memory_order(order, input_tensor, args)
    result = _lsnn_sequence(x, *steps, reset == "subtract", method, surrogate_alpha(method, alpha))
    z, _, v_final, i_final, b_final = result
    return from_memory_order(order, (z, v_final, i_final, b_final))
