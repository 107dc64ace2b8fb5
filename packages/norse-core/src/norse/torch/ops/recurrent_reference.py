"""Reference kernels of the fused recurrent ops, in plain PyTorch (any device).

A recurrent layer of ``H`` neurons with batch ``B`` gets, at step ``t``, the projected input
``x_t = input_t @ W_in.T`` (computed for all steps at once, outside the time loop) and the
recurrent input ``R_t = z_{t-1} @ W.T`` from the previous step's spikes (``z_{-1} = z0``).
Every coefficient tensor has the step shape ``(B, H)``.

**LIF** (``norse.torch.functional.lif.lif_step``; the input enters the current before the
voltage integrates)::

    j_t = (i_{t-1} + x_t) + R_t                    (current after the jump)
    u_t = p v_{t-1} + q j_t + o ;  i_t = r j_t     (pre-reset voltage, decayed current)
    z_t = H(u_t - v_th)
    v_t = v_reset if z_t else u_t   (value)   ;   v_t = u_t - v_th z_t   (subtract)

**LSNN** (``norse.torch.functional.lsnn.lsnn_step``; the voltage uses the old current and
the input enters the current after the spike)::

    u_t = p v_{t-1} + q i_{t-1} + o
    c_t = kb b_{t-1} + kv                          (decayed threshold)
    z_t = H(u_t - c_t)
    v_t = v_reset if z_t else u_t   (value)   ;   v_t = u_t - c_t z_t    (subtract)
    b_t = c_t + beta z_t
    i_t = (r i_{t-1} + x_t) + R_t

As in Norse, the spike in the reset (and in the threshold jump) is detached: gradients reach
``z_t`` only through the output and the recurrent input. The functions here are the
*sequential* parts, the only ones a device kernel replaces: the forward recursion, and the
backward recursion, which returns the gradients reaching ``u_t`` (``GU``), the current
(``GJ``: ``j_t`` for LIF, ``i_t`` for LSNN, which is also the input gradient) and, for LSNN,
the decayed threshold (``GC``), plus the initial-state gradients and the recurrent weight
gradient ``gW = sum_t G_t.T @ z_{t-1}``. The surrogate derivatives ``S`` of all steps are
computed beforehand in PyTorch with the registered surrogate (so every surrogate, plugins'
included, works with every kernel); the parameter gradients are formed afterwards from
these tensors by :mod:`norse.torch.ops.recurrent`; the sequences that only parameter
gradients read (``GU``; LSNN's ``GC``; the refractory ``GV``) are formed only when
``need_parameters`` is True (empty tensors otherwise: the common case of parameters that are
plain tensors). With running gradients ``gv, gi, gb``
reaching the state after step ``t`` and ``gz_t`` reaching the output::

    LIF:   gu_t = (gz_t + gj_{t+1} @ W) s_t + A_t gv     A_t = 1 - z_t (value), 1 (subtract)
           gj_t = q gu_t + r gi ;  gv <- p gu_t ;  gi <- gj_t
    LSNN:  gc_t = gb - z_t gv [subtract] - (gz_t + gi_{t+1} @ W) s_t
           gu_t = A_t gv + (gz_t + gi_{t+1} @ W) s_t
           gv <- p gu_t ;  gb <- kb gc_t ;  gi <- r gi + q gu_t

**LIF with a refractory period** (``norse.torch.functional.lif_refrac.lif_refrac_step``: the
LIF step, then the refractory update with the counter ``rho`` of the previous step;
``a_t = H(rho_{t-1})``, 1 while refractory, has no gradient)::

    j_t, u_t, i_t as LIF ;  y_t = H(u_t - v_th)    (the LIF step's spike)
    z_t = (1 - a_t) y_t                            (no spike while refractory)
    v_t = v_{t-1} if a_t else reset(u_t, y_t)      (voltage held while refractory)
    rho_t = rho_reset if z_t else relu(rho_{t-1} - a_t)

The spike reaches ``rho_t`` with its gradient (``d rho_t / d z_t = rho_reset -
relu(rho_{t-1} - a_t)``), as in the step loop. With ``n_t = 1 - a_t`` and the running
gradients ``gv, gi, grho`` reaching the state after step ``t``::

    gz_t' = gz_t + gj_{t+1} @ W + grho (rho_reset - relu(rho_{t-1} - a_t))
    gu_t = n_t (gz_t' s_t + A_t gv)                A_t = 1 - z_t (value), 1 (subtract)
    gj_t = q gu_t + r gi ;  gv <- p gu_t + a_t gv ;  gi <- gj_t
    grho_reset += grho z_t ;  grho <- grho (1 - z_t) H(rho_{t-1} - a_t)

These functions take and return plain tensors (no autograd). The reference computes ``R_t``
with a dense product (right on GPUs); the C++ CPU kernel
(:mod:`norse.torch.ops.recurrent_cpp`) sums the weight rows of the spiking neurons instead
when few spike.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = [
    "lif_recurrent_backward",
    "lif_recurrent_forward",
    "lif_refrac_recurrent_backward",
    "lif_refrac_recurrent_forward",
    "lsnn_recurrent_backward",
    "lsnn_recurrent_forward",
    "previous_spikes",
]


def previous_spikes(z: Tensor, z0: Tensor) -> Tensor:
    """``z_{t-1}`` for every step: ``z0`` followed by ``z[:-1]`` (shape of ``z``)."""
    return torch.cat([z0.unsqueeze(0), z[:-1]])


def _reset(u: Tensor, spiked: Tensor, v_th: Tensor, v_reset: Tensor, subtract: bool) -> Tensor:
    if subtract:
        return torch.where(spiked, u - v_th, u)
    return torch.where(spiked, v_reset, u)


def lif_recurrent_forward(
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
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Run the recurrent LIF recursion over ``x`` ``(T, B, H)`` with weights ``w`` ``(H, H)``.

    Returns ``(z, u, j, v_T, i_T)``: spikes and pre-reset voltages ``(T, B, H)``, the
    currents ``j_t`` (an empty tensor unless ``keep_current``) and the final state.
    """
    z = torch.empty_like(x)
    u = torch.empty_like(x)
    j = torch.empty_like(x) if keep_current else x.new_empty(0)
    v, i, z_prev = v0, i0, z0
    w_t = w.t()
    for t in range(x.shape[0]):
        jt = torch.addmm(i + x[t], z_prev, w_t)
        if keep_current:
            j[t] = jt
        ut = p * v + q * jt + o
        u[t] = ut
        spiked = ut > v_th
        z[t] = spiked
        v = _reset(ut, spiked, v_th, v_reset, subtract)
        i = r * jt
        z_prev = z[t]
    return z, u, j, v, i


def lif_recurrent_backward(
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
    need_parameters: bool = True,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """The backward recursion of the recurrent LIF op (module docstring).

    ``g_z`` ``(T, B, H)`` is the gradient reaching the spikes, ``g_v``/``g_i`` the ones
    reaching the final state, ``s`` the surrogate derivatives. Returns
    ``(GU, GJ, gv0, gi0, gz0, gW)`` (``GU`` empty unless ``need_parameters``, ``gW`` unless
    ``need_w``).
    """
    gu_all = _kept(g_z, need_parameters)
    gj_all = torch.empty_like(g_z)
    gv, gi = g_v, g_i
    gj = None
    for t in range(g_z.shape[0] - 1, -1, -1):
        gz = g_z[t] if gj is None else torch.addmm(g_z[t], gj, w)
        gu = gz * s[t] + (gv if subtract else gv * (1 - z[t]))
        gj = q * gu + r * gi
        if need_parameters:
            gu_all[t] = gu
        gj_all[t] = gj
        gv, gi = p * gu, gj
    gz0 = gj @ w
    g_w = _weight_gradient(gj_all, previous_spikes(z, z0)) if need_w else w.new_empty(0)
    return gu_all, gj_all, gv, gi, gz0, g_w


def _kept(like: Tensor, keep: bool) -> Tensor:
    """A sequence like ``like`` to fill, or an empty tensor where it is not ``keep``."""
    return torch.empty_like(like) if keep else like.new_empty(0)


def _weight_gradient(g: Tensor, z_prev: Tensor) -> Tensor:
    """``sum_t g_t.T @ z_{t-1}`` as one product over all stored spikes."""
    h = g.shape[-1]
    return g.reshape(-1, h).t() @ z_prev.reshape(-1, h)


def lsnn_recurrent_forward(
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
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Run the recurrent LSNN recursion over ``x`` ``(T, B, H)`` with weights ``w``.

    Returns ``(z, u, c, i, v_T, i_T, b_T)``: spikes, pre-reset voltages and decayed
    thresholds ``(T, B, H)``, the currents ``i_t`` (empty unless ``keep_current``) and the
    final state.
    """
    z = torch.empty_like(x)
    u = torch.empty_like(x)
    c = torch.empty_like(x)
    i_all = torch.empty_like(x) if keep_current else x.new_empty(0)
    v, i, b, z_prev = v0, i0, b0, z0
    w_t = w.t()
    for t in range(x.shape[0]):
        ut = p * v + q * i + o
        ct = kb * b + kv
        u[t] = ut
        c[t] = ct
        spiked = ut > ct
        z[t] = spiked
        v = _reset(ut, spiked, ct, v_reset, subtract)
        b = torch.where(spiked, ct + beta, ct)
        i = torch.addmm(r * i + x[t], z_prev, w_t)
        if keep_current:
            i_all[t] = i
        z_prev = z[t]
    return z, u, c, i_all, v, i, b


def lsnn_recurrent_backward(
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
    need_parameters: bool = True,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """The backward recursion of the recurrent LSNN op (module docstring).

    Returns ``(GU, GC, GI, gv0, gi0, gb0, gz0, gW)``; ``GI[t]`` is the gradient reaching
    ``i_t`` (the input gradient); ``GU`` and ``GC`` are empty unless ``need_parameters``,
    ``gW`` unless ``need_w``.
    """
    gu_all = _kept(g_z, need_parameters)
    gc_all = _kept(g_z, need_parameters)
    gi_all = torch.empty_like(g_z)
    gv, gi, gb = g_v, g_i, g_b
    g_state_z = None
    for t in range(g_z.shape[0] - 1, -1, -1):
        gi_all[t] = gi
        gz = g_z[t] if g_state_z is None else g_z[t] + g_state_z
        g_state_z = gi @ w
        gzs = gz * s[t]
        zt = z[t]
        if subtract:
            gu = gv + gzs
            gc = gb - zt * gv - gzs
        else:
            gu = gv * (1 - zt) + gzs
            gc = gb - gzs
        if need_parameters:
            gu_all[t] = gu
            gc_all[t] = gc
        gi = r * gi + q * gu
        gv, gb = p * gu, kb * gc
    g_w = _weight_gradient(gi_all, previous_spikes(z, z0)) if need_w else w.new_empty(0)
    return gu_all, gc_all, gi_all, gv, gi, gb, g_state_z, g_w


def lif_refrac_recurrent_forward(
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
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Run the recurrent refractory LIF recursion over ``x`` ``(T, B, H)`` with weights ``w``.

    Returns ``(z, u, j, v, rho, v_T, i_T, rho_T)``: spikes, pre-reset voltages ``(T, B, H)``,
    the currents ``j_t`` and voltages ``v_t`` (empty tensors unless ``keep_states``), the
    counters ``rho_t`` ``(T, B, H)`` and the final state.
    """
    z = torch.empty_like(x)
    u = torch.empty_like(x)
    j = torch.empty_like(x) if keep_states else x.new_empty(0)
    v_all = torch.empty_like(x) if keep_states else x.new_empty(0)
    rho_all = torch.empty_like(x)
    v, i, rho, z_prev = v0, i0, rho0, z0
    w_t = w.t()
    for t in range(x.shape[0]):
        jt = torch.addmm(i + x[t], z_prev, w_t)
        ut = p * v + q * jt + o
        u[t] = ut
        refractory = rho > 0
        spiked = (ut > v_th) & ~refractory
        z[t] = spiked
        v = torch.where(refractory, v, _reset(ut, ut > v_th, v_th, v_reset, subtract))
        rho = torch.where(spiked, rho_reset, torch.relu(rho - refractory.to(rho.dtype)))
        rho_all[t] = rho
        i = r * jt
        if keep_states:
            j[t] = jt
            v_all[t] = v
        z_prev = z[t]
    return z, u, j, v_all, rho_all, v, i, rho


def lif_refrac_recurrent_backward(
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
    need_parameters: bool = True,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """The backward recursion of the recurrent refractory LIF op (module docstring).

    ``rho`` ``(T, B, H)`` holds the forward's counters after every step, ``rho0`` the initial
    one. Returns ``(GU, GJ, GV, gv0, gi0, grho0, gz0, g_rho_reset, gW)``: ``GV[t]`` is the
    gradient reaching ``v_t``; ``g_rho_reset`` ``(B, H)`` the one reaching ``rho_reset``;
    ``GU`` and ``GV`` are empty unless ``need_parameters``, ``gW`` unless ``need_w``.
    """
    gu_all = _kept(g_z, need_parameters)
    gj_all = torch.empty_like(g_z)
    gv_all = _kept(g_z, need_parameters)
    gv, gi, grho = g_v, g_i, g_rho
    g_rho_reset = torch.zeros_like(g_rho)
    gj = None
    for t in range(g_z.shape[0] - 1, -1, -1):
        rho_prev = rho[t - 1] if t > 0 else rho0
        refractory = (rho_prev > 0).to(rho_prev.dtype)
        counted = torch.relu(rho_prev - refractory)
        zt = z[t]
        gz = g_z[t] if gj is None else torch.addmm(g_z[t], gj, w)
        gz = gz + grho * (rho_reset - counted)
        gu = (1 - refractory) * (gz * s[t] + (gv if subtract else gv * (1 - zt)))
        gj = q * gu + r * gi
        if need_parameters:
            gu_all[t] = gu
            gv_all[t] = gv
        gj_all[t] = gj
        g_rho_reset = g_rho_reset + grho * zt
        gv, gi = p * gu + refractory * gv, gj
        grho = grho * (1 - zt) * (counted > 0)
    gz0 = gj @ w
    g_w = _weight_gradient(gj_all, previous_spikes(z, z0)) if need_w else w.new_empty(0)
    return gu_all, gj_all, gv_all, gv, gi, grho, gz0, g_rho_reset, g_w
