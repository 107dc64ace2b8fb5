"""Reference kernels of the fused recurrent LIFEx / LIFAdEx / LIFAdExRefrac op, in plain PyTorch
(any device).

One op, ``norse::lif_adex_recurrent_sequence``, serves the three models: LIFEx is LIFAdEx
without the adaptation current (``adaptive=False``: ``a`` stays at its initial value, zero,
and none of its terms is computed), LIFAdExRefrac is LIFAdEx with the refractory counter
(``refractory=True``). With the projected input ``x_t = input_t @ W_in.T`` and the recurrent
input ``R_t = z_{t-1} @ W.T`` (``z_{-1} = z0``), every step of
:func:`norse.torch.functional.lif_adex.lif_adex_step` is::

    j_t = (i_{t-1} + x_t) + R_t                                       (current after the jump)
    u_t = v_{t-1} + k ((v_leak - v_{t-1}) + E(v_{t-1}) + j_t - a_{t-1})   (pre-reset voltage)
    i_t = j_t - ks j_t
    y_t = H(u_t - v_th)                                               (the LIFAdEx spike)
    w_t = v_reset if y_t else u_t   (value)   ;   w_t = u_t - v_th y_t   (subtract)
    a_t = a_{t-1} + ka (c (v_{t-1} - v_leak) - a_{t-1}) + bs y_t      (adaptive only)

and ``z_t = y_t``, ``v_t = w_t`` without refractory period. With it
(:func:`norse.torch.functional.lif_adex_refrac.lif_adex_refrac_step`; ``r_t = H(rho_{t-1})``,
1 while refractory, has no gradient)::

    z_t = (1 - r_t) y_t ;  v_t = v_{t-1} if r_t else w_t
    rho_t = rho_reset if z_t else relu(rho_{t-1} - r_t)

(``a`` jumps with ``y_t``, before the mask, as in the step loop). The coefficients are
``k = dt tau_mem_inv``, ``ks = dt tau_syn_inv``, ``ka = dt tau_ada_inv``,
``c = adaptation_current``, ``bs = adaptation_spike`` (every coefficient of the step shape
``(B, H)``) and the exponential term is ``E(v) = delta_T exp(min((v - v_th) / delta_T, 60))``
(0 where ``delta_T <= 0``; :func:`norse.torch.functional.lif_ex.exponential_term`), whose
slope ``E'(v) = exp((v - v_th) / delta_T)`` is 0 where the exponent is clamped or
``delta_T <= 0``.

Unlike LIF, the spike in the reset and in the adaptation jump is *not* detached (as in the
step loop): ``y_t`` receives gradient from the output and the next step's recurrent input
(through ``z_t``), the reset (``d w_t / d y_t = v_reset - u_t`` (value), ``-v_th``
(subtract)) and ``a_t`` (``bs``); ``z_t`` also reaches ``rho_t`` (``d rho_t / d z_t =
rho_reset - relu(rho_{t-1} - r_t)``). With ``n_t = 1 - r_t`` (1 without refractory period)
and running gradients ``gv, gi, ga, grho`` reaching ``v_t, i_t, a_t, rho_t``, and ``gz_t``
reaching the output, the backward recursion is::

    gw_t  = n_t gv                                 (reaching w_t)
    gy_t  = n_t (gz_t + gj_{t+1} @ W + grho (rho_reset - relu(rho_{t-1} - r_t)))
            + gw_t d w_t / d y_t + bs ga
    gu_t  = gy_t s_t + A_t gw_t                    A_t = 1 - y_t (value), 1 (subtract)
    gj_t  = k gu_t + (1 - ks) gi
    gv <- (1 + k (E'(v_{t-1}) - 1)) gu_t + r_t gv + ka c ga ;  ga <- (1 - ka) ga - k gu_t
    gi <- gj_t ;  grho_reset += grho z_t ;  grho <- grho (1 - z_t) H(rho_{t-1} - r_t)

The surrogate derivatives ``s_t`` are computed beforehand by the core with the registered
surrogate. The backward returns the gradients reaching ``u_t`` (``GU``), ``j_t`` (``GJ``, also
the input gradient), ``w_t`` (``GW``) and ``a_t`` (``GA``, empty unless ``adaptive``), the
initial-state gradients, the one reaching ``rho_reset`` and ``gW = sum_t GJ_t.T @ z_{t-1}``;
:mod:`norse.torch.ops.recurrent_adex` forms every other parameter gradient from them. These
functions take and return plain tensors (no autograd).
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse.torch.functional.lif_ex import EXPONENT_MAX, exponential_term
from norse.torch.ops.recurrent_reference import _weight_gradient, previous_spikes

__all__ = [
    "exponential_delta_slope",
    "exponential_slope",
    "lif_adex_recurrent_backward",
    "lif_adex_recurrent_forward",
]


def _exponent(v: Tensor, v_th: Tensor, delta_T: Tensor) -> tuple[Tensor, Tensor]:
    """``(delta_T > 0, (v - v_th) / delta_T)`` (divided by 1 where ``delta_T <= 0``)."""
    positive = delta_T > 0
    return positive, (v - v_th) / torch.where(positive, delta_T, torch.ones_like(delta_T))


def exponential_slope(v: Tensor, v_th: Tensor, delta_T: Tensor) -> Tensor:
    """``dE/dv = exp((v - v_th) / delta_T)``; 0 where ``delta_T <= 0`` or the exponent exceeds
    :data:`~norse.torch.functional.lif_ex.EXPONENT_MAX` (the clamp's derivative)."""
    positive, exponent = _exponent(v, v_th, delta_T)
    free = positive & (exponent <= EXPONENT_MAX)
    return torch.where(free, torch.exp(exponent.clamp(max=EXPONENT_MAX)), torch.zeros_like(v))


def exponential_delta_slope(v: Tensor, v_th: Tensor, delta_T: Tensor) -> Tensor:
    """``dE/d delta_T``: ``exp(e) (1 - e)`` for the exponent ``e`` below the clamp,
    ``exp(EXPONENT_MAX)`` above it, 0 where ``delta_T <= 0``."""
    positive, exponent = _exponent(v, v_th, delta_T)
    clamped = exponent.clamp(max=EXPONENT_MAX)
    factor = torch.where(exponent <= EXPONENT_MAX, 1 - exponent, torch.ones_like(exponent))
    return torch.where(positive, torch.exp(clamped) * factor, torch.zeros_like(v))


def lif_adex_recurrent_forward(
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
) -> tuple[Tensor, ...]:
    """Run the recurrent LIFAdEx recursion over ``x`` ``(T, B, H)`` with weights ``w``
    ``(H, H)`` (module docstring): LIFEx unless ``adaptive``, with the refractory period if
    ``refractory``.

    Returns ``(z, u, v, j, a, rho, v_T, i_T, a_T, rho_T)``: spikes, pre-reset voltages and
    voltages ``(T, B, H)``; the currents ``j_t`` and adaptations ``a_t`` (empty tensors unless
    ``keep_states``, and ``a`` also unless ``adaptive``); the counters ``rho_t`` (empty unless
    ``refractory``); the final state (``a_T``, ``rho_T`` equal ``a0``, ``rho0`` unless
    ``adaptive``, ``refractory``).
    """
    z = torch.empty_like(x)
    u = torch.empty_like(x)
    v_all = torch.empty_like(x)
    j = torch.empty_like(x) if keep_states else x.new_empty(0)
    a_all = torch.empty_like(x) if keep_states and adaptive else x.new_empty(0)
    rho_all = torch.empty_like(x) if refractory else x.new_empty(0)
    v, i, a, rho, z_prev = v0, i0, a0, rho0, z0
    w_t = w.t()
    for t in range(x.shape[0]):
        jt = torch.addmm(i + x[t], z_prev, w_t)
        drive = (v_leak - v) + exponential_term(v, v_th, delta_T) + jt
        if adaptive:
            drive = drive - a
        ut = v + k * drive
        above = ut > v_th  # the LIFAdEx step's spike
        if subtract:
            v_new = torch.where(above, ut - v_th, ut)
        else:
            v_new = torch.where(above, v_reset, ut)
        if adaptive:
            a = a + ka * (c * (v - v_leak) - a) + bs * above.to(x.dtype)
        spiked = above
        if refractory:
            held = rho > 0
            spiked = above & ~held
            v_new = torch.where(held, v, v_new)
            rho = torch.where(spiked, rho_reset, torch.relu(rho - held.to(x.dtype)))
            rho_all[t] = rho
        v = v_new
        i = jt - ks * jt
        u[t] = ut
        z[t] = spiked
        v_all[t] = v
        if keep_states:
            j[t] = jt
            if adaptive:
                a_all[t] = a
        z_prev = z[t]
    a_t = a.clone() if a is a0 else a
    rho_t = rho.clone() if rho is rho0 else rho
    return z, u, v_all, j, a_all, rho_all, v, i, a_t, rho_t


def lif_adex_recurrent_backward(
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
) -> tuple[Tensor, ...]:
    """The backward recursion of the recurrent LIFAdEx op (module docstring).

    ``g_z`` ``(T, B, H)`` reaches the spikes (it may be an expanded view), ``g_v``/``g_i``/
    ``g_a``/``g_rho`` the final state, ``s`` holds the surrogate derivatives, ``u``, ``v`` and
    ``rho`` the forward's pre-reset voltages, voltages and counters (``rho`` empty unless
    ``refractory``). Returns ``(GU, GJ, GW, GA, gv0, gi0, ga0, grho0, gz0, g_rho_reset, gW)``:
    ``GW[t]`` reaches the LIFAdEx step's voltage ``w_t`` (``v_t`` itself without refractory
    period), ``GA[t]`` reaches ``a_t`` (empty unless ``adaptive``; ``ga0 = g_a`` then);
    ``grho0 = g_rho`` and ``g_rho_reset = 0`` unless ``refractory``; ``gW`` is empty unless
    ``need_w``.
    """
    gu_all = torch.empty_like(z)
    gj_all = torch.empty_like(z)
    gw_all = torch.empty_like(z)
    ga_all = torch.empty_like(z) if adaptive else z.new_empty(0)
    gv, gi, ga, grho = g_v, g_i, g_a, g_rho
    g_rho_reset = torch.zeros_like(g_v)
    gj = None
    for t in range(z.shape[0] - 1, -1, -1):
        gz = g_z[t] if gj is None else torch.addmm(g_z[t], gj, w)
        above = (u[t] > v_th).to(u.dtype)  # the LIFAdEx step's spike
        free = None
        if refractory:
            rho_prev = rho[t - 1] if t > 0 else rho0
            held = (rho_prev > 0).to(u.dtype)
            counted = torch.relu(rho_prev - held)
            free = 1 - held
            gz = free * (gz + grho * (rho_reset - counted))
            g_rho_reset = g_rho_reset + grho * z[t]
            grho = grho * (1 - z[t]) * (counted > 0)
        gw = gv if free is None else free * gv  # reaching the step's voltage w_t
        if subtract:
            gz = gz - gw * v_th
            kept = gw
        else:
            gz = gz + gw * (v_reset - u[t])
            kept = gw * (1 - above)
        if adaptive:
            gz = gz + ga * bs
            ga_all[t] = ga
        gu = gz * s[t] + kept
        gj = k * gu + (1 - ks) * gi
        gu_all[t] = gu
        gj_all[t] = gj
        gw_all[t] = gw
        v_prev = v[t - 1] if t > 0 else v0
        gv_next = (1 + k * (exponential_slope(v_prev, v_th, delta_T) - 1)) * gu
        if refractory:
            gv_next = gv_next + held * gv
        if adaptive:
            gv_next = gv_next + ka * c * ga
            ga = (1 - ka) * ga - k * gu
        gv, gi = gv_next, gj
    gz0 = gj @ w if gj is not None else torch.zeros_like(g_v)
    g_w = _weight_gradient(gj_all, previous_spikes(z, z0)) if need_w else w.new_empty(0)
    ga0 = ga.clone() if ga is g_a else ga
    grho0 = grho.clone() if grho is g_rho else grho
    return gu_all, gj_all, gw_all, ga_all, gv, gi, ga0, grho0, gz0, g_rho_reset, g_w
