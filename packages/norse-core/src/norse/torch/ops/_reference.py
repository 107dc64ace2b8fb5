"""Reference kernels of the fused sequence ops, in plain PyTorch (any device).

The *leaky* op covers every neuron whose dynamics are linear between spikes. With ``S``
the shape of one time step (``(B, ...)``) and coefficient tensors of shape ``S``::

    d_t   = x_t                        (no current)
    d_t   = i_{t-1} + x_t ;  i_t = r * d_t      (with a synaptic current)
    u_t   = p * v_{t-1} + q * d_t + o            (pre-reset voltage)
    z_t   = H(u_t - v_th)                        (spiking models only)
    v_t   = u_t - z_t * (u_t - v_reset)          (reset to value)
    v_t   = u_t - z_t * v_th                     (reset by subtraction)

The output is ``z`` (spiking) or ``v`` (non-spiking). The forward saves only ``u`` (for a
non-spiking model ``u`` is the output itself) and the backward recomputes ``z`` and
``v_{t-1}`` from it, in chunks of time so that temporaries stay small. The surrogate
derivative ``s_t = s(u_t - v_th)`` is evaluated chunk by chunk from the surrogate's expression
(a :class:`Surrogate`), or read from a precomputed ``s`` of all steps (a surrogate without an
expression; see :mod:`norse.torch.ops.contract`). The backward is the exact adjoint of the
recursion above, with ``dz/du`` replaced by
the surrogate ``s(u - v_th; alpha)``. Writing ``gv_t`` for the gradient reaching ``v_t``
from later steps and ``gz_t`` for the one reaching the output::

    gu_t = A_t * gv_t + B_t,    A_t = 1 - z_t + (v_reset - u_t) s_t   (value)
                                A_t = 1 - v_th s_t                    (subtract)
                                B_t = gz_t s_t  (spiking),  B_t = gz_t  and A_t = 1 (not)
    gv_{t-1} = p * gu_t ;  gd_t = q * gu_t + r * gi_t ;  gi_{t-1} = gd_t ;  gx_t = gd_t

These functions take and return plain tensors (no autograd); ``norse.torch.ops._library``
wraps them as ``torch.library`` custom ops.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.functional.surrogate_expression import derivative_function

CHUNK_ELEMENTS = 1 << 21
"""Backward temporaries hold about this many elements per chunk of time steps."""


class Surrogate(NamedTuple):
    """The surrogate a backward kernel evaluates inline (kernel contract 1.1).

    Attributes:
        name: the registered name (for messages; kernels select by ``expression``).
        expression: the derivative ``s(x; alpha)`` at ``x = u_t - v_th`` as a surrogate
            expression (:mod:`norse.torch.functional.surrogate_expression`).
        alpha: the sharpness, a number.
    """

    name: str
    expression: str
    alpha: float


@functools.lru_cache(maxsize=64)
def _function(expression: str) -> Callable[..., Tensor]:
    return derivative_function(expression)


SURROGATE_CHUNK_ELEMENTS = 1 << 18
""":func:`surrogate_values` evaluates this many elements at a time (1 MiB of float32), so that
its temporaries stay in the cache instead of each being a fresh full-size tensor."""


def surrogate_values(u: Tensor, v_th: Tensor, surrogate: Surrogate) -> Tensor:
    """``s(u_t - v_th; alpha)`` of every step of ``u`` ``(T, *S)``, in ``u``'s dtype.

    For a kernel that cannot evaluate ``surrogate.expression`` itself: the result is the
    precomputed ``s`` of the 1.0 contract.
    """
    derivative = _function(surrogate.expression)
    s = torch.empty_like(u)
    chunk = max(1, SURROGATE_CHUNK_ELEMENTS // max(1, u[0].numel()))
    for t0 in range(0, u.shape[0], chunk):
        part = s[t0 : t0 + chunk]
        torch.sub(u[t0 : t0 + chunk], v_th, out=part)
        part.copy_(derivative(part, surrogate.alpha))
    return s


# Indices of the parameter gradients in the ``needs`` list of the backward.
GRAD_NAMES = ("x", "v0", "i0", "p", "q", "o", "r", "v_th", "v_reset")


def _reset_(v: Tensor, u: Tensor, v_th: Tensor, v_reset: Tensor, subtract: bool) -> None:
    """Write the post-reset voltage of pre-reset voltage ``u`` into ``v`` (in place)."""
    spiked = u > v_th
    if subtract:
        torch.sub(u, v_th * spiked, out=v)
    else:  # v_reset + 0 u: u = +inf leaves NaN, as the step loop's (1 - z) v + z v_reset does
        torch.where(spiked, u.mul(0).add_(v_reset), u, out=v)


def reset(u: Tensor, v_th: Tensor, v_reset: Tensor, subtract: bool) -> Tensor:
    """Post-reset voltage for pre-reset voltage ``u`` (any leading shape)."""
    v = torch.empty_like(u)
    _reset_(v, u, v_th, v_reset, subtract)
    return v


def leaky_forward(
    x: Tensor,
    v0: Tensor,
    i0: Tensor | None,
    p: Tensor,
    q: Tensor,
    o: Tensor,
    r: Tensor | None,
    v_th: Tensor,
    v_reset: Tensor,
    spiking: bool,
    subtract: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Run the leaky recursion over ``x`` of shape ``(T, *S)``.

    Returns ``(out, u, v_T, i_T)``: ``out`` is ``z`` (spiking) or ``v`` (non-spiking) of shape
    ``(T, *S)``; ``u`` the pre-reset voltages (an empty tensor for non-spiking models, whose
    ``u`` is ``out``); ``v_T``/``i_T`` the final state (``i_T`` empty without a current).
    """
    steps = x.shape[0]
    u = torch.empty_like(x)
    v = v0.clone()
    if i0 is None:
        torch.mul(x, q, out=u)
        u.add_(o)
        for t in range(steps):
            ut = u[t]
            ut.addcmul_(p, v)
            if spiking:
                _reset_(v, ut, v_th, v_reset, subtract)
            else:
                v.copy_(ut)
        i = x.new_empty(0)
    else:
        i = i0.clone()
        for t in range(steps):
            ut = u[t]
            i.add_(x[t])
            torch.mul(q, i, out=ut)
            ut.addcmul_(p, v).add_(o)
            i.mul_(r)
            if spiking:
                _reset_(v, ut, v_th, v_reset, subtract)
            else:
                v.copy_(ut)
    if not spiking:
        return u, x.new_empty(0), v, i
    return (u > v_th).to(x.dtype), u, v, i


def chunk_steps(step_numel: int) -> int:
    """Number of time steps per backward chunk for steps of ``step_numel`` elements."""
    return max(1, CHUNK_ELEMENTS // max(1, step_numel))


def _currents(x: Tensor, i0: Tensor, r: Tensor) -> Tensor:
    """Recompute the post-jump currents ``d_t = i_{t-1} + x_t`` of the whole sequence."""
    d = torch.empty_like(x)
    i = i0.clone()
    for t in range(x.shape[0]):
        torch.add(i, x[t], out=d[t])
        torch.mul(d[t], r, out=i)
    return d


def leaky_backward(
    g_out: Tensor | None,
    g_v: Tensor | None,
    g_i: Tensor | None,
    x: Tensor | None,
    u: Tensor,
    v0: Tensor,
    i0: Tensor | None,
    p: Tensor,
    q: Tensor,
    r: Tensor | None,
    v_th: Tensor,
    v_reset: Tensor,
    s: Tensor | None,
    spiking: bool,
    subtract: bool,
    needs: list[bool],
    surrogate: Surrogate | None = None,
) -> list[Tensor | None]:
    """Backpropagate through the leaky recursion (see the module docstring).

    ``u`` is the pre-reset voltage sequence (the output ``v`` for non-spiking models); ``x``
    is needed only when ``needs`` asks for the gradient of ``q`` or ``r``; ``surrogate`` is
    evaluated per chunk of steps, or else ``s`` is the surrogate derivative ``s(u_t - v_th)``
    of every step (both None: zero, the plain Heaviside).
    Returns the gradients named by :data:`GRAD_NAMES`, ``None`` where ``needs`` is False;
    parameter gradients have shape ``S`` (the caller reduces broadcast parameters).
    """
    need = dict(zip(GRAD_NAMES, needs))
    steps = u.shape[0]
    current = i0 is not None
    s_all = s
    gv = g_v.clone() if g_v is not None else torch.zeros_like(v0)
    gi = None
    if current:
        gi = g_i.clone() if g_i is not None else torch.zeros_like(v0)
    gx = torch.empty_like(u)
    acc = {name: torch.zeros_like(v0) for name in GRAD_NAMES[3:] if need[name]}
    need_gv_seq = need["v_th"] or need["v_reset"]
    d_all = None
    if current and (need["q"] or need["r"]):
        d_all = _currents(x, i0, r)
    chunk = chunk_steps(v0.numel())
    t1 = steps
    while t1 > 0:
        t0 = max(0, t1 - chunk)
        ut = u[t0:t1]
        gu = torch.empty_like(ut) if current else gx[t0:t1]
        if g_out is not None:
            gu.copy_(g_out[t0:t1])
        else:
            gu.zero_()
        a = None
        if spiking:
            spiked = ut > v_th
            if surrogate is not None:
                s = _function(surrogate.expression)(ut - v_th, surrogate.alpha).to(ut.dtype)
            elif s_all is not None:
                s = s_all[t0:t1]
            else:
                s = torch.zeros_like(ut)
            gu.mul_(s)
            if subtract:
                a = 1 - v_th * s
            else:
                a = (v_reset - ut).mul_(s).add_(~spiked)
        gv_seq = torch.empty_like(ut) if need_gv_seq or (current and need["r"]) else None
        gi_seq = torch.empty_like(ut) if current and need["r"] else None
        for t in range(t1 - t0 - 1, -1, -1):
            if gv_seq is not None:
                gv_seq[t].copy_(gv)
            if gi_seq is not None:
                gi_seq[t].copy_(gi)
            g = gu[t]
            if a is None:
                g.add_(gv)
            else:
                g.addcmul_(a[t], gv)
            torch.mul(g, p, out=gv)
            if current:
                gi.mul_(r).addcmul_(q, g)
                gx[t0 + t].copy_(gi)
        if current and need["r"] and gi_seq is not None:
            acc["r"] += (gi_seq * d_all[t0:t1]).sum(0)
        if need["o"]:
            acc["o"] += gu.sum(0)
        if need["p"]:
            v_prev = torch.empty_like(ut)
            v_prev[0] = (
                v0 if t0 == 0 else _prev_voltage(u[t0 - 1], v_th, v_reset, spiking, subtract)
            )
            if t1 - t0 > 1:
                v_prev[1:] = _prev_voltage(ut[:-1], v_th, v_reset, spiking, subtract)
            acc["p"] += (gu * v_prev).sum(0)
        if need["q"]:
            drive = d_all[t0:t1] if current else x[t0:t1]
            acc["q"] += (gu * drive).sum(0)
        if spiking and need_gv_seq:
            z = spiked.to(ut.dtype)
            g_zsum = g_out[t0:t1].clone() if g_out is not None else torch.zeros_like(ut)
            if subtract:
                g_zsum.addcmul_(gv_seq, v_th.expand_as(ut), value=-1)
                if need["v_th"]:
                    acc["v_th"] -= (gv_seq * z + g_zsum * s).sum(0)
            else:
                g_zsum.addcmul_(gv_seq, v_reset - ut)
                if need["v_th"]:
                    acc["v_th"] -= (g_zsum * s).sum(0)
                if need["v_reset"]:
                    acc["v_reset"] += (gv_seq * z).sum(0)
        if not current:
            gu.mul_(q)
        t1 = t0
    grads: dict[str, Tensor | None] = {"x": gx, "v0": gv, "i0": gi}
    grads.update(acc)
    return [grads.get(name) if need[name] else None for name in GRAD_NAMES]


def _prev_voltage(
    u: Tensor, v_th: Tensor, v_reset: Tensor, spiking: bool, subtract: bool
) -> Tensor:
    return reset(u, v_th, v_reset, subtract) if spiking else u
