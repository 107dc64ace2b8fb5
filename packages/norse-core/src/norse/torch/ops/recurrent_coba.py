"""The fused recurrent CobaLIF layer: ``norse::coba_lif_recurrent_sequence``.

``CobaLIFRecurrent`` (and a loop of :func:`norse.torch.functional.coba_lif.coba_lif_step`)
splits both weight matrices by sign: at every step ::

    g_e += input_t @ relu(W_in).T + z_{t-1} @ relu(W_rec).T
    g_i += input_t @ relu(-W_in).T + z_{t-1} @ relu(-W_rec).T

then decays the conductances and integrates the voltage (equations in
:mod:`norse.torch.ops.recurrent_coba_reference`). Here both input projections of all ``T``
steps are matrix products outside the time loop, and the time loop is one custom op whose
kernel computes both recurrent inputs from the previous step's binary spikes (the C++ CPU
kernel adds the rows of ``relu(W_rec).T`` and ``relu(-W_rec).T`` of the spiking neurons when
few spike, :data:`norse.torch.ops.recurrent_cpp.DENSE_ABOVE`). The backward is written by
hand: one backward recursion (a custom op, replaceable per device), every parameter gradient
as a sum over time, and the gradients of ``relu(W_rec)`` and ``relu(-W_rec)`` as products
over the stored spikes. The ``relu`` splits themselves are ordinary autograd outside the op,
so a weight of exactly 0 gets autograd's gradient (zero, from both parts).

Gradients reach the input, both weight matrices, the initial state (``z``, ``v``, ``g_e``,
``g_i``) and every parameter that is a tensor requiring grad (through coefficients computed
from the parameters with ordinary autograd): all of ``CobaLIFParameters``' tensors, ``v_reset``
(reset to a value) included. Spikes equal the step loop's and gradients equal autograd's
through it up to rounding. Unsupported arguments (``norse.torch.ops.recurrent._unsupported``:
a custom reset or surrogate, a trainable ``alpha``, ...) run the step loop with a warning.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.functional import linear, relu

from norse.torch.functional.coba_lif import CobaLIFParameters, CobaLIFState
from norse.torch.ops import _registry
from norse.torch.ops._define import custom_op
from norse.torch.ops._recurrent_common import (
    _RESETS,
    _alpha,
    _check,
    _or_zeros,
    _or_zeros_strided,
    _shifted,
    _surrogate,
)
from norse.torch.ops.recurrent_coba_reference import after_reset
from norse.torch.ops.sequence import _as_step_tensor

__all__ = ["coba_lif_recurrent_sequence"]

_COBA = "norse::coba_lif_recurrent_sequence"
_COBA_BACKWARD = "norse::coba_lif_recurrent_backward"
_GRADS = (
    "xe", "xi", "we", "wi", "z0", "v0", "ge0", "gi0", "de", "di", "k", "gl", "vr", "ee", "ei",
    "v_th", "v_reset",
)  # fmt: skip

# norse.torch.ops.recurrent imports this module to route to it, so its helpers (_surrogate,
# _check, ...) are imported where they are used, once both modules exist.


@custom_op(_COBA)
def _coba_recurrent(
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
    method: str,
    alpha: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Recurrent CobaLIF over the projected inputs ``xe``, ``xi`` ``(T, B, H)``; returns
    ``(z, u, ej, ij, v_T, ge_T, gi_T)`` (``ej``, ``ij`` empty unless ``keep_states``).
    ``we``, ``wi`` are ``relu(W_rec)``, ``relu(-W_rec)``; every other tensor has the step
    shape ``(B, H)``; ``method`` and the 0-dim ``alpha`` select the surrogate used by the
    backward."""
    impl = _registry.select(_COBA, xe.device.type).impl
    return impl(
        xe, xi, we, wi, z0, v0, ge0, gi0, de, di, k, gl, vr, ee, ei, v_th, v_reset, subtract,
        keep_states,
    )  # fmt: skip


@_coba_recurrent.register_fake
def _(xe, xi, we, wi, z0, v0, ge0, gi0, de, di, k, gl, vr, ee, ei, v_th, v_reset, sub, keep, *_):
    kept = [torch.empty_like(xe) if keep else xe.new_empty(0) for _ in range(2)]
    states = [torch.empty_like(v0) for _ in range(3)]
    return torch.empty_like(xe), torch.empty_like(xe), *kept, *states


@custom_op(_COBA_BACKWARD)
def _coba_recurrent_backward(
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
    """Backward recursion of ``norse::coba_lif_recurrent_sequence``: ``(GU, GV, GE, GI, gv0,
    gge0, ggi0, gz0, gWe, gWi)`` (``GU``, ``GV`` empty unless ``need_parameters``, ``gWe``,
    ``gWi`` unless ``need_w``); ``g_z`` may be an expanded view."""
    impl = _registry.select(_COBA_BACKWARD, g_z.device.type).impl
    return impl(
        g_z, g_v, g_ge, g_gi, s, z, z0, u, v0, ej, ij, we, wi, de, di, k, gl, ee, ei, v_th,
        v_reset, subtract, need_w, need_parameters,
    )  # fmt: skip


@_coba_recurrent_backward.register_fake
def _(g_z, g_v, g_ge, g_gi, s, z, z0, u, v0, ej, ij, we, wi, *rest):
    need_w, need_parameters = rest[-2:]
    kept = [torch.empty_like(z) if need_parameters else z.new_empty(0) for _ in range(2)]
    sequences = [*kept, torch.empty_like(z), torch.empty_like(z)]
    states = [torch.empty_like(g_v) for _ in range(4)]
    weights = [torch.empty_like(w) if need_w else w.new_empty(0) for w in (we, wi)]
    return (*sequences, *states, *weights)


def _setup(ctx, inputs, output):
    _, _, we, wi, z0, v0, _, _, de, di, k, gl, vr, ee, ei, v_th, v_reset = inputs[:17]
    subtract, _, method, alpha = inputs[17:]
    z, u, ej, ij = output[:4]
    ctx.set_materialize_grads(False)
    saved = (z, u, ej, ij, we, wi, z0, v0, de, di, k, gl, vr, ee, ei, v_th, v_reset, alpha)
    ctx.save_for_backward(*saved)
    ctx.flags = (subtract, method)


def _backward(ctx, g_z, _g_u, _g_ej, _g_ij, g_v, g_ge, g_gi):

    z, u, ej, ij, we, wi, z0, v0, de, di, k, gl, vr, ee, ei, v_th, v_reset, alpha = (
        ctx.saved_tensors
    )
    c = {"de": de, "di": di, "k": k, "gl": gl, "vr": vr, "ee": ee, "ei": ei}
    subtract, method = ctx.flags
    need = dict(zip(_GRADS, ctx.needs_input_grad))
    g_z, g_v = _or_zeros_strided(g_z, z), _or_zeros(g_v, v0)
    g_ge, g_gi = _or_zeros(g_ge, v0), _or_zeros(g_gi, v0)
    s = _surrogate(_COBA_BACKWARD, method, u, v_th, alpha)
    need_w = need["we"] or need["wi"]
    need_parameters = any(need[name] for name in _GRADS[8:])
    gu, gv_all, ge_all, gi_all, gv0, gge0, ggi0, gz0, g_we, g_wi = _coba_recurrent_backward(
        g_z, g_v, g_ge, g_gi, s, z, z0, u, v0, ej, ij, we, wi, de, di, k, gl, ee, ei, v_th,
        v_reset, subtract, need_w, need_parameters,
    )  # fmt: skip
    grads = {"xe": ge_all, "xi": gi_all, "we": g_we, "wi": g_wi}
    grads.update(z0=gz0, v0=gv0, ge0=gge0, gi0=ggi0)
    if any(need[name] for name in ("k", "gl", "ee", "ei", "de", "di")):
        v_prev = torch.cat([v0.unsqueeze(0), after_reset(u[:-1], z[:-1], v_th, v_reset, subtract)])
        grads.update(_membrane_gradients(need, gu, ge_all, gi_all, g_ge, g_gi, v_prev, ej, ij, c))
    if need["vr"]:
        grads["vr"] = k * gl * gu.sum(0)
    if need["v_th"] or need["v_reset"]:
        gvz = (gv_all * z).sum(0)
        direct = gv_all if subtract else gv_all * (1 - z)  # gu - direct: through the spike
        if need["v_th"]:
            grads["v_th"] = -(gu - direct).sum(0) - gvz if subtract else -(gu - direct).sum(0)
        if not subtract:
            grads["v_reset"] = gvz
    return (*(grads.get(name) if need[name] else None for name in _GRADS), None, None, None, None)


def _membrane_gradients(need, gu, ge_all, gi_all, g_ge, g_gi, v_prev, ej, ij, c):
    """The gradients of the coefficients that need the voltages before every step and the
    decayed conductances (``k``, ``gl``, ``ee``, ``ei``, ``de``, ``di``, where ``need`` says)."""

    de, di, k, gl, vr, ee, ei = c.values()
    ge = ej - de * ej  # the decayed conductances, as the forward computed them
    gi = ij - di * ij
    grads = {}
    if need["k"]:
        drive = gl * (vr - v_prev) + ge * (ee - v_prev) + gi * (ei - v_prev)
        grads["k"] = (gu * drive).sum(0)
    if need["gl"]:
        grads["gl"] = k * (gu * (vr - v_prev)).sum(0)
    if need["ee"]:
        grads["ee"] = k * (gu * ge).sum(0)
    if need["ei"]:
        grads["ei"] = k * (gu * gi).sum(0)
    if need["de"]:  # the gradient reaching ge_t, times -ej_t
        grads["de"] = -((_shifted(ge_all, g_ge) + k * gu * (ee - v_prev)) * ej).sum(0)
    if need["di"]:
        grads["di"] = -((_shifted(gi_all, g_gi) + k * gu * (ei - v_prev)) * ij).sum(0)
    return grads


torch.library.register_autograd(_COBA, _backward, setup_context=_setup)


def coba_lif_recurrent_sequence(
    input_tensor: Tensor,
    state: CobaLIFState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: CobaLIFParameters,
    dt: float = 0.001,
) -> tuple[Tensor, CobaLIFState]:
    """Run :func:`norse.torch.functional.coba_lif.coba_lif_step` over ``(T, B, I)`` in one
    fused op.

    Per step (forward Euler; the module docstring of
    :mod:`norse.torch.ops.recurrent_coba_reference` has the backward)::

        g_e += x_t relu(W_in)^T + z_{t-1} relu(W_rec)^T
        g_i += x_t relu(-W_in)^T + z_{t-1} relu(-W_rec)^T
        g_e -= dt tau_syn_exc_inv g_e ;  g_i -= dt tau_syn_inh_inv g_i
        v_dec = v + dt c_m_inv (g_l (v_rest - v) + g_e (e_rev_E - v) + g_i (e_rev_I - v))
        z = H(v_dec - v_thresh) ;  v = reset_method(z, v_dec, v_reset, v_thresh)

    Args:
        input_tensor: input ``(T, B, I)``, floating point.
        state: ``CobaLIFState(z, v, g_e, g_i)``, each broadcastable to ``(B, H)``.
        input_weights: ``(H, I)``; recurrent_weights: ``(H, H)`` (signed; mask the diagonal
            first for a layer without autapses).
        p: ``CobaLIFParameters`` (``reset_value`` or ``reset_subtract``, a registered
            surrogate, a non-trainable scalar ``alpha``).
        dt: time step in s.

    Returns:
        ``(z, CobaLIFState(z_T, v_T, g_e_T, g_i_T))`` with spikes ``z`` of shape ``(T, B, H)``.
    """

    _check(input_tensor, input_weights, recurrent_weights)
    xe = linear(input_tensor, relu(input_weights))
    xi = linear(input_tensor, relu(-input_weights))
    we, wi = relu(recurrent_weights), relu(-recurrent_weights)
    step = xe[0]
    coefficients = {
        "de": dt * p.tau_syn_exc_inv,
        "di": dt * p.tau_syn_inh_inv,
        "k": dt * p.c_m_inv,
        "gl": p.g_l,
        "vr": p.v_rest,
        "ee": p.e_rev_E,
        "ei": p.e_rev_I,
        "v_th": p.v_thresh,
        "v_reset": p.v_reset,
    }
    c = {name: _as_step_tensor(name, value, step) for name, value in coefficients.items()}
    fields = ("z", "v", "g_e", "g_i")
    z0, v0, ge0, gi0 = (_as_step_tensor(f"state.{f}", getattr(state, f), step) for f in fields)
    tensors = (xe, xi, we, wi, z0, v0, ge0, gi0, *c.values())
    keep = torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
    z, _, _, _, v, ge, gi = _coba_recurrent(
        *tensors, _RESETS[p.reset_method], keep, p.method, _alpha(p.alpha, p.method)
    )
    return z, CobaLIFState(z=z[-1], v=v, g_e=ge, g_i=gi)
