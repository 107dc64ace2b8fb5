"""Reference kernels of the fused LSNN op, in plain PyTorch (any device).

The feed-forward LSNN step of :mod:`norse.torch.functional.lsnn` as a recursion over ``T``
steps, with ``S`` the shape of one step and coefficient tensors of shape ``S``. The state
after step ``t`` is ``(v_t, i_t, b_t)``; ``(v0, i0, b0)`` is the state before the first::

    u_t = p * v_{t-1} + q * i_{t-1} + o          (pre-reset voltage; the *old* current)
    c_t = b_{t-1} + k * (v_th - b_{t-1})         (decayed threshold)
    z_t = H(u_t - c_t)                           (the output)
    v_t = u_t - z_t * (u_t - v_reset)            (reset to value)
    v_t = u_t - z_t * c_t                        (reset by subtraction of the threshold)
    b_t = c_t + beta * z_t
    i_t = r * i_{t-1} + x_t                      (the input enters after the spike)

``c_t`` is written exactly as the step function writes it, so thresholds (and so spikes)
are bitwise the step loop's when ``k`` is computed as the step computes it.

**What is saved.** The forward saves only ``u`` (one ``(T, *S)`` tensor). The backward
recomputes the threshold trace ``c`` from ``b0`` and ``u`` (``z_t = u_t > c_t`` needs no
other input), with the very same floating-point operations, so the recomputed spikes are
the forward's. It first sweeps forward once, keeping the state ``b`` (and ``c``, and ``i``
when ``q`` or ``r`` need a gradient, which is the only case where ``x`` is saved) at the start
of every chunk of time steps, then walks the chunks backwards, recomputing each chunk's
traces from its checkpoint. Temporaries stay chunk-sized
(:data:`norse.torch.ops._reference.CHUNK_ELEMENTS`).

**Backward.** The exact adjoint of the recursion with ``dz/du = s_t = s(u_t - c_t; alpha)``
(the surrogate) and ``dz/dc = -s_t``. With ``gv_t, gi_t, gb_t`` the gradients reaching the
state after step ``t`` and ``gz_t`` the one reaching the output::

    Gz_t = gz_t + beta * gb_t + D_t * gv_t     D_t = v_reset - u_t (value), -c_t (subtract)
    gu_t = U_t * gv_t + s_t * Gz_t             U_t = 1 - z_t (value),    1 (subtract)
    gc_t = gb_t + C_t * gv_t - s_t * Gz_t      C_t = 0 (value),          -z_t (subtract)
    gv_{t-1} = p * gu_t ;  gb_{t-1} = (1 - k) * gc_t ;  gi_{t-1} = q * gu_t + r * gi_t
    gx_t = gi_t

and the parameter gradients are sums over time: ``p: gu_t v_{t-1}``, ``q: gu_t i_{t-1}``,
``o: gu_t``, ``r: gi_t i_{t-1}``, ``k: gc_t (v_th - b_{t-1})``, ``v_th: k gc_t``,
``v_reset: gv_t z_t`` (value reset only), ``beta: gb_t z_t``. The gradient reaching the
spikes through the reset and the threshold jump (``D_t``, ``beta * gb_t``) passes through the
surrogate, as autograd through the step function does (it does not detach ``z``).

These functions take and return plain tensors (no autograd); :mod:`norse.torch.ops.lsnn`
wraps them as ``torch.library`` custom ops.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.ops._reference import chunk_steps, surrogate_derivative

GRAD_NAMES = ("x", "v0", "i0", "b0", "p", "q", "o", "r", "k", "v_th", "v_reset", "beta")
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


def lsnn_forward(
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
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Run the LSNN recursion over ``x`` of shape ``(T, *S)``.

    Returns ``(z, u, v_T, i_T, b_T)``: spikes and pre-reset voltages of shape ``(T, *S)``
    and the final state, each of shape ``S``.
    """
    u = torch.empty_like(x)
    z = torch.empty_like(x)
    v, i, b = v0.clone(), i0.clone(), b0.clone()
    c = torch.empty_like(v0)
    for t in range(x.shape[0]):
        ut = u[t]
        torch.mul(p, v, out=ut)
        ut.addcmul_(q, i).add_(o)
        _decayed_threshold(b, k, v_th, c)
        spiked = ut > c
        z[t] = spiked
        v = _reset(ut, c, spiked, v_reset, subtract)
        _jump_(b, c, spiked, beta)
        i.mul_(r).add_(x[t])
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
    r: Tensor,
    k: Tensor,
    v_th: Tensor,
    beta: Tensor,
    chunk: int,
) -> list[_Checkpoint]:
    """Recompute the threshold (and current) forward, keeping the state at chunk starts."""
    b = b0.clone()
    i = i0.clone() if x is not None else None
    c = torch.empty_like(b0)
    out = []
    for t in range(u.shape[0]):
        if t % chunk == 0:
            out.append(
                _Checkpoint(
                    b.clone(), i.clone() if i is not None else None, c.clone() if t else None
                )
            )
        _decayed_threshold(b, k, v_th, c)
        _jump_(b, c, u[t] > c, beta)
        if i is not None:
            i.mul_(r).add_(x[t])
    return out


def _replay(
    start: _Checkpoint,
    u: Tensor,
    x: Tensor | None,
    r: Tensor,
    k: Tensor,
    v_th: Tensor,
    beta: Tensor,
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
            i.mul_(r).add_(x[t])
    return c, b_prev, i_prev


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
) -> list[Tensor | None]:
    """Backpropagate through the LSNN recursion (see the module docstring).

    ``u`` is the saved pre-reset voltage sequence; ``x`` is needed only when ``needs`` asks
    for the gradient of ``q`` or ``r`` (else it may be None). Missing output gradients
    (None) count as zero. Returns the gradients named by :data:`GRAD_NAMES`, ``None`` where
    ``needs`` is False; parameter gradients have shape ``S`` (the caller reduces broadcast
    parameters).
    """
    need = dict(zip(GRAD_NAMES, needs))
    derivative = surrogate_derivative(method)
    x_needed = need["q"] or need["r"]
    if x_needed and x is None:
        raise ValueError("x is required for the gradients of q and r")
    xs = x if x_needed else None
    gv = g_v.clone() if g_v is not None else torch.zeros_like(v0)
    gi = g_i.clone() if g_i is not None else torch.zeros_like(v0)
    gb = g_b.clone() if g_b is not None else torch.zeros_like(v0)
    gx = torch.empty_like(u) if need["x"] else None
    acc = {name: torch.zeros_like(v0) for name in GRAD_NAMES[4:] if need[name]}
    one_minus_k = 1 - k
    chunk = chunk_steps(v0.numel())
    starts = _checkpoints(u, xs, i0, b0, r, k, v_th, beta, chunk)
    for n in range(len(starts) - 1, -1, -1):
        t0 = n * chunk
        t1 = min(u.shape[0], t0 + chunk)
        ut = u[t0:t1]
        c, b_prev, i_prev = _replay(
            starts[n], ut, xs[t0:t1] if xs is not None else None, r, k, v_th, beta
        )
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
        gi_seq = torch.empty_like(ut) if need["r"] else None
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
            torch.mul(p, gu[t], out=gv)
            torch.mul(one_minus_k, gc[t], out=gb)
            gi.mul_(r).addcmul_(q, gu[t])
        if need["p"]:
            v_prev = torch.empty_like(ut)
            if t0 == 0:
                v_prev[0] = v0
            else:
                c_last = starts[n].c_prev
                v_prev[0] = _reset(u[t0 - 1], c_last, u[t0 - 1] > c_last, v_reset, subtract)
            v_prev[1:] = _reset(ut[:-1], c[:-1], spiked[:-1], v_reset, subtract)
            acc["p"] += (gu * v_prev).sum(0)
        if need["q"]:
            acc["q"] += (gu * i_prev).sum(0)
        if need["o"]:
            acc["o"] += gu.sum(0)
        if need["r"]:
            acc["r"] += (gi_seq * i_prev).sum(0)
        if need["k"]:
            acc["k"] += (gc * (v_th - b_prev)).sum(0)
        if need["v_th"]:
            acc["v_th"] += gc.sum(0)
        if need["v_reset"] and not subtract:
            acc["v_reset"] += (gv_seq * z).sum(0)
        if need["beta"]:
            acc["beta"] += (gb_seq * z).sum(0)
    if need["v_th"]:
        acc["v_th"].mul_(k)
    grads: dict[str, Tensor | None] = {"x": gx, "v0": gv, "i0": gi, "b0": gb}
    grads.update(acc)
    return [grads.get(name) if need[name] else None for name in GRAD_NAMES]
