"""Fused recurrent LIFEx, LIFAdEx and LIFAdExRefrac layers: one op over a whole sequence.

``LIFExRecurrent``, ``LIFAdExRecurrent`` and ``LIFAdExRefracRecurrent``
(:func:`~norse.torch.functional.lif_ex.lif_ex_step`,
:func:`~norse.torch.functional.lif_adex.lif_adex_step`,
:func:`~norse.torch.functional.lif_adex_refrac.lif_adex_refrac_step` in a loop) run as one
custom op, ``norse::lif_adex_recurrent_sequence`` (LIFEx is LIFAdEx without adaptation,
LIFAdExRefrac LIFAdEx with the refractory counter: the op's ``adaptive`` and ``refractory``
flags), on the pattern of :mod:`norse.torch.ops.recurrent`: the input projection of all steps
is one product outside the time loop, the kernel adds the recurrent input from the previous
step's binary spikes, and the backward is written by hand (equations in
:mod:`norse.torch.ops.recurrent_adex_reference`): one backward recursion (a custom op,
``norse::lif_adex_recurrent_backward``, replaceable per device), then every parameter gradient
as a sum over time and the recurrent weight gradient as one product over the stored spikes.
Gradients reach the input, both weight matrices, the initial state (the counter included) and
every neuron parameter (``tau_mem_inv``, ``tau_syn_inv``, ``v_leak``, ``v_th``, ``v_reset``,
``delta_T``, for LIFAdEx ``tau_ada_inv``, ``adaptation_current``, ``adaptation_spike``, for
LIFAdExRefrac ``rho_reset``), through coefficients computed from the parameters with ordinary
autograd. As in the step loop, the spike in the reset and in the adaptation jump carries its
surrogate gradient, the refractory mask none.

Spikes equal the step loop's and gradients equal autograd's through the loop up to floating
point rounding. Only first derivatives are supported.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from norse.torch.functional.lif_adex import LIFAdExParameters, LIFAdExState
from norse.torch.functional.lif_adex_refrac import LIFAdExRefracParameters, LIFAdExRefracState
from norse.torch.functional.lif_ex import LIFExParameters, LIFExState, exponential_term
from norse.torch.ops import _registry, recurrent_cpp
from norse.torch.ops import recurrent_adex_reference as _reference
from norse.torch.ops._define import custom_op
from norse.torch.ops._recurrent_common import (
    _RESETS,
    _alpha,
    _check,
    _keep_current,
    _or_zeros,
    _or_zeros_strided,
    _shifted,
    _surrogate,
)
from norse.torch.ops.sequence import _as_step_tensor

__all__ = [
    "LIF_ADEX_BACKWARD",
    "LIF_ADEX_FORWARD",
    "lif_adex_recurrent_sequence",
    "lif_adex_refrac_recurrent_sequence",
    "lif_ex_recurrent_sequence",
]

# norse.torch.ops.recurrent imports this module to route to it, so its helpers (_surrogate,
# _check, ...) are imported where they are used, once both modules exist.

_ADEX = "norse::lif_adex_recurrent_sequence"
_ADEX_BACKWARD = "norse::lif_adex_recurrent_backward"

_ADEX_GRADS = (
    "x", "w", "z0", "v0", "i0", "a0", "rho0", "k", "ks", "v_leak", "v_th", "v_reset", "delta_T",
    "ka", "c", "bs", "rho_reset",
)  # fmt: skip


@custom_op(_ADEX)
def _lif_adex_recurrent(
    x: Tensor,
    w: Tensor,
    z0: Tensor,
    v0: Tensor,
    i0: Tensor,
    a0: Tensor,
    rho0: Tensor,
    k: Tensor,
    ks: Tensor,
    v_leak: Tensor,
    v_th: Tensor,
    v_reset: Tensor,
    delta_T: Tensor,
    ka: Tensor,
    c: Tensor,
    bs: Tensor,
    rho_reset: Tensor,
    subtract: bool,
    adaptive: bool,
    refractory: bool,
    keep_states: bool,
    method: str,
    alpha: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Recurrent LIFAdEx (LIFEx unless ``adaptive``; refractory if ``refractory``) over ``x``
    ``(T, B, H)``; returns ``(z, u, v, j, a, rho, v_T, i_T, a_T, rho_T)`` (``j``, ``a`` empty
    unless ``keep_states``, ``a`` also unless ``adaptive``, ``rho`` unless ``refractory``).
    ``method`` and the 0-dim ``alpha`` select the backward's surrogate."""
    impl = _registry.select(_ADEX, x.device.type).impl
    args = (x, w, z0, v0, i0, a0, rho0, k, ks, v_leak, v_th, v_reset, delta_T, ka, c, bs)
    return impl(*args, rho_reset, subtract, adaptive, refractory, keep_states)


@_lif_adex_recurrent.register_fake
def _(x, w, z0, v0, i0, a0, rho0, *coefficients_and_flags):
    _, adaptive, refractory, keep, _, _ = coefficients_and_flags[-6:]
    j = torch.empty_like(x) if keep else x.new_empty(0)
    a = torch.empty_like(x) if keep and adaptive else x.new_empty(0)
    rho = torch.empty_like(x) if refractory else x.new_empty(0)
    sequences = [torch.empty_like(x) for _ in range(3)]
    return (*sequences, j, a, rho, *(torch.empty_like(v0) for _ in range(4)))


@custom_op(_ADEX_BACKWARD)
def _lif_adex_recurrent_backward(
    g_z: Tensor,
    g_v: Tensor,
    g_i: Tensor,
    g_a: Tensor,
    g_rho: Tensor,
    s: Tensor,
    z: Tensor,
    z0: Tensor,
    u: Tensor,
    v: Tensor,
    v0: Tensor,
    rho: Tensor,
    rho0: Tensor,
    w: Tensor,
    k: Tensor,
    ks: Tensor,
    v_th: Tensor,
    v_reset: Tensor,
    delta_T: Tensor,
    ka: Tensor,
    c: Tensor,
    bs: Tensor,
    rho_reset: Tensor,
    subtract: bool,
    adaptive: bool,
    refractory: bool,
    need_w: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Backward recursion of ``norse::lif_adex_recurrent_sequence``: ``(GU, GJ, GW, GA, gv0,
    gi0, ga0, grho0, gz0, g_rho_reset, gW)``; ``g_z`` may be an expanded view."""
    impl = _registry.select(_ADEX_BACKWARD, g_z.device.type).impl
    args = (g_z, g_v, g_i, g_a, g_rho, s, z, z0, u, v, v0, rho, rho0, w, k, ks, v_th, v_reset)
    return impl(*args, delta_T, ka, c, bs, rho_reset, subtract, adaptive, refractory, need_w)


@_lif_adex_recurrent_backward.register_fake
def _(g_z, g_v, *rest):
    z, w, (adaptive, _, need_w) = rest[4], rest[11], rest[-3:]
    sequences = [torch.empty_like(z) for _ in range(3)]
    ga = torch.empty_like(z) if adaptive else z.new_empty(0)
    states = [torch.empty_like(g_v) for _ in range(6)]
    g_w = torch.empty_like(w) if need_w else w.new_empty(0)
    return (*sequences, ga, *states, g_w)


def _setup(ctx, inputs, output):
    _, w, z0, v0, _, a0, rho0, k, ks, v_leak, v_th, v_reset, delta_T, ka, c, bs = inputs[:16]
    rho_reset, subtract, adaptive, refractory, _, method, alpha = inputs[16:]
    z, u, v, j, a, rho = output[:6]
    ctx.set_materialize_grads(False)
    saved = (z, u, v, j, a, rho, w, z0, v0, a0, rho0, k, ks, v_leak, v_th, v_reset, delta_T)
    ctx.save_for_backward(*saved, ka, c, bs, rho_reset, alpha)
    ctx.flags = (subtract, adaptive, refractory, method)


def _backward(ctx, g_z, _g_u, _g_v_all, _g_j, _g_a_all, _g_rho_all, g_v, g_i, g_a, g_rho):

    z, u, v, j, a, rho, w, z0, v0, a0, rho0, k, ks, v_leak, v_th, v_reset, delta_T = (
        ctx.saved_tensors[:17]
    )
    ka, c, bs, rho_reset, alpha = ctx.saved_tensors[17:]
    subtract, adaptive, refractory, method = ctx.flags
    need = dict(zip(_ADEX_GRADS, ctx.needs_input_grad))
    g_z, g_v = _or_zeros_strided(g_z, z), _or_zeros(g_v, v0)
    g_i, g_a, g_rho = _or_zeros(g_i, v0), _or_zeros(g_a, v0), _or_zeros(g_rho, v0)
    s = _surrogate(_ADEX_BACKWARD, method, u, v_th, alpha)
    gu, gj, gw, ga_all, gv0, gi0, ga0, grho0, gz0, g_rho_reset, g_w = (
        _lif_adex_recurrent_backward(
            g_z, g_v, g_i, g_a, g_rho, s, z, z0, u, v, v0, rho, rho0, w, k, ks, v_th, v_reset,
            delta_T, ka, c, bs, rho_reset, subtract, adaptive, refractory, need["w"],
        )
    )  # fmt: skip
    grads = {"x": gj, "w": g_w, "z0": gz0, "v0": gv0, "i0": gi0, "a0": ga0, "rho0": grho0}
    grads["rho_reset"] = g_rho_reset
    # The sequences the parameter gradients need, formed only for those needed: the LIFAdEx
    # step's spike (z itself without refractory period), the voltages and adaptations before
    # each step.

    def needs(*names: str) -> bool:
        return any(need[name] for name in names)

    above = (u > v_th).to(u.dtype) if refractory and needs("v_th", "v_reset", "bs") else z
    v_prev = (
        torch.cat([v0.unsqueeze(0), v[:-1]]) if needs("k", "v_th", "delta_T", "ka", "c") else None
    )
    a_prev = torch.cat([a0.unsqueeze(0), a[:-1]]) if adaptive and needs("k", "ka") else None
    if need["k"]:
        drive = (v_leak - v_prev) + exponential_term(v_prev, v_th, delta_T) + j
        grads["k"] = (gu * (drive - a_prev if adaptive else drive)).sum(0)
    if need["ks"]:
        grads["ks"] = -(_shifted(gj, g_i) * j).sum(0)
    gu_sum = gu.sum(0) if needs("v_leak", "v_th") else None
    if need["v_leak"]:
        grads["v_leak"] = k * gu_sum - (ka * c * ga_all.sum(0) if adaptive else 0)
    if need["v_th"]:
        kept = gw if subtract else gw * (1 - above)
        slope = _reference.exponential_slope(v_prev, v_th, delta_T)
        g_th = -(gu_sum - kept.sum(0)) - k * (gu * slope).sum(0)
        grads["v_th"] = g_th - (gw * above).sum(0) if subtract else g_th
    if need["v_reset"] and not subtract:
        grads["v_reset"] = (gw * above).sum(0)
    if need["delta_T"]:
        d_delta = _reference.exponential_delta_slope(v_prev, v_th, delta_T)
        grads["delta_T"] = k * (gu * d_delta).sum(0)
    if adaptive and (need["ka"] or need["c"]):
        above_leak = v_prev - v_leak
        if need["ka"]:
            grads["ka"] = (ga_all * (c * above_leak - a_prev)).sum(0)
        if need["c"]:
            grads["c"] = ka * (ga_all * above_leak).sum(0)
    if adaptive and need["bs"]:
        grads["bs"] = (ga_all * above).sum(0)
    return (*(grads.get(name) if need[name] else None for name in _ADEX_GRADS), *[None] * 6)


torch.library.register_autograd(_ADEX, _backward, setup_context=_setup)


# --- entry points -----------------------------------------------------------------------


def _run(
    input_tensor: Tensor,
    state: tuple[Any, Any, Any, Any, Any],
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFExParameters | LIFAdExParameters,
    rho_reset: Any,
    dt: float,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """The op on the initial ``state`` ``(z, v, i, a, rho)`` (``a`` None for LIFEx, ``rho``
    and ``rho_reset`` None without refractory period); returns ``(z, v_T, i_T, a_T, rho_T)``."""

    _check(input_tensor, input_weights, recurrent_weights)
    adaptive, refractory = state[3] is not None, state[4] is not None
    x = torch.nn.functional.linear(input_tensor, input_weights)
    step = x[0]
    zero = step.new_zeros(()).expand(step.shape)  # a and rho of the models without them
    names = ("z", "v", "i", "a", "rho")
    z0, v0, i0, a0, rho0 = (
        zero if f is None else _as_step_tensor(f"state.{n}", f, step) for n, f in zip(names, state)
    )
    coefficients = {
        "k": dt * p.tau_mem_inv,
        "ks": dt * p.tau_syn_inv,
        "v_leak": p.v_leak,
        "v_th": p.v_th,
        "v_reset": p.v_reset,
        "delta_T": p.delta_T,
        "ka": dt * p.tau_ada_inv if adaptive else 0.0,
        "c": p.adaptation_current if adaptive else 0.0,
        "bs": p.adaptation_spike if adaptive else 0.0,
        "rho_reset": rho_reset if refractory else 0.0,
    }
    c = {name: _as_step_tensor(name, value, step) for name, value in coefficients.items()}
    keep = _keep_current(c["k"], c["ks"], c["ka"])
    z, _, _, _, _, _, v, i, a, rho = _lif_adex_recurrent(
        x,
        recurrent_weights,
        z0,
        v0,
        i0,
        a0,
        rho0,
        *c.values(),
        _RESETS[p.reset_method],
        adaptive,
        refractory,
        keep,
        p.method,
        _alpha(p.alpha, p.method),
    )
    return z, v, i, a, rho


def lif_ex_recurrent_sequence(
    input_tensor: Tensor,
    state: LIFExState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFExParameters,
    dt: float = 0.001,
) -> tuple[Tensor, LIFExState]:
    """Run :func:`norse.torch.functional.lif_ex.lif_ex_step` over ``(T, B, I)`` in one fused op.

    Args:
        input_tensor: input ``(T, B, I)``, floating point.
        state: ``LIFExState(z, v, i)``, each broadcastable to ``(B, H)``.
        input_weights: ``(H, I)``; recurrent_weights: ``(H, H)`` (mask the diagonal first
            for a layer without autapses).
        p: ``LIFExParameters`` (``reset_value`` or ``reset_subtract``, a registered surrogate).
        dt: time step in s.

    Returns:
        ``(z, LIFExState(z_T, v_T, i_T))`` with spikes ``z`` of shape ``(T, B, H)``.
    """
    fields = (state.z, state.v, state.i, None, None)
    z, v, i, _, _ = _run(input_tensor, fields, input_weights, recurrent_weights, p, None, dt)
    return z, LIFExState(z=z[-1], v=v, i=i)


def lif_adex_recurrent_sequence(
    input_tensor: Tensor,
    state: LIFAdExState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFAdExParameters,
    dt: float = 0.001,
) -> tuple[Tensor, LIFAdExState]:
    """Run :func:`norse.torch.functional.lif_adex.lif_adex_step` over ``(T, B, I)`` in one
    fused op.

    Args: as :func:`lif_ex_recurrent_sequence`, with ``LIFAdExState(z, v, i, a)`` and
    ``LIFAdExParameters``.

    Returns:
        ``(z, LIFAdExState(z_T, v_T, i_T, a_T))`` with spikes ``z`` of shape ``(T, B, H)``.
    """
    fields = (state.z, state.v, state.i, state.a, None)
    z, v, i, a, _ = _run(input_tensor, fields, input_weights, recurrent_weights, p, None, dt)
    return z, LIFAdExState(z=z[-1], v=v, i=i, a=a)


def lif_adex_refrac_recurrent_sequence(
    input_tensor: Tensor,
    state: LIFAdExRefracState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFAdExRefracParameters,
    dt: float = 0.001,
) -> tuple[Tensor, LIFAdExRefracState]:
    """Run :func:`norse.torch.functional.lif_adex_refrac.lif_adex_refrac_step` over
    ``(T, B, I)`` in one fused op.

    Args: as :func:`lif_ex_recurrent_sequence`, with
    ``LIFAdExRefracState(LIFAdExState(z, v, i, a), rho)`` and
    ``LIFAdExRefracParameters(lif_adex, rho_reset)``.

    Returns:
        ``(z, LIFAdExRefracState(LIFAdExState(z_T, v_T, i_T, a_T), rho_T))`` with spikes
        ``z`` of shape ``(T, B, H)``.
    """
    s = state.lif_adex
    fields = (s.z, s.v, s.i, s.a, state.rho)
    z, v, i, a, rho = _run(
        input_tensor, fields, input_weights, recurrent_weights, p.lif_adex, p.rho_reset, dt
    )
    return z, LIFAdExRefracState(LIFAdExState(z=z[-1], v=v, i=i, a=a), rho)


# --- the C++ CPU kernels ----------------------------------------------------------------


def _cpp_forward(*args: Any) -> tuple[Tensor, ...]:
    return tuple(recurrent_cpp.load().lif_adex_recurrent_forward(*args, recurrent_cpp.DENSE_ABOVE))


def _cpp_backward(*args: Any) -> tuple[Tensor, ...]:
    return tuple(recurrent_cpp.load().lif_adex_recurrent_backward(*args, recurrent_cpp.DENSE_ABOVE))


LIF_ADEX_FORWARD = recurrent_cpp.RecurrentCppKernel(
    "lif_adex_recurrent_forward_cpp", _cpp_forward, _reference.lif_adex_recurrent_forward
)
"""The C++ forward of ``norse::lif_adex_recurrent_sequence`` (CPU)."""
LIF_ADEX_BACKWARD = recurrent_cpp.RecurrentCppKernel(
    "lif_adex_recurrent_backward_cpp",
    _cpp_backward,
    _reference.lif_adex_recurrent_backward,
    strided_first=True,
)
"""The C++ backward recursion of ``norse::lif_adex_recurrent_sequence`` (CPU)."""
