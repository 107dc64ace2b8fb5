"""Fused recurrent Izhikevich layer: ``IzhikevichRecurrent`` over a whole sequence in one op.

``IzhikevichRecurrent`` (and a loop of
:func:`~norse.torch.functional.izhikevich.izhikevich_recurrent_step`) computes, at every step,
the current ``input_t @ W_in.T + z_{t-1} @ W_rec.T`` and the quadratic Izhikevich update with
the reset ``v -> c``, ``u -> u + d`` on a spike. Here the input projection of all ``T``
steps is one matrix product outside the time loop, and the time loop is one custom op
(``norse::izhikevich_recurrent_sequence``) whose kernel computes the recurrent input from the
previous step's binary spikes (the C++ CPU kernel adds the weight rows of the spiking neurons
when few spike). The backward is written by hand (equations in
:mod:`norse.torch.ops.recurrent_izhikevich_reference`): one backward recursion (the custom op
``norse::izhikevich_recurrent_backward``, replaceable per device), then every parameter
gradient as a sum over time and the recurrent weight gradient as one product over the stored
spikes. Gradients reach the input, both weight matrices, the initial state ``(z, v, u)`` and
every parameter that is a tensor requiring grad (``a, b, c, d, sq, mn, bias, v_th,
tau_inv``); ``alpha`` gets none (a trainable ``alpha`` runs the step loop, with a warning).

Spikes equal the step loop's and gradients equal autograd's through the loop up to floating
point rounding (the recurrent sums are grouped differently; tests compare in float64). The
quadratic voltage amplifies rounding, so in float32 a voltage that passes the threshold by
a few ulp may spike in one and not the other, and float32 gradients over long sequences
agree only to about 1e-4 (as Norse 1.x's own agree with float64). Only first derivatives are
supported. Autapses are handled by the caller (a module without autapses passes its masked
weights). :func:`norse.torch.ops.recurrent.fused_recurrent` routes
``izhikevich_recurrent_step`` here, so ``IzhikevichRecurrent`` runs it.
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse.torch.functional.izhikevich import IzhikevichParameters, IzhikevichRecurrentState
from norse.torch.ops import _registry
from norse.torch.ops._define import custom_op
from norse.torch.ops._recurrent_common import (
    _alpha,
    _check,
    _keep_current,
    _or_zeros,
    _or_zeros_strided,
    _surrogate,
)
from norse.torch.ops.recurrent_izhikevich_reference import previous_voltages
from norse.torch.ops.sequence import _as_step_tensor

__all__ = ["izhikevich_recurrent_sequence"]

_OP = "norse::izhikevich_recurrent_sequence"
_BACKWARD = "norse::izhikevich_recurrent_backward"
_GRADS = ("x", "w", "z0", "v0", "u0", "k", "a", "b", "c", "d", "sq", "mn", "bias", "v_th")

# norse.torch.ops.recurrent imports this module to route to it, so its helpers (_surrogate,
# _check, ...) are imported where they are used, once both modules exist.


@custom_op(_OP)
def _izhikevich_recurrent(
    x: Tensor,
    w: Tensor,
    z0: Tensor,
    v0: Tensor,
    u0: Tensor,
    k: Tensor,
    a: Tensor,
    b: Tensor,
    c: Tensor,
    d: Tensor,
    sq: Tensor,
    mn: Tensor,
    bias: Tensor,
    v_th: Tensor,
    keep_states: bool,
    method: str,
    alpha: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Recurrent Izhikevich over ``x`` ``(T, B, H)`` (``k = tau_inv dt``); returns
    ``(z, vp, u, i, v_T, u_T)`` (``u``, ``i`` empty unless ``keep_states``). ``method`` and
    the 0-dim ``alpha`` select the surrogate used by the backward."""
    impl = _registry.select(_OP, x.device.type).impl
    return impl(x, w, z0, v0, u0, k, a, b, c, d, sq, mn, bias, v_th, keep_states)


@_izhikevich_recurrent.register_fake
def _(x, w, z0, v0, u0, k, a, b, c, d, sq, mn, bias, v_th, keep_states, method, alpha):
    kept = [torch.empty_like(x) if keep_states else x.new_empty(0) for _ in range(2)]
    return (
        torch.empty_like(x),
        torch.empty_like(x),
        *kept,
        torch.empty_like(v0),
        torch.empty_like(v0),
    )


@custom_op(_BACKWARD)
def _izhikevich_recurrent_backward(
    g_z: Tensor,
    g_v: Tensor,
    g_u: Tensor,
    s: Tensor,
    z: Tensor,
    vp: Tensor,
    z0: Tensor,
    v0: Tensor,
    w: Tensor,
    k: Tensor,
    a: Tensor,
    b: Tensor,
    c: Tensor,
    d: Tensor,
    sq: Tensor,
    mn: Tensor,
    need_w: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Backward recursion of ``norse::izhikevich_recurrent_sequence``:
    ``(GV, GU, GI, gv0, gu0, gz0, g_c, g_d, g_vth, gW)``; ``g_z`` may be an expanded view."""
    impl = _registry.select(_BACKWARD, g_z.device.type).impl
    return impl(g_z, g_v, g_u, s, z, vp, z0, v0, w, k, a, b, c, d, sq, mn, need_w)


@_izhikevich_recurrent_backward.register_fake
def _(g_z, g_v, g_u, s, z, vp, z0, v0, w, k, a, b, c, d, sq, mn, need_w):
    g_w = torch.empty_like(w) if need_w else w.new_empty(0)
    sequences = [torch.empty_like(z) for _ in range(3)]
    states = [torch.empty_like(g_v) for _ in range(6)]
    return (*sequences, *states, g_w)


def _setup(ctx, inputs, output):
    _, w, z0, v0, u0, k, a, b, c, d, sq, mn, bias, v_th, _, method, alpha = inputs
    z, vp, u_all, i_all, _, _ = output
    ctx.set_materialize_grads(False)
    ctx.save_for_backward(
        z, vp, u_all, i_all, w, z0, v0, u0, k, a, b, c, d, sq, mn, bias, v_th, alpha
    )
    ctx.method = method


def _backward(ctx, g_z, _g_vp, _g_u_all, _g_i_all, g_v, g_u):

    z, vp, u_all, i_all, w, z0, v0, u0, k, a, b, c, d, sq, mn, bias, v_th, alpha = ctx.saved_tensors
    need = dict(zip(_GRADS, ctx.needs_input_grad))
    g_z, g_v, g_u = _or_zeros_strided(g_z, z), _or_zeros(g_v, v0), _or_zeros(g_u, v0)
    s = _surrogate(_BACKWARD, ctx.method, vp, v_th, alpha)
    gv_all, gu_all, gi_all, gv0, gu0, gz0, g_c, g_d, g_vth, g_w = _izhikevich_recurrent_backward(
        g_z, g_v, g_u, s, z, vp, z0, v0, w, k, a, b, c, d, sq, mn, need["w"]
    )
    grads = {"x": gi_all, "w": g_w, "z0": gz0, "v0": gv0, "u0": gu0}
    grads.update(c=g_c, d=g_d, v_th=g_vth)
    if any(need[name] for name in ("k", "a", "b", "sq", "mn", "bias")):
        v = previous_voltages(vp, z, v0, c)
        grads["sq"] = (gi_all * v * v).sum(0) if need["sq"] else None
        grads["mn"] = (gi_all * v).sum(0) if need["mn"] else None
        grads["bias"] = gi_all.sum(0) if need["bias"] else None
        if need["k"] or need["a"] or need["b"]:  # the forward kept u and I
            u = torch.cat([u0.unsqueeze(0), u_all[:-1]])
            drift = b * v - u
            if need["k"]:
                dv = sq * v * v + mn * v + bias - u + i_all  # dV_t / dk
                grads["k"] = (gv_all * dv).sum(0) + (gu_all * a * drift).sum(0)
            if need["a"]:
                grads["a"] = (gu_all * k * drift).sum(0)
            if need["b"]:
                grads["b"] = (gu_all * k * a * v).sum(0)
    return (*(grads.get(name) if need[name] else None for name in _GRADS), None, None, None)


torch.library.register_autograd(_OP, _backward, setup_context=_setup)


def izhikevich_recurrent_sequence(
    input_tensor: Tensor,
    state: IzhikevichRecurrentState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: IzhikevichParameters,
    dt: float = 0.001,
) -> tuple[Tensor, IzhikevichRecurrentState]:
    r"""Run :func:`~norse.torch.functional.izhikevich.izhikevich_recurrent_step` over
    ``(T, B, I)`` in one fused op.

    .. math::
        I_t = x_t W_{in}^T + z_{t-1} W_{rec}^T, \quad
        V_t = v + k (sq\, v^2 + mn\, v + bias - u + I_t), \quad
        U_t = u + k a (b v - u), \\
        z_t = H(V_t - v_{th}), \quad v_t = (1 - z_t) V_t + z_t c, \quad u_t = U_t + z_t d

    with ``k = tau_inv * dt`` and ``(v, u) = (v_{t-1}, u_{t-1})``.

    Args:
        input_tensor: input ``(T, B, I)``, floating point.
        state: ``IzhikevichRecurrentState(z, v, u)``, each broadcastable to ``(B, H)``.
        input_weights: ``(H, I)``; recurrent_weights: ``(H, H)`` (mask the diagonal first
            for a layer without autapses).
        p: ``IzhikevichParameters`` (numbers or tensors broadcastable to ``(B, H)``; a
            registered surrogate ``method`` and a constant ``alpha``).
        dt: time step in s.

    Returns:
        ``(z, IzhikevichRecurrentState(z_T, v_T, u_T))`` with spikes ``z`` ``(T, B, H)``.
    """

    _check(input_tensor, input_weights, recurrent_weights)
    x = torch.nn.functional.linear(input_tensor, input_weights)
    step = x[0]
    coefficients = {
        "tau_inv": p.tau_inv * dt,
        "a": p.a,
        "b": p.b,
        "c": p.c,
        "d": p.d,
        "sq": p.sq,
        "mn": p.mn,
        "bias": p.bias,
        "v_th": p.v_th,
    }
    co = {name: _as_step_tensor(name, value, step) for name, value in coefficients.items()}
    z0, v0, u0 = (_as_step_tensor(f"state.{f}", getattr(state, f), step) for f in ("z", "v", "u"))
    z, _, _, _, v, u = _izhikevich_recurrent(
        x,
        recurrent_weights,
        z0,
        v0,
        u0,
        *co.values(),
        _keep_current(co["tau_inv"], co["a"], co["b"]),
        p.method,
        _alpha(p.alpha, p.method),
    )
    return z, IzhikevichRecurrentState(z=z[-1], v=v, u=u)
