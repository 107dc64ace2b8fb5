"""Reference kernels of the fused recurrent Izhikevich op, in plain PyTorch (any device).

A recurrent Izhikevich layer (:func:`norse.torch.functional.izhikevich.izhikevich_recurrent_step`)
of ``H`` neurons with batch ``B`` gets, at step ``t``, the projected input ``x_t = input_t @
W_in.T`` (all steps at once, outside the time loop) and the recurrent input ``R_t = z_{t-1} @
W.T`` from the previous step's spikes (``z_{-1} = z0``). With ``k = tau_inv dt`` and every
coefficient of the step shape ``(B, H)``::

    I_t = x_t + R_t                                          (input current)
    V_t = v_{t-1} + k (sq v_{t-1}^2 + mn v_{t-1} + bias - u_{t-1} + I_t)   (pre-reset voltage)
    U_t = u_{t-1} + k a (b v_{t-1} - u_{t-1})
    z_t = H(V_t - v_th)
    v_t = (1 - z_t) V_t + z_t c ;  u_t = U_t + z_t d

As in the step function, the spike is not detached: gradients reach ``z_t`` through the
output, the recurrent input and both resets (``dv_t/dz_t = c - V_t``, ``du_t/dz_t = d``). The
functions here are the sequential parts a device kernel replaces: the forward recursion, and
the backward recursion with the surrogate derivatives ``s_t = s(V_t - v_th)`` computed
beforehand (by the core, with the registered surrogate). With running gradients ``gv, gu``
reaching the state after step ``t`` and ``gz_t`` reaching the output::

    gZ_t = gz_t + gI_{t+1} @ W + (c - V_t) gv + d gu      (gradient reaching z_t)
    gV_t = (1 - z_t) gv + s_t gZ_t ;  gU_t = gu ;  gI_t = k gV_t
    gv <- gV_t (1 + k (2 sq v_{t-1} + mn)) + gU_t k a b
    gu <- gU_t (1 - k a) - k gV_t
    g_c += z_t gv ;  g_d += z_t gu ;  g_vth -= s_t gZ_t      (gv, gu before the update)

``v_{t-1}`` is recomputed from the stored ``V_{t-1}``, ``z_{t-1}`` (and ``v0``). The
recurrent weight gradient is ``gW = sum_t gI_t.T @ z_{t-1}``, one product over the stored
spikes. The other parameter gradients are sums over time of ``gV``, ``gU`` and the states,
formed by :mod:`norse.torch.ops.recurrent_izhikevich`. The reference computes ``R_t`` with a
dense product; the C++ CPU kernel sums the weight rows of the spiking neurons when few spike.
These functions take and return plain tensors (no autograd).
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse.torch.ops.recurrent_reference import _weight_gradient, previous_spikes

__all__ = ["izhikevich_recurrent_backward", "izhikevich_recurrent_forward", "previous_voltages"]


def _after_reset(vp: Tensor, z: Tensor, c: Tensor) -> Tensor:
    """``(1 - z) V + z c``: the step function's reset (NaN stays NaN, as there)."""
    return (1 - z) * vp + z * c


def previous_voltages(vp: Tensor, z: Tensor, v0: Tensor, c: Tensor) -> Tensor:
    """``v_{t-1}`` for every step from the pre-reset voltages ``vp`` and spikes ``z``
    ``(T, B, H)`` (``v0`` before the first step)."""
    return torch.cat([v0.unsqueeze(0), _after_reset(vp[:-1], z[:-1], c)])


def izhikevich_recurrent_forward(
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
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Run the recurrent Izhikevich recursion over ``x`` ``(T, B, H)`` with weights ``w``.

    Returns ``(z, vp, u, i, v_T, u_T)``: spikes and pre-reset voltages ``V_t`` ``(T, B, H)``,
    the recovery ``u_t`` and the currents ``I_t`` of every step (empty tensors unless
    ``keep_states``) and the final voltage and recovery.
    """
    z = torch.empty_like(x)
    vp = torch.empty_like(x)
    u_all = torch.empty_like(x) if keep_states else x.new_empty(0)
    i_all = torch.empty_like(x) if keep_states else x.new_empty(0)
    v, u, z_prev = v0, u0, z0
    w_t = w.t()
    for t in range(x.shape[0]):
        current = torch.addmm(x[t], z_prev, w_t)
        v_new = v + k * (sq * v * v + mn * v + bias - u + current)
        u_new = u + k * a * (b * v - u)
        vp[t] = v_new
        z[t] = v_new > v_th
        v = _after_reset(v_new, z[t], c)
        u = u_new + z[t] * d
        if keep_states:
            u_all[t] = u
            i_all[t] = current
        z_prev = z[t]
    return z, vp, u_all, i_all, v, u


def izhikevich_recurrent_backward(
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
    """The backward recursion of the recurrent Izhikevich op (module docstring).

    ``g_z`` ``(T, B, H)`` is the gradient reaching the spikes (it may be an expanded view),
    ``g_v``/``g_u`` the ones reaching the final state, ``s`` the surrogate derivatives, ``z``
    and ``vp`` the forward's spikes and pre-reset voltages. Returns ``(GV, GU, GI, gv0, gu0,
    gz0, g_c, g_d, g_vth, gW)``: the gradients reaching ``V_t``, ``U_t`` and ``I_t`` (the
    input gradient) ``(T, B, H)``, the initial state's, the reset parameters' and the
    threshold's ``(B, H)``, and ``gW`` (empty unless ``need_w``).
    """
    gv_all = torch.empty_like(g_z)
    gu_all = torch.empty_like(g_z)
    gi_all = torch.empty_like(g_z)
    gv, gu = g_v, g_u
    g_c, g_d, g_vth = torch.zeros_like(g_v), torch.zeros_like(g_v), torch.zeros_like(g_v)
    ka = k * a
    gi = None
    for t in range(g_z.shape[0] - 1, -1, -1):
        zt = z[t]
        gz = g_z[t] if gi is None else torch.addmm(g_z[t], gi, w)
        gz = gz + (c - vp[t]) * gv + d * gu
        gzs = s[t] * gz
        g_vv = (1 - zt) * gv + gzs
        gi = k * g_vv
        gv_all[t], gu_all[t], gi_all[t] = g_vv, gu, gi
        g_c = g_c + zt * gv
        g_d = g_d + zt * gu
        g_vth = g_vth - gzs
        v = _after_reset(vp[t - 1], z[t - 1], c) if t > 0 else v0
        gv, gu = g_vv * (1 + k * (2 * sq * v + mn)) + gu * ka * b, gu * (1 - ka) - k * g_vv
    gz0 = gi @ w
    g_w = _weight_gradient(gi_all, previous_spikes(z, z0)) if need_w else w.new_empty(0)
    return gv_all, gu_all, gi_all, gv, gu, gz0, g_c, g_d, g_vth, g_w
