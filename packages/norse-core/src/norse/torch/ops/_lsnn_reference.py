"""Reference kernels of the fused LSNN op, in plain PyTorch (any device).

The feed-forward LSNN step of :mod:`norse.torch.functional.lsnn` as a recursion over ``T``
steps, with ``S`` the shape of one step and coefficient tensors of shape ``S``. The state
after step ``t`` is ``(v_t, i_t, b_t)``; ``(v0, i0, b0)`` is the state before the first.
Each step evaluates the step function's own expressions for the chosen integrator, with the
factors ``mem``, ``cur``, ``syn`` and ``k`` precomputed as the step computes them::

    Euler (mem = dt tau_mem_inv, syn = dt tau_syn_inv, cur unused):
    u_t = v_{t-1} + mem * ((v_leak - v_{t-1}) + i_{t-1})      (pre-reset voltage)
    i_t = (i_{t-1} - syn * i_{t-1}) + x_t

    exact (mem = exp(-dt tau_mem_inv), cur = current-to-voltage factor, syn = exp(-dt tau_syn_inv)):
    u_t = (v_leak + (v_{t-1} - v_leak) * mem) + i_{t-1} * cur
    i_t = i_{t-1} * syn + x_t

    both (k = approach_factor(tau_adapt_inv)):
    c_t = b_{t-1} + k * (v_th - b_{t-1})         (decayed threshold)
    z_t = H(u_t - c_t)                           (the output)
    v_t = v_reset if z_t else u_t                (reset to value)
    v_t = u_t - c_t if z_t else u_t              (reset by subtraction of the threshold)
    b_t = c_t + beta * z_t

The voltage uses the *old* current and the input enters the current after the spike
(Norse 1.x's order). In the linear form ``u_t = P v_{t-1} + Q i_{t-1} + O``,
``i_t = R i_{t-1} + x_t``: ``P = 1 - mem``, ``Q = mem``, ``R = 1 - syn`` (Euler) and
``P = mem``, ``Q = cur``, ``R = syn`` (exact).

As the operations are the step function's, in its order, spikes and states are bitwise the
step loop's (on the CPU; a device kernel may contract operations differently).

**What is saved.** The forward saves only ``u`` (one ``(T, *S)`` tensor). The backward
recomputes the threshold trace ``c`` from ``b0`` and ``u`` (``z_t = u_t > c_t`` needs no
other input), with the very same floating-point operations, so the recomputed spikes are
the forward's. It first sweeps forward once, keeping the state ``b`` (and ``c``, and ``i``
when a gradient needs ``i_{t-1}``, the only case where ``x`` is saved) at the start
of every chunk of time steps, then walks the chunks backwards, recomputing each chunk's
traces from its checkpoint. Temporaries stay chunk-sized
(:data:`norse.torch.ops._reference.CHUNK_ELEMENTS`).

**Backward.** The exact adjoint of the recursion with ``dz/du = s_t = s(u_t - c_t; alpha)``
(the surrogate) and ``dz/dc = -s_t``. With ``gv_t, gi_t, gb_t`` the gradients reaching the
state after step ``t`` and ``gz_t`` the one reaching the output::

    Gz_t = gz_t + beta * gb_t + D_t * gv_t     D_t = v_reset - u_t (value), -c_t (subtract)
    gu_t = U_t * gv_t + s_t * Gz_t             U_t = 1 - z_t (value),    1 (subtract)
    gc_t = gb_t + C_t * gv_t - s_t * Gz_t      C_t = 0 (value),          -z_t (subtract)
    gv_{t-1} = P * gu_t ;  gb_{t-1} = (1 - k) * gc_t ;  gi_{t-1} = Q * gu_t + R * gi_t
    gx_t = gi_t

and the parameter gradients are sums over time: ``k: gc_t (v_th - b_{t-1})``, ``v_th: k gc_t``,
``v_reset: gv_t z_t`` (value reset only), ``beta: gb_t z_t``, and

    Euler: mem: gu_t ((v_leak - v_{t-1}) + i_{t-1}) ; syn: -gi_t i_{t-1} ; v_leak: mem gu_t
    exact: mem: gu_t (v_{t-1} - v_leak) ; cur: gu_t i_{t-1} ; syn: gi_t i_{t-1} ;
           v_leak: (1 - mem) gu_t The gradient reaching the
spikes through the reset and the threshold jump (``D_t``, ``beta * gb_t``) passes through the
surrogate, as autograd through the step function does (it does not detach ``z``).

These functions take and return plain tensors (no autograd); :mod:`norse.torch.ops.lsnn`
wraps them as ``torch.library`` custom ops.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.ops._reference import chunk_steps

GRAD_NAMES = ("x", "v0", "i0", "b0", "mem", "cur", "syn", "k", "v_leak", "v_th", "v_reset", "beta")
"""The inputs of ``norse::lsnn_sequence`` that get gradients, in the backward's order."""


def _decayed_threshold(b: Tensor, k: Tensor, v_th: Tensor, out: Tensor) -> Tensor:
    """``out = b + k * (v_th - b)``, in the step function's order of operations."""
    torch.sub(v_th, b, out=out)
    return out.mul_(k).add_(b)


def _jump_(b: Tensor, c: Tensor, spiked: Tensor, beta: Tensor) -> None:
    """``b = c + beta`` where ``spiked``, else ``c`` (in place)."""
    torch.where(spiked, c + beta, c, out=b)


def _reset(u: Tensor, c: Tensor, spiked: Tensor, v_reset: Tensor, subtract: bool) -> Tensor:
    """Post-reset voltage for pre-reset ``u`` and threshold ``c`` (any leading shape)."""
    if subtract:
        return torch.where(spiked, u - c, u)
    return torch.where(spiked, v_reset, u)


def _voltage(
    v: Tensor, i: Tensor, mem: Tensor, cur: Tensor | None, v_leak: Tensor, out: Tensor
) -> Tensor:
    """Pre-reset voltage into ``out``, in the step's order (``cur`` None: Euler)."""
    if cur is None:
        torch.sub(v_leak, v, out=out)
        return out.add_(i).mul_(mem).add_(v)
    torch.sub(v, v_leak, out=out)
    return out.mul_(mem).add_(v_leak).add_(i * cur)


def _advance_current_(i: Tensor, x: Tensor, syn: Tensor, exact: bool) -> None:
    """``i = (i - syn * i) + x`` (Euler) or ``i = i * syn + x`` (exact), in place."""
    if exact:
        i.mul_(syn)
    else:
        i.sub_(syn * i)
    i.add_(x)


def lsnn_forward(
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
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Run the LSNN recursion over ``x`` of shape ``(T, *S)``; ``cur`` None selects Euler.

    Returns ``(z, u, v_T, i_T, b_T)``: spikes and pre-reset voltages of shape ``(T, *S)``
    and the final state, each of shape ``S``.
    """
    exact = cur is not None
    u = torch.empty_like(x)
    z = torch.empty_like(x)
    v, i, b = v0.clone(), i0.clone(), b0.clone()
    c = torch.empty_like(v0)
    for t in range(x.shape[0]):
        ut = _voltage(v, i, mem, cur, v_leak, u[t])
        _decayed_threshold(b, k, v_th, c)
        spiked = ut > c
        z[t] = spiked
        v = _reset(ut, c, spiked, v_reset, subtract)
        _jump_(b, c, spiked, beta)
        _advance_current_(i, x[t], syn, exact)
    return z, u, v, i, b


class _Checkpoint(NamedTuple):
    """State before a chunk's first step: ``b``, ``i`` (or None) and the previous ``c``."""

    b: Tensor
    i: Tensor | None
    c_prev: Tensor | None


def _checkpoints(
    u: Tensor,
    x: Tensor | None,
    i0: Tensor,
    b0: Tensor,
    syn: Tensor,
    k: Tensor,
    v_th: Tensor,
    beta: Tensor,
    exact: bool,
    chunk: int,
) -> list[_Checkpoint]:
    """Recompute the threshold (and current) forward, keeping the state at chunk starts."""
    b = b0.clone()
    i = i0.clone() if x is not None else None
    c = torch.empty_like(b0)
    out = []
    for t in range(u.shape[0]):
        if t % chunk == 0:
            i_copy = i.clone() if i is not None else None
            out.append(_Checkpoint(b.clone(), i_copy, c.clone() if t else None))
        _decayed_threshold(b, k, v_th, c)
        _jump_(b, c, u[t] > c, beta)
        if i is not None:
            _advance_current_(i, x[t], syn, exact)
    return out


def _replay(
    start: _Checkpoint,
    u: Tensor,
    x: Tensor | None,
    syn: Tensor,
    k: Tensor,
    v_th: Tensor,
    beta: Tensor,
    exact: bool,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Traces of one chunk from its checkpoint: ``c_t``, ``b_{t-1}`` and ``i_{t-1}``."""
    c = torch.empty_like(u)
    b_prev = torch.empty_like(u)
    i_prev = torch.empty_like(u) if x is not None else None
    b = start.b.clone()
    i = start.i.clone() if x is not None else None
    for t in range(u.shape[0]):
        b_prev[t] = b
        _decayed_threshold(b, k, v_th, c[t])
        _jump_(b, c[t], u[t] > c[t], beta)
        if i is not None:
            i_prev[t] = i
            _advance_current_(i, x[t], syn, exact)
    return c, b_prev, i_prev


def needs_input(needs: list[bool], exact: bool) -> bool:
    """Whether the backward needs ``x`` (to recompute ``i_{t-1}``) for these ``needs``."""
    need = dict(zip(GRAD_NAMES, needs))
    return need["cur"] or need["syn"] or (need["mem"] and not exact)


def lsnn_backward(
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
) -> list[Tensor | None]:
    """Backpropagate through the LSNN recursion (see the module docstring).

    ``u`` is the saved pre-reset voltage sequence; ``x`` is needed only when
    :func:`needs_input` says so (else it may be None). Missing output gradients (None)
    count as zero. Returns the gradients named by :data:`GRAD_NAMES`, ``None`` where
    ``needs`` is False (``cur`` gets none with Euler); parameter gradients have shape ``S``
    (the caller reduces broadcast parameters).
    """
    exact = cur is not None
    need = dict(zip(GRAD_NAMES, needs))
    need["cur"] = need["cur"] and exact
    from norse import plugins

    derivative = plugins.get("surrogates", method).derivative
    xs = None
    if needs_input(needs, exact):
        if x is None:
            raise ValueError("x is required for the gradients of mem (Euler), cur and syn")
        xs = x
    if exact:
        coef_v, coef_i, coef_r = mem, cur, syn
    else:
        coef_v, coef_i, coef_r = 1 - mem, mem, 1 - syn
    gv = g_v.clone() if g_v is not None else torch.zeros_like(v0)
    gi = g_i.clone() if g_i is not None else torch.zeros_like(v0)
    gb = g_b.clone() if g_b is not None else torch.zeros_like(v0)
    gx = torch.empty_like(u) if need["x"] else None
    acc = {name: torch.zeros_like(v0) for name in GRAD_NAMES[4:] if need[name]}
    one_minus_k = 1 - k
    chunk = chunk_steps(v0.numel())
    starts = _checkpoints(u, xs, i0, b0, syn, k, v_th, beta, exact, chunk)
    for n in range(len(starts) - 1, -1, -1):
        t0 = n * chunk
        t1 = min(u.shape[0], t0 + chunk)
        ut = u[t0:t1]
        x_chunk = xs[t0:t1] if xs is not None else None
        c, b_prev, i_prev = _replay(starts[n], ut, x_chunk, syn, k, v_th, beta, exact)
        spiked = ut > c
        z = spiked.to(ut.dtype)
        s = derivative(ut - c, alpha) if derivative is not None else torch.zeros_like(ut)
        if subtract:
            d, du, dc = -c, None, -z
        else:
            d, du, dc = v_reset - ut, 1 - z, None
        gz = g_z[t0:t1] if g_z is not None else torch.zeros_like(ut)
        gu = torch.empty_like(ut)
        gc = torch.empty_like(ut)
        gv_seq = torch.empty_like(ut) if need["v_reset"] else None
        gb_seq = torch.empty_like(ut) if need["beta"] else None
        gi_seq = torch.empty_like(ut) if need["syn"] else None
        for t in range(t1 - t0 - 1, -1, -1):
            if gv_seq is not None:
                gv_seq[t] = gv
            if gb_seq is not None:
                gb_seq[t] = gb
            if gi_seq is not None:
                gi_seq[t] = gi
            if gx is not None:
                gx[t0 + t] = gi
            g_spike = gz[t] + beta * gb + d[t] * gv
            torch.mul(s[t], g_spike, out=gu[t])
            gu[t].add_(gv if du is None else du[t] * gv)
            torch.sub(gb, s[t] * g_spike, out=gc[t])
            if dc is not None:
                gc[t].addcmul_(dc[t], gv)
            torch.mul(coef_v, gu[t], out=gv)
            torch.mul(one_minus_k, gc[t], out=gb)
            gi.mul_(coef_r).addcmul_(coef_i, gu[t])
        if need["mem"]:
            v_prev = torch.empty_like(ut)
            if t0 == 0:
                v_prev[0] = v0
            else:
                c_last = starts[n].c_prev
                v_prev[0] = _reset(u[t0 - 1], c_last, u[t0 - 1] > c_last, v_reset, subtract)
            v_prev[1:] = _reset(ut[:-1], c[:-1], spiked[:-1], v_reset, subtract)
            if exact:
                acc["mem"] += (gu * (v_prev - v_leak)).sum(0)
            else:
                acc["mem"] += (gu * ((v_leak - v_prev) + i_prev)).sum(0)
        if need["cur"]:
            acc["cur"] += (gu * i_prev).sum(0)
        if need["syn"]:
            acc["syn"] += (gi_seq * i_prev).sum(0)
        if need["v_leak"]:
            acc["v_leak"] += gu.sum(0)
        if need["k"]:
            acc["k"] += (gc * (v_th - b_prev)).sum(0)
        if need["v_th"]:
            acc["v_th"] += gc.sum(0)
        if need["v_reset"] and not subtract:
            acc["v_reset"] += (gv_seq * z).sum(0)
        if need["beta"]:
            acc["beta"] += (gb_seq * z).sum(0)
    if need["syn"] and not exact:
        acc["syn"].neg_()
    if need["v_leak"]:
        acc["v_leak"].mul_(1 - mem if exact else mem)
    if need["v_th"]:
        acc["v_th"].mul_(k)
    grads: dict[str, Tensor | None] = {"x": gx, "v0": gv, "i0": gi, "b0": gb}
    grads.update(acc)
    return [grads.get(name) if need[name] else None for name in GRAD_NAMES]
