"""Reference kernels of the fused recurrent CobaLIF op, in plain PyTorch (any device).

A recurrent conductance-based LIF layer (:func:`norse.torch.functional.coba_lif.coba_lif_step`)
of ``H`` neurons with batch ``B`` splits its weights by sign: positive weights open excitatory,
negative ones inhibitory conductances. The input projections of all ``T`` steps,
``xe_t = input_t @ relu(W_in).T`` and ``xi_t = input_t @ relu(-W_in).T``, are computed
outside the time loop; the recurrent inputs ``Re_t = z_{t-1} @ We.T`` and ``Ri_t = z_{t-1} @
Wi.T`` (``We = relu(W_rec)``, ``Wi = relu(-W_rec)``, ``z_{-1} = z0``) inside it. Every
coefficient tensor has the step shape ``(B, H)``: the decay per step ``de = dt
tau_syn_exc_inv``, ``di = dt tau_syn_inh_inv``, ``k = dt c_m_inv``, the leak conductance
``gl``, the reversal potentials ``ee`` (excitatory), ``ei`` (inhibitory), the resting
potential ``vr``, ``v_th`` and ``v_reset``. One step::

    ej_t = (ge_{t-1} + xe_t) + Re_t ;  ij_t = (gi_{t-1} + xi_t) + Ri_t   (jumped conductances)
    ge_t = ej_t - de ej_t ;  gi_t = ij_t - di ij_t                    (decayed)
    u_t = v_{t-1} + k (gl (vr - v_{t-1}) + ge_t (ee - v_{t-1}) + gi_t (ei - v_{t-1}))
    z_t = H(u_t - v_th)
    v_t = (1 - z_t) u_t + z_t v_reset   (value)   ;   v_t = u_t - z_t v_th   (subtract)

Unlike the recurrent LIF, the spike in the reset is *not* detached (as in the step function):
the gradient reaching ``v_t`` reaches ``z_t`` too, with ``d v_t / d z_t = v_reset - u_t``
(value) or ``-v_th`` (subtract). The backward recursion, with the surrogate derivatives ``s``
of all steps computed beforehand and the running gradients ``gv`` (reaching ``v_t``),
``ge``, ``gi`` (reaching ``ge_t``, ``gi_t`` from step ``t + 1``: at the last step the
gradients of the final state), ``gz_t`` reaching the output::

    gz_t' = gz_t + GE_{t+1} @ We + GI_{t+1} @ Wi + gv D_t      D_t = v_reset - u_t  or  -v_th
    gu_t = gz_t' s_t + A_t gv                                  A_t = 1 - z_t  or  1
    GE_t = (1 - de) (ge + k gu_t (ee - v_{t-1})) ;  GI_t = (1 - di) (gi + k gu_t (ei - v_{t-1}))
    gv <- gu_t (1 - k (gl + ge_t + gi_t)) ;  ge <- GE_t ;  gi <- GI_t

``GE_t``, ``GI_t`` reach ``ej_t``, ``ij_t``, and so the projected inputs ``xe_t``, ``xi_t``;
the initial state gets ``gv0 = gv``, ``gge0 = GE_0``, ``ggi0 = GI_0``, ``gz0 = GE_0 @ We +
GI_0 @ Wi``, and the weights ``gWe = sum_t GE_t.T @ z_{t-1}``, ``gWi = sum_t GI_t.T @
z_{t-1}`` (one product each over the stored spikes). :mod:`norse.torch.ops.recurrent_coba`
forms the parameter gradients from these.

These functions take and return plain tensors (no autograd). The recurrent inputs are dense
products here (right on GPUs); the C++ CPU kernel sums the weight rows of the spiking neurons
instead when few spike.
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse.torch.ops.recurrent_reference import _weight_gradient, previous_spikes

__all__ = ["after_reset", "coba_lif_recurrent_backward", "coba_lif_recurrent_forward"]


def after_reset(u: Tensor, z: Tensor, v_th: Tensor, v_reset: Tensor, subtract: bool) -> Tensor:
    """The voltage after the reset for pre-reset voltages ``u`` and spikes ``z`` (0 or 1; any
    leading shape): ``u - z v_th`` (subtract) or ``v_reset`` where ``z`` else ``u`` (value),
    rounded exactly as ``(1 - z) u + z (u - v_th)`` and ``(1 - z) u + z v_reset``."""
    if subtract:
        return u - z * v_th
    return torch.where(z > 0, v_reset, u)


def coba_lif_recurrent_forward(
    xe: Tensor,
    xi: Tensor,
    we: Tensor,
    wi: Tensor,
    z0: Tensor,
    v0: Tensor,
    ge0: Tensor,
    gi0: Tensor,
    de: Tensor,
    di: Tensor,
    k: Tensor,
    gl: Tensor,
    vr: Tensor,
    ee: Tensor,
    ei: Tensor,
    v_th: Tensor,
    v_reset: Tensor,
    subtract: bool,
    keep_states: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Run the recurrent CobaLIF recursion (module docstring) over the projected inputs
    ``xe``, ``xi`` ``(T, B, H)`` with the non-negative weights ``we``, ``wi`` ``(H, H)``.

    Returns ``(z, u, ej, ij, v_T, ge_T, gi_T)``: spikes and pre-reset voltages ``(T, B, H)``,
    the jumped conductances ``ej_t``, ``ij_t`` of every step (empty tensors unless
    ``keep_states``; the backward needs them) and the final state. (The backward recomputes
    the voltages after the reset from ``z`` and ``u``, exactly as here.)
    """
    z = torch.empty_like(xe)
    u = torch.empty_like(xe)
    ej_all, ij_all = (torch.empty_like(xe) if keep_states else xe.new_empty(0) for _ in "ei")
    v, ge, gi, z_prev = v0, ge0, gi0, z0
    we_t, wi_t = we.t(), wi.t()
    for t in range(xe.shape[0]):
        ej = torch.addmm(ge + xe[t], z_prev, we_t)
        ij = torch.addmm(gi + xi[t], z_prev, wi_t)
        ge = ej - de * ej
        gi = ij - di * ij
        ut = v + k * (gl * (vr - v) + ge * (ee - v) + gi * (ei - v))
        u[t] = ut
        spiked = ut > v_th
        z[t] = spiked
        v = after_reset(ut, z[t], v_th, v_reset, subtract)
        if keep_states:
            ej_all[t], ij_all[t] = ej, ij
        z_prev = z[t]
    return z, u, ej_all, ij_all, v, ge, gi


def coba_lif_recurrent_backward(
    g_z: Tensor,
    g_v: Tensor,
    g_ge: Tensor,
    g_gi: Tensor,
    s: Tensor,
    z: Tensor,
    z0: Tensor,
    u: Tensor,
    v0: Tensor,
    ej: Tensor,
    ij: Tensor,
    we: Tensor,
    wi: Tensor,
    de: Tensor,
    di: Tensor,
    k: Tensor,
    gl: Tensor,
    ee: Tensor,
    ei: Tensor,
    v_th: Tensor,
    v_reset: Tensor,
    subtract: bool,
    need_w: bool,
    need_parameters: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """The backward recursion of the recurrent CobaLIF op (module docstring).

    ``g_z`` ``(T, B, H)`` is the gradient reaching the spikes (may be an expanded view),
    ``g_v``, ``g_ge``, ``g_gi`` the ones reaching the final state, ``s`` the surrogate
    derivatives; ``u``, ``ej``, ``ij`` the forward's sequences. Returns ``(GU, GV, GE,
    GI, gv0, gge0, ggi0, gz0, gWe, gWi)``: ``GV[t]`` reaches ``v_t``, ``GE[t]``/``GI[t]``
    the jumped conductances (the input gradients); ``gWe``, ``gWi`` are empty unless
    ``need_w``, ``GU`` and ``GV`` (needed only for the parameter gradients) unless
    ``need_parameters``.
    """
    gu_all, gv_all = (torch.empty_like(g_z) if need_parameters else g_z.new_empty(0) for _ in "uv")
    ge_all = torch.empty_like(g_z)
    gi_all = torch.empty_like(g_z)
    gv, gge, ggi = g_v, g_ge, g_gi
    first = g_z.shape[0] - 1
    for t in range(first, -1, -1):
        v_prev = after_reset(u[t - 1], z[t - 1], v_th, v_reset, subtract) if t > 0 else v0
        zt, ut = z[t], u[t]
        gz = g_z[t]
        if t < first:
            gz = gz + gge @ we + ggi @ wi
        if subtract:
            gu = (gz - gv * v_th) * s[t] + gv
        else:
            gu = (gz + gv * (v_reset - ut)) * s[t] + gv * (1 - zt)
        if need_parameters:
            gv_all[t], gu_all[t] = gv, gu
        kg = k * gu
        gge = (1 - de) * (gge + kg * (ee - v_prev))
        ggi = (1 - di) * (ggi + kg * (ei - v_prev))
        ge_all[t], gi_all[t] = gge, ggi
        ge_t, gi_t = ej[t] - de * ej[t], ij[t] - di * ij[t]
        gv = gu * (1 - k * (gl + ge_t + gi_t))
    gz0 = gge @ we + ggi @ wi
    if need_w:
        z_prev = previous_spikes(z, z0)
        g_we, g_wi = _weight_gradient(ge_all, z_prev), _weight_gradient(gi_all, z_prev)
    else:
        g_we, g_wi = we.new_empty(0), wi.new_empty(0)
    return gu_all, gv_all, ge_all, gi_all, gv, gge, ggi, gz0, g_we, g_wi
