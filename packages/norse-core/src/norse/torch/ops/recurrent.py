"""Fused recurrent layers: recurrent LIF, LSNN and LIFRefrac over a whole sequence in one op.

``LIFRecurrent``, ``LSNNRecurrent`` and ``LIFRefracRecurrent`` (and the functional step loops)
compute, at every step, ``input_t @ W_in.T + z_{t-1} @ W_rec.T`` and the neuron update. Here
the input projection of all ``T`` steps is one matrix product outside the time loop, and the
time loop is one custom op (``norse::lif_recurrent_sequence``,
``norse::lsnn_recurrent_sequence``, ``norse::lif_refrac_recurrent_sequence``)
whose kernel computes the recurrent input from the previous step's binary spikes (the C++
CPU kernel adds the weight rows of the spiking neurons when few spike). The backward is
written by hand (equations in :mod:`norse.torch.ops.recurrent_reference`): one backward
recursion (a custom op, replaceable per device), then every parameter gradient as a sum over
time and the recurrent weight gradient as one product over the stored spikes. Gradients reach
the input, the input and recurrent weights, the initial state and every neuron parameter
(through the coefficients, computed from the parameters with ordinary autograd).

Spikes equal the step loop's and gradients equal autograd's through the loop up to floating
point rounding (the recurrent sums are grouped differently, so voltages differ by a few ulp;
tests compare in float64). Only first derivatives are supported. Autapses are handled by the
caller: a module without autapses passes its masked weights (zero diagonal, so the diagonal
gets zero gradient), as the step loop does.

The other recurrent models have their ops in their own modules: ``LIFExRecurrent``,
``LIFAdExRecurrent`` and ``LIFAdExRefracRecurrent`` in :mod:`norse.torch.ops.recurrent_adex`,
``CobaLIFRecurrent`` (two conductances, weights split by sign) in
:mod:`norse.torch.ops.recurrent_coba`, ``IzhikevichRecurrent`` in
:mod:`norse.torch.ops.recurrent_izhikevich`; what they all share is in
:mod:`norse.torch.ops._recurrent_common`. :func:`fused_recurrent` routes to every one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from norse.torch.functional import _integration as integ
from norse.torch.functional.coba_lif import coba_lif_step
from norse.torch.functional.izhikevich import izhikevich_recurrent_step
from norse.torch.functional.lif import LIFState, lif_step
from norse.torch.functional.lif_adex import lif_adex_step
from norse.torch.functional.lif_adex_refrac import LIFAdExRefracParameters, lif_adex_refrac_step
from norse.torch.functional.lif_ex import lif_ex_step
from norse.torch.functional.lif_refrac import LIFRefracParameters, LIFRefracState, lif_refrac_step
from norse.torch.functional.lsnn import LSNNState, lsnn_step
from norse.torch.functional.reset import reset_value
from norse.torch.ops._define import custom_op
from norse.torch.ops._recurrent_common import (
    _RESETS,
    _alpha,
    _check,
    _keep_current,
    _or_zeros,
    _or_zeros_strided,
    _run_backward,
    _select,
    _shifted,
    _surrogate,
)
from norse.torch.ops.models import _current_membrane
from norse.torch.ops.recurrent_adex import (
    lif_adex_recurrent_sequence,
    lif_adex_refrac_recurrent_sequence,
    lif_ex_recurrent_sequence,
)
from norse.torch.ops.recurrent_coba import coba_lif_recurrent_sequence
from norse.torch.ops.recurrent_izhikevich import izhikevich_recurrent_sequence
from norse.torch.ops.sequence import _as_step_tensor

__all__ = [
    "fused_recurrent",
    "lif_recurrent_sequence",
    "lif_refrac_recurrent_sequence",
    "lsnn_recurrent_sequence",
]

_LIF = "norse::lif_recurrent_sequence"
_LIF_BACKWARD = "norse::lif_recurrent_backward"
_LSNN = "norse::lsnn_recurrent_sequence"
_LSNN_BACKWARD = "norse::lsnn_recurrent_backward"
_REFRAC = "norse::lif_refrac_recurrent_sequence"
_REFRAC_BACKWARD = "norse::lif_refrac_recurrent_backward"

_LIF_GRADS = ("x", "w", "z0", "v0", "i0", "p", "q", "o", "r", "v_th", "v_reset")
_LSNN_GRADS = ("x", "w", "z0", "v0", "i0", "b0", "p", "q", "o", "r", "kb", "kv", "v_reset", "beta")
_REFRAC_GRADS = (
    "x", "w", "z0", "v0", "i0", "rho0", "p", "q", "o", "r", "v_th", "v_reset", "rho_reset",
)  # fmt: skip

# The parameters whose gradients read the backward's parameter-only sequences (GU; LSNN's GC;
# the refractory GV): only when one of them needs a gradient are these formed. (``r`` reads the
# current's gradient, ``rho_reset`` its own.)
_LIF_SEQUENCE_READERS = ("p", "q", "o", "v_th", "v_reset")
_LSNN_SEQUENCE_READERS = ("p", "q", "o", "kb", "kv", "v_reset", "beta")
_REFRAC_SEQUENCE_READERS = ("p", "q", "o", "v_th", "v_reset")


# --- recurrent LIF ----------------------------------------------------------------------


@custom_op(_LIF)
def _lif_recurrent(
    x: Tensor,
    w: Tensor,
    z0: Tensor,
    v0: Tensor,
    i0: Tensor,
    p: Tensor,
    q: Tensor,
    o: Tensor,
    r: Tensor,
    v_th: Tensor,
    v_reset: Tensor,
    subtract: bool,
    keep_current: bool,
    method: str,
    alpha: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Recurrent LIF over ``x`` ``(T, B, H)``; returns ``(z, u, j, v_T, i_T)``.

    ``x`` is the projected input, ``w`` the ``(H, H)`` recurrent weights, every other tensor
    has the step shape ``(B, H)``. ``method`` and the 0-dim ``alpha`` select the surrogate
    used by the backward.
    """
    impl = _select(_LIF, x.device.type)
    return impl(x, w, z0, v0, i0, p, q, o, r, v_th, v_reset, subtract, keep_current)


@_lif_recurrent.register_fake
def _(x, w, z0, v0, i0, p, q, o, r, v_th, v_reset, subtract, keep_current, method, alpha):
    j = torch.empty_like(x) if keep_current else x.new_empty(0)
    return torch.empty_like(x), torch.empty_like(x), j, torch.empty_like(v0), torch.empty_like(v0)


@custom_op(_LIF_BACKWARD)
def _lif_recurrent_backward(
    g_z: Tensor,
    g_v: Tensor,
    g_i: Tensor,
    s: Tensor,
    z: Tensor,
    z0: Tensor,
    w: Tensor,
    p: Tensor,
    q: Tensor,
    r: Tensor,
    subtract: bool,
    need_w: bool,
    need_parameters: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Backward recursion of ``norse::lif_recurrent_sequence``: ``(GU, GJ, gv0, gi0, gz0, gW)``
    (``GU`` empty unless ``need_parameters``, ``gW`` unless ``need_w``).

    ``g_z`` may be an expanded view (kernels read it with its strides)."""
    args = (g_z, g_v, g_i, s, z, z0, w, p, q, r, subtract, need_w)
    return _run_backward(_LIF_BACKWARD, args, need_parameters, (0,))


@_lif_recurrent_backward.register_fake
def _(g_z, g_v, g_i, s, z, z0, w, p, q, r, subtract, need_w, need_parameters):
    g_w = torch.empty_like(w) if need_w else w.new_empty(0)
    return (
        torch.empty_like(z) if need_parameters else z.new_empty(0),
        torch.empty_like(z),
        torch.empty_like(g_v),
        torch.empty_like(g_v),
        torch.empty_like(g_v),
        g_w,
    )


def _lif_setup(ctx, inputs, output):
    _, w, z0, v0, _, p, q, _, r, v_th, v_reset, subtract, _, method, alpha = inputs
    z, u, j, _, _ = output
    ctx.set_materialize_grads(False)
    ctx.save_for_backward(z, u, j, w, z0, v0, p, q, r, v_th, v_reset, alpha)
    ctx.flags = (subtract, method)


def _lif_backward(ctx, g_z, _g_u, _g_j, g_v, g_i):
    z, u, j, w, z0, v0, p, q, r, v_th, v_reset, alpha = ctx.saved_tensors
    subtract, method = ctx.flags
    need = dict(zip(_LIF_GRADS, ctx.needs_input_grad))
    g_z, g_v, g_i = _or_zeros_strided(g_z, z), _or_zeros(g_v, v0), _or_zeros(g_i, v0)
    s = _surrogate(_LIF_BACKWARD, method, u, v_th, alpha)
    need_parameters = any(need[name] for name in _LIF_SEQUENCE_READERS)
    gu, gj, gv0, gi0, gz0, g_w = _lif_recurrent_backward(
        g_z, g_v, g_i, s, z, z0, w, p, q, r, subtract, need["w"], need_parameters
    )
    grads = {"x": gj, "w": g_w, "z0": gz0, "v0": gv0, "i0": gi0}
    if need["p"]:
        v_prev = torch.cat([v0.unsqueeze(0), _after_reset(u[:-1], z[:-1], v_th, v_reset, subtract)])
        grads["p"] = (gu * v_prev).sum(0)
    if need["q"]:
        grads["q"] = (gu * j).sum(0)
    if need["o"]:
        grads["o"] = gu.sum(0)
    if need["r"]:
        grads["r"] = (_shifted(gj, g_i) * j).sum(0)
    if need["v_th"] or need["v_reset"]:
        gv = _shifted(p * gu, g_v)  # gradient reaching v_t
        gvz = (gv * z).sum(0)
        if need["v_th"]:
            gzs = gu - (gv if subtract else gv * (1 - z))  # gradient reaching z_t, times s_t
            grads["v_th"] = -gzs.sum(0) - gvz if subtract else -gzs.sum(0)
        if not subtract:
            grads["v_reset"] = gvz
    return (
        *(grads.get(name) if need[name] else None for name in _LIF_GRADS),
        None,
        None,
        None,
        None,
    )


def _after_reset(u: Tensor, z: Tensor, threshold: Tensor, v_reset: Tensor, subtract: bool):
    """Post-reset voltage for pre-reset ``u`` and spikes ``z`` (any leading shape)."""
    if subtract:
        return u - z * threshold
    return torch.where(z > 0, v_reset, u)


torch.library.register_autograd(_LIF, _lif_backward, setup_context=_lif_setup)


# --- recurrent LSNN ---------------------------------------------------------------------


@custom_op(_LSNN)
def _lsnn_recurrent(
    x: Tensor,
    w: Tensor,
    z0: Tensor,
    v0: Tensor,
    i0: Tensor,
    b0: Tensor,
    p: Tensor,
    q: Tensor,
    o: Tensor,
    r: Tensor,
    kb: Tensor,
    kv: Tensor,
    v_reset: Tensor,
    beta: Tensor,
    subtract: bool,
    keep_current: bool,
    method: str,
    alpha: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Recurrent LSNN over ``x`` ``(T, B, H)``; returns ``(z, u, c, i, v_T, i_T, b_T)``."""
    impl = _select(_LSNN, x.device.type)
    return impl(x, w, z0, v0, i0, b0, p, q, o, r, kb, kv, v_reset, beta, subtract, keep_current)


@_lsnn_recurrent.register_fake
def _(
    x, w, z0, v0, i0, b0, p, q, o, r, kb, kv, v_reset, beta, subtract, keep_current, method, alpha
):
    i_all = torch.empty_like(x) if keep_current else x.new_empty(0)
    return (
        torch.empty_like(x),
        torch.empty_like(x),
        torch.empty_like(x),
        i_all,
        torch.empty_like(v0),
        torch.empty_like(v0),
        torch.empty_like(v0),
    )


@custom_op(_LSNN_BACKWARD)
def _lsnn_recurrent_backward(
    g_z: Tensor,
    g_v: Tensor,
    g_i: Tensor,
    g_b: Tensor,
    s: Tensor,
    z: Tensor,
    z0: Tensor,
    w: Tensor,
    p: Tensor,
    q: Tensor,
    r: Tensor,
    kb: Tensor,
    subtract: bool,
    need_w: bool,
    need_parameters: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Backward recursion of ``norse::lsnn_recurrent_sequence``:
    ``(GU, GC, GI, gv0, gi0, gb0, gz0, gW)`` (``GU``, ``GC`` empty unless
    ``need_parameters``, ``gW`` unless ``need_w``); ``g_z`` may be an expanded view."""
    args = (g_z, g_v, g_i, g_b, s, z, z0, w, p, q, r, kb, subtract, need_w)
    return _run_backward(_LSNN_BACKWARD, args, need_parameters, (0, 1))


@_lsnn_recurrent_backward.register_fake
def _(g_z, g_v, g_i, g_b, s, z, z0, w, p, q, r, kb, subtract, need_w, need_parameters):
    g_w = torch.empty_like(w) if need_w else w.new_empty(0)
    kept = [torch.empty_like(z) if need_parameters else z.new_empty(0) for _ in range(2)]
    sequences = [*kept, torch.empty_like(z)]
    states = [torch.empty_like(g_v) for _ in range(4)]
    return (*sequences, *states, g_w)


def _lsnn_setup(ctx, inputs, output):
    _, w, z0, v0, i0, b0, p, q, _, r, kb, _, v_reset, beta, subtract, _, method, alpha = inputs
    z, u, c, i_all, _, _, _ = output
    ctx.set_materialize_grads(False)
    ctx.save_for_backward(z, u, c, i_all, w, z0, v0, i0, b0, p, q, r, kb, v_reset, beta, alpha)
    ctx.flags = (subtract, method)


def _lsnn_backward(ctx, g_z, _g_u, _g_c, _g_i_all, g_v, g_i, g_b):
    z, u, c, i_all, w, z0, v0, i0, b0, p, q, r, kb, v_reset, beta, alpha = ctx.saved_tensors
    subtract, method = ctx.flags
    need = dict(zip(_LSNN_GRADS, ctx.needs_input_grad))
    g_z, g_v = _or_zeros_strided(g_z, z), _or_zeros(g_v, v0)
    g_i, g_b = _or_zeros(g_i, v0), _or_zeros(g_b, v0)
    s = _surrogate(_LSNN_BACKWARD, method, u, c, alpha)
    need_parameters = any(need[name] for name in _LSNN_SEQUENCE_READERS)
    gu, gc, gi, gv0, gi0, gb0, gz0, g_w = _lsnn_recurrent_backward(
        g_z, g_v, g_i, g_b, s, z, z0, w, p, q, r, kb, subtract, need["w"], need_parameters
    )
    grads = {"x": gi, "w": g_w, "z0": gz0, "v0": gv0, "i0": gi0, "b0": gb0}
    if need["p"]:
        v_prev = torch.cat(
            [v0.unsqueeze(0), _after_reset(u[:-1], z[:-1], c[:-1], v_reset, subtract)]
        )
        grads["p"] = (gu * v_prev).sum(0)
    if need["q"] or need["r"]:
        i_prev = torch.cat([i0.unsqueeze(0), i_all[:-1]])
        grads["q"] = (gu * i_prev).sum(0) if need["q"] else None
        grads["r"] = (gi * i_prev).sum(0)
    if need["o"]:
        grads["o"] = gu.sum(0)
    if need["kb"]:
        b_prev = torch.cat([b0.unsqueeze(0), c[:-1] + beta * z[:-1]])
        grads["kb"] = (gc * b_prev).sum(0)
    if need["kv"]:
        grads["kv"] = gc.sum(0)
    if need["beta"]:
        grads["beta"] = (_shifted(kb * gc, g_b) * z).sum(0)
    if need["v_reset"] and not subtract:
        grads["v_reset"] = (_shifted(p * gu, g_v) * z).sum(0)
    return (
        *(grads.get(name) if need[name] else None for name in _LSNN_GRADS),
        None,
        None,
        None,
        None,
    )


torch.library.register_autograd(_LSNN, _lsnn_backward, setup_context=_lsnn_setup)


# --- recurrent LIF with a refractory period --------------------------------------------


@custom_op(_REFRAC)
def _lif_refrac_recurrent(
    x: Tensor,
    w: Tensor,
    z0: Tensor,
    v0: Tensor,
    i0: Tensor,
    rho0: Tensor,
    p: Tensor,
    q: Tensor,
    o: Tensor,
    r: Tensor,
    v_th: Tensor,
    v_reset: Tensor,
    rho_reset: Tensor,
    subtract: bool,
    keep_states: bool,
    method: str,
    alpha: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Recurrent refractory LIF over ``x`` ``(T, B, H)``; returns
    ``(z, u, j, v, rho, v_T, i_T, rho_T)`` (``j``, ``v`` empty unless ``keep_states``)."""
    impl = _select(_REFRAC, x.device.type)
    return impl(x, w, z0, v0, i0, rho0, p, q, o, r, v_th, v_reset, rho_reset, subtract, keep_states)


@_lif_refrac_recurrent.register_fake
def _(x, w, z0, v0, i0, rho0, p, q, o, r, v_th, v_reset, rho_reset, subtract, keep, method, alpha):
    kept = [torch.empty_like(x) if keep else x.new_empty(0) for _ in range(2)]
    states = [torch.empty_like(v0) for _ in range(3)]
    return torch.empty_like(x), torch.empty_like(x), *kept, torch.empty_like(x), *states


@custom_op(_REFRAC_BACKWARD)
def _lif_refrac_recurrent_backward(
    g_z: Tensor,
    g_v: Tensor,
    g_i: Tensor,
    g_rho: Tensor,
    s: Tensor,
    z: Tensor,
    z0: Tensor,
    rho: Tensor,
    rho0: Tensor,
    w: Tensor,
    p: Tensor,
    q: Tensor,
    r: Tensor,
    rho_reset: Tensor,
    subtract: bool,
    need_w: bool,
    need_parameters: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Backward recursion of ``norse::lif_refrac_recurrent_sequence``:
    ``(GU, GJ, GV, gv0, gi0, grho0, gz0, g_rho_reset, gW)`` (``GU``, ``GV`` empty unless
    ``need_parameters``, ``gW`` unless ``need_w``); ``g_z`` may be an expanded view."""
    args = (g_z, g_v, g_i, g_rho, s, z, z0, rho, rho0, w, p, q, r, rho_reset, subtract, need_w)
    return _run_backward(_REFRAC_BACKWARD, args, need_parameters, (0, 2))


@_lif_refrac_recurrent_backward.register_fake
def _(g_z, g_v, g_i, g_rho, s, z, z0, rho, rho0, w, p, q, r, rho_reset, subtract, *needs):
    need_w, need_parameters = needs
    g_w = torch.empty_like(w) if need_w else w.new_empty(0)
    gu, gv_all = (torch.empty_like(z) if need_parameters else z.new_empty(0) for _ in range(2))
    sequences = [gu, torch.empty_like(z), gv_all]
    states = [torch.empty_like(g_v) for _ in range(5)]
    return (*sequences, *states, g_w)


def _refrac_setup(ctx, inputs, output):
    _, w, z0, v0, _, rho0, p, q, _, r, v_th, _, rho_reset, subtract, _, method, alpha = inputs
    z, u, j, v, rho, _, _, _ = output
    ctx.set_materialize_grads(False)
    ctx.save_for_backward(z, u, j, v, rho, w, z0, v0, rho0, p, q, r, v_th, rho_reset, alpha)
    ctx.flags = (subtract, method)


def _refrac_backward(ctx, g_z, _g_u, _g_j, _g_v_all, _g_rho_all, g_v, g_i, g_rho):
    z, u, j, v, rho, w, z0, v0, rho0, p, q, r, v_th, rho_reset, alpha = ctx.saved_tensors
    subtract, method = ctx.flags
    need = dict(zip(_REFRAC_GRADS, ctx.needs_input_grad))
    # The counters reach nothing differentiable but the final counter (the spike and the voltage
    # see them through a Heaviside): without its gradient, rho0 and rho_reset get None, as from
    # autograd through the step loop.
    counter_reached = g_rho is not None
    g_z, g_v = _or_zeros_strided(g_z, z), _or_zeros(g_v, v0)
    g_i, g_rho = _or_zeros(g_i, v0), _or_zeros(g_rho, v0)
    s = _surrogate(_REFRAC_BACKWARD, method, u, v_th, alpha)
    need_parameters = any(need[name] for name in _REFRAC_SEQUENCE_READERS)
    gu, gj, gv_all, gv0, gi0, grho0, gz0, g_rho_reset, g_w = _lif_refrac_recurrent_backward(
        g_z, g_v, g_i, g_rho, s, z, z0, rho, rho0, w, p, q, r, rho_reset, subtract, need["w"],
        need_parameters,
    )  # fmt: skip
    grads = {"x": gj, "w": g_w, "z0": gz0, "v0": gv0, "i0": gi0}
    if counter_reached:
        grads.update(rho0=grho0, rho_reset=g_rho_reset)
    if need["p"]:
        grads["p"] = (gu * torch.cat([v0.unsqueeze(0), v[:-1]])).sum(0)
    if need["q"]:
        grads["q"] = (gu * j).sum(0)
    if need["o"]:
        grads["o"] = gu.sum(0)
    if need["r"]:
        grads["r"] = (_shifted(gj, g_i) * j).sum(0)
    if need["v_th"] or need["v_reset"]:
        # gv_all reaches v_t; (1 - a_t) of it the LIF step's reset, whose spike is z_t.
        free = torch.cat([rho0.unsqueeze(0), rho[:-1]]) <= 0
        gvz = (gv_all * z).sum(0)
        if need["v_th"]:
            g_reset = gv_all * free if subtract else gv_all * free * (1 - z)
            grads["v_th"] = -(gu - g_reset).sum(0) - gvz if subtract else -(gu - g_reset).sum(0)
        if not subtract:
            grads["v_reset"] = gvz
    return (
        *(grads.get(name) if need[name] else None for name in _REFRAC_GRADS),
        None,
        None,
        None,
        None,
    )


torch.library.register_autograd(_REFRAC, _refrac_backward, setup_context=_refrac_setup)


# --- entry points -----------------------------------------------------------------------


def lif_recurrent_sequence(
    input_tensor: Tensor,
    state: LIFState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: Any,
    dt: float = 0.001,
) -> tuple[Tensor, LIFState]:
    """Run :func:`norse.torch.functional.lif.lif_step` over ``(T, B, I)`` in one fused op.

    Args:
        input_tensor: input ``(T, B, I)``, floating point.
        state: ``LIFState(z, v, i)``, each broadcastable to ``(B, H)``.
        input_weights: ``(H, I)``; recurrent_weights: ``(H, H)`` (mask the diagonal first
            for a layer without autapses).
        p: ``LIFParameters`` (``reset_value`` or ``reset_subtract``, a registered surrogate).
        dt: time step in s.

    Returns:
        ``(z, LIFState(z_T, v_T, i_T))`` with spikes ``z`` of shape ``(T, B, H)``.
    """
    _check(input_tensor, input_weights, recurrent_weights)
    integ.check_integrator(p.integrator, "LIFParameters")
    x = torch.nn.functional.linear(input_tensor, input_weights)
    step = x[0]
    pp, q, o, r = _current_membrane(p, dt)
    coefficients = {"p": pp, "q": q, "o": o, "r": r, "v_th": p.v_th, "v_reset": p.v_reset}
    c = {name: _as_step_tensor(name, value, step) for name, value in coefficients.items()}
    z0, v0, i0 = (_as_step_tensor(f"state.{f}", getattr(state, f), step) for f in ("z", "v", "i"))
    z, _, _, v, i = _lif_recurrent(
        x,
        recurrent_weights,
        z0,
        v0,
        i0,
        *c.values(),
        _RESETS[p.reset_method],
        _keep_current(c["q"], c["r"]),
        p.method,
        _alpha(p.alpha, p.method),
    )
    return z, LIFState(z=z[-1], v=v, i=i)


def lsnn_recurrent_sequence(
    input_tensor: Tensor,
    state: LSNNState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: Any,
    dt: float = 0.001,
) -> tuple[Tensor, LSNNState]:
    """Run :func:`norse.torch.functional.lsnn.lsnn_step` over ``(T, B, I)`` in one fused op.

    Args: as :func:`lif_recurrent_sequence`, with ``LSNNState(z, v, i, b)`` and
    ``LSNNParameters`` (``reset_subtract`` subtracts the decayed threshold).

    Returns:
        ``(z, LSNNState(z_T, v_T, i_T, b_T))`` with spikes ``z`` of shape ``(T, B, H)``.
    """
    _check(input_tensor, input_weights, recurrent_weights)
    integ.check_integrator(p.integrator, "LSNNParameters")
    x = torch.nn.functional.linear(input_tensor, input_weights)
    step = x[0]
    pp, q, o, r = _current_membrane(p, dt)  # the same membrane and current decay as LIF
    k = integ.approach_factor(p.tau_adapt_inv, dt, p.integrator)
    coefficients = {
        "p": pp,
        "q": q,
        "o": o,
        "r": r,
        "kb": 1 - k,
        "kv": k * p.v_th,
        "v_reset": p.v_reset,
        "beta": p.beta,
    }
    c = {name: _as_step_tensor(name, value, step) for name, value in coefficients.items()}
    fields = ("z", "v", "i", "b")
    z0, v0, i0, b0 = (_as_step_tensor(f"state.{f}", getattr(state, f), step) for f in fields)
    z, _, _, _, v, i, b = _lsnn_recurrent(
        x,
        recurrent_weights,
        z0,
        v0,
        i0,
        b0,
        *c.values(),
        _RESETS[p.reset_method],
        _keep_current(c["q"], c["r"]),
        p.method,
        _alpha(p.alpha, p.method),
    )
    return z, LSNNState(z=z[-1], v=v, i=i, b=b)


def lif_refrac_recurrent_sequence(
    input_tensor: Tensor,
    state: LIFRefracState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFRefracParameters,
    dt: float = 0.001,
) -> tuple[Tensor, LIFRefracState]:
    """Run :func:`norse.torch.functional.lif_refrac.lif_refrac_step` over ``(T, B, I)`` in one
    fused op.

    Args: as :func:`lif_recurrent_sequence`, with ``LIFRefracState(LIFState(z, v, i), rho)``
    and ``LIFRefracParameters(lif, rho_reset)`` (``lif`` as there).

    Returns:
        ``(z, LIFRefracState(LIFState(z_T, v_T, i_T), rho_T))`` with spikes ``z`` of shape
        ``(T, B, H)``.
    """
    _check(input_tensor, input_weights, recurrent_weights)
    lif = p.lif
    integ.check_integrator(lif.integrator, "LIFParameters")
    x = torch.nn.functional.linear(input_tensor, input_weights)
    step = x[0]
    pp, q, o, r = _current_membrane(lif, dt)
    coefficients = {
        "p": pp,
        "q": q,
        "o": o,
        "r": r,
        "v_th": lif.v_th,
        "v_reset": lif.v_reset,
        "rho_reset": p.rho_reset,
    }
    c = {name: _as_step_tensor(name, value, step) for name, value in coefficients.items()}
    fields = ("z", "v", "i")
    z0, v0, i0 = (_as_step_tensor(f"state.lif.{f}", getattr(state.lif, f), step) for f in fields)
    rho0 = _as_step_tensor("state.rho", state.rho, step)
    z, _, _, _, _, v, i, rho = _lif_refrac_recurrent(
        x,
        recurrent_weights,
        z0,
        v0,
        i0,
        rho0,
        *c.values(),
        _RESETS[lif.reset_method],
        _keep_current(c["p"], c["q"], c["r"]),
        lif.method,
        _alpha(lif.alpha, lif.method),
    )
    return z, LIFRefracState(LIFState(z=z[-1], v=v, i=i), rho)


_FUSED: dict[Callable[..., Any], Callable[..., Any]] = {
    lif_step: lif_recurrent_sequence,
    lsnn_step: lsnn_recurrent_sequence,
    lif_refrac_step: lif_refrac_recurrent_sequence,
    coba_lif_step: coba_lif_recurrent_sequence,
    lif_ex_step: lif_ex_recurrent_sequence,
    lif_adex_step: lif_adex_recurrent_sequence,
    lif_adex_refrac_step: lif_adex_refrac_recurrent_sequence,
    izhikevich_recurrent_step: izhikevich_recurrent_sequence,
}

_warned: set[str] = set()


def _tensors(values: tuple) -> list[Tensor]:
    """The tensors among ``values`` and its nested tuples (a state's or parameters' fields)."""
    found = []
    for value in values:
        if isinstance(value, Tensor):
            found.append(value)
        elif isinstance(value, tuple):
            found += _tensors(value)
    return found


def _unsupported(input_tensor: Tensor, state: Any, weights: tuple[Tensor, Tensor], p: Any):
    """Why the fused op cannot run these arguments (None if it can)."""
    if input_tensor.is_sparse:
        return "a sparse input"
    if input_tensor.dim() != 3:
        return f"an input of shape {tuple(input_tensor.shape)} (expected (T, B, input_size))"
    spiking = p.lif if isinstance(p, LIFRefracParameters) else p  # reset, surrogate, alpha
    spiking = p.lif_adex if isinstance(p, LIFAdExRefracParameters) else spiking
    reset = getattr(spiking, "reset_method", reset_value)  # Izhikevich: always to a value
    if reset not in _RESETS:
        return f"reset_method {getattr(reset, '__name__', reset)!r}"
    if not isinstance(spiking.method, str):
        return "a surrogate method that is not a registered name"
    alpha = spiking.alpha
    if isinstance(alpha, Tensor) and (alpha.requires_grad or alpha.numel() != 1):
        return "a trainable or non-scalar alpha"
    tensors = [*weights, *_tensors(state)]
    tensors += [t for t in _tensors(p) if t.is_floating_point() and t is not alpha]
    for t in tensors:
        if t.dtype != input_tensor.dtype or t.device != input_tensor.device:
            return (
                f"a parameter, weight or state of {t.dtype} on {t.device} with an input of "
                f"{input_tensor.dtype} on {input_tensor.device}"
            )
    return None


def fused_recurrent(
    step: Callable[..., Any],
    input_tensor: Tensor,
    state: Any,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: Any,
    dt: float,
) -> tuple[Tensor, Any] | None:
    """Run the recurrent ``step`` (``lif_step``, ``lsnn_step``, ``lif_refrac_step``,
    ``coba_lif_step``, ``lif_ex_step``, ``lif_adex_step``, ``lif_adex_refrac_step``,
    ``izhikevich_recurrent_step``) over a sequence, fused.

    Returns ``(outputs, final_state)`` as the step loop would, or None when the caller must
    loop: for other step functions silently (they have no fused op), and with a warning,
    once per cause, for arguments the fused op does not support (a sparse input, an input
    that is not ``(T, B, I)``, a custom reset method or surrogate, a trainable ``alpha``,
    tensors of another dtype or device than the input).
    """
    fused = _FUSED.get(step)
    if fused is None:
        return None
    why = _unsupported(input_tensor, state, (input_weights, recurrent_weights), p)
    if why is not None:
        if why not in _warned:
            _warned.add(why)
            warnings.warn(
                f"{step.__name__}: the fused recurrent op does not support {why}; "
                "running the slower step loop",
                stacklevel=3,
            )
        return None
    return fused(input_tensor, state, input_weights, recurrent_weights, p, dt)
