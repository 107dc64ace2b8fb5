"""The kernel contract: what a device kernel of a fused sequence op implements (version 1.2).

A plugin registers kernels through the ``norse_register_kernels`` hook as
``KernelSpec(op, device, impl, description, contract=CONTRACT_VERSION)``. This module is the
whole public surface such a plugin needs: the signatures and gradient names of every op in
``norse.torch.ops.OPS`` (the leaky, LSNN and recurrent ops below), the rules, and the
reference implementations to delegate to or compare against. The conformance suite
:mod:`norse.testing` checks a kernel of each op against its reference. Plugins import nothing
else from ``norse.torch.ops``.

**Versioning.** :data:`CONTRACT_VERSION` is ``"MAJOR.MINOR"``. A minor release adds to the
contract compatibly; a major release changes a signature or a rule. The core serves a kernel
only if its spec's ``contract`` has the core's major version; otherwise the reference serves
and :func:`norse.torch.ops.kernel_table` says why.

**The leaky op** ``norse::leaky_sequence``. With ``S`` the shape of one time step::

    d_t = x_t                       (i0 is None)
    d_t = i_{t-1} + x_t ;  i_t = r d_t                        (with a synaptic current)
    u_t = p v_{t-1} + q d_t + o ;   z_t = H(u_t - v_th)       (H(y) = 1 if y > 0 else 0)
    v_t = v_reset + 0 u_t if z_t else u_t   (reset to value)
    v_t = u_t - z_t v_th                    (reset by subtraction)

(``0 u_t`` is zero for a finite ``u_t`` and NaN for an infinite one: a non-finite value never
vanishes from the state, which is how the core detects it and lets the step loop decide.)

``forward(*LEAKY_FORWARD_ARGS) -> (out, u, v_T, i_T)``: ``out`` is ``z`` (spiking) or ``v``
(not), shape ``(T, *S)``; ``u`` the pre-reset voltages ``(T, *S)`` (an empty tensor for
non-spiking models); ``v_T``, ``i_T`` shape ``S`` (``i_T`` empty without a current).

``backward(*LEAKY_BACKWARD_ARGS) -> list`` of one entry per name in :data:`LEAKY_GRAD_NAMES`:
the gradient (``x``: shape ``(T, *S)``, the rest: ``S``) where ``needs[k]`` is True, None
where it is False. ``g_out``, ``g_v``, ``g_i`` are the output gradients (None: zero; ``g_out``
may be one value broadcast with all strides 0). ``u`` is the forward's ``u`` (its ``out`` for
a non-spiking model); ``x`` is given only when the gradient of ``q`` or ``r`` is needed.
The surrogate derivative ``s(u_t - v_th; alpha)`` reaches the kernel in one of two ways:

- **inline (contract 1.1)**: a kernel registered with ``contract="1.1"`` (or a later 1.x) is
  called with one more positional argument after ``needs``, ``surrogate``: a
  :class:`Surrogate` ``(name, expression, alpha)`` when the registered surrogate has an
  ``expression`` (every built-in one has), with ``s`` None. The kernel evaluates the
  expression (:mod:`norse.torch.functional.surrogate_expression`, rendered into its own
  language with :func:`~norse.torch.functional.surrogate_expression.render`) at ``x = u_t -
  v_th`` inside its backward loop, so no ``(T, *S)`` tensor of derivatives is made. A kernel
  that cannot evaluate a given expression calls :func:`surrogate_values` and proceeds as below.
  It selects what it evaluates by the expression text, never by a surrogate's position.
- **precomputed**: ``s`` is the derivative at every step, shape ``(T, *S)``, computed by the
  core in PyTorch from the registered surrogate's ``derivative``, and ``surrogate`` is None.
  This is how a 1.0 kernel (called without ``surrogate``) always receives it, and how a 1.1
  kernel receives a plugin surrogate that has no expression: slower, but every surrogate runs
  on every kernel.

``s`` None with ``surrogate`` None means a zero derivative (the plain Heaviside; always so for
non-spiking models). The backward is the exact adjoint of the recursion written as
``v_t = u_t - z_t (u_t - v_reset)`` (value) or ``v_t = u_t - z_t v_th`` (subtract), with
``dz_t/du_t`` replaced by ``s_t`` (the reference's module docstring gives the equations).

**The LSNN op** ``norse::lsnn_sequence`` (feed-forward LSNN; equations in
:mod:`norse.torch.ops._lsnn_reference`'s module docstring, which are the step function's own
operations). ``forward(*LSNN_FORWARD_ARGS) -> (z, u, v_T, i_T, b_T)``: spikes and pre-reset
voltages ``(T, *S)`` and the final state ``S``; ``cur`` is None for Euler integration.
``backward(*LSNN_BACKWARD_ARGS) -> list`` of one entry per name in :data:`LSNN_GRAD_NAMES`
(None where ``needs[k]`` is False; ``cur`` gets None with Euler); ``x`` is given only when
:func:`lsnn_needs_input` says so. The surrogate arrives as its registered name ``method`` and
``alpha`` (a 0-dim tensor): the kernel looks it up with ``norse.plugins.get("surrogates",
method)`` and evaluates its ``expression`` (or calls its ``derivative``) at ``u_t - c_t``.
References: :func:`lsnn_forward`, :func:`lsnn_backward`; conformance:
:func:`norse.testing.check_lsnn_kernels`. The core has no compiled LSNN kernel: the reference
serves it on every device unless a plugin registers one.

**The recurrent ops** ``norse::lif_recurrent_sequence`` and ``norse::lsnn_recurrent_sequence``
(recurrent LIF and LSNN layers; equations in :mod:`norse.torch.ops.recurrent_reference`). A
kernel replaces only the sequential parts: the forward recursion
(``lif_recurrent_forward(*LIF_RECURRENT_FORWARD_ARGS) -> (z, u, j, v_T, i_T)``,
``lsnn_recurrent_forward(*LSNN_RECURRENT_FORWARD_ARGS) -> (z, u, c, i, v_T, i_T, b_T)``;
``x`` is the projected input ``(T, B, H)``, ``w`` the ``(H, H)`` recurrent weights, the
per-step sequences ``j``/``i`` are empty unless ``keep_current``) and the backward recursion
(ops ``norse::lif_recurrent_backward`` / ``norse::lsnn_recurrent_backward``, arguments
:data:`LIF_RECURRENT_BACKWARD_ARGS` / :data:`LSNN_RECURRENT_BACKWARD_ARGS`, returning
``(GU, GJ, gv0, gi0, gz0, gW)`` / ``(GU, GC, GI, gv0, gi0, gb0, gz0, gW)``, ``gW`` empty
unless ``need_w``). Their surrogate derivatives ``s`` ``(T, B, H)`` are always computed by
the core (the recurrent backward is not where the time goes). The core forms every parameter
gradient from these results. **Contract 1.2**: a backward kernel of these two ops and of the
refractory one below, registered with ``contract="1.2"`` (or a later 1.x), is called with one
more positional argument after ``need_w``, ``need_parameters``; where it is False (no
parameter whose gradient reads them needs one: the common case), the sequences that only
parameter gradients read (``GU``; LSNN's ``GC``; the refractory ``GV``) must be empty
tensors, neither allocated nor written (:func:`takes_need_parameters`). An older kernel is called without it and the core
drops those sequences. Conformance: :func:`norse.testing.check_recurrent_kernels`.
``norse::lif_refrac_recurrent_sequence`` (recurrent LIF with a refractory counter ``rho``)
follows the same pattern: ``lif_refrac_recurrent_forward(*LIF_REFRAC_RECURRENT_FORWARD_ARGS)
-> (z, u, j, v, rho, v_T, i_T, rho_T)`` (``j`` and the voltages ``v`` empty unless
``keep_states``; ``rho`` the counters after every step), and the backward recursion
(``norse::lif_refrac_recurrent_backward``, :data:`LIF_REFRAC_RECURRENT_BACKWARD_ARGS`)
returns ``(GU, GJ, GV, gv0, gi0, grho0, gz0, g_rho_reset, gW)``.
``norse::izhikevich_recurrent_sequence`` (recurrent Izhikevich; equations in
:mod:`norse.torch.ops.recurrent_izhikevich_reference`, ``k = tau_inv dt``):
``izhikevich_recurrent_forward(*IZHIKEVICH_RECURRENT_FORWARD_ARGS) -> (z, vp, u, i, v_T, u_T)``
(``vp`` the pre-reset voltages; the recovery ``u`` and currents ``i`` of every step empty
unless ``keep_states``), and the backward recursion (``norse::izhikevich_recurrent_backward``,
:data:`IZHIKEVICH_RECURRENT_BACKWARD_ARGS`) returns ``(GV, GU, GI, gv0, gu0, gz0, g_c, g_d,
g_vth, gW)``.
``norse::coba_lif_recurrent_sequence`` (recurrent conductance-based LIF; equations in
:mod:`norse.torch.ops.recurrent_coba_reference`) takes the projected excitatory and inhibitory
inputs ``xe``, ``xi`` and the non-negative recurrent weights ``we = relu(W_rec)``, ``wi =
relu(-W_rec)``: ``coba_lif_recurrent_forward(*COBA_LIF_RECURRENT_FORWARD_ARGS) -> (z, u, ej, ij,
v_T, ge_T, gi_T)`` (the jumped conductances of every step empty unless ``keep_states``), and the backward recursion (``norse::coba_lif_recurrent_backward``,
:data:`COBA_LIF_RECURRENT_BACKWARD_ARGS`) returns ``(GU, GV, GE, GI, gv0, gge0, ggi0, gz0,
gWe, gWi)`` (``GU``, ``GV`` empty unless ``need_parameters``).
``norse::lif_adex_recurrent_sequence`` (recurrent LIFAdEx; LIFEx with ``adaptive`` False,
LIFAdExRefrac with ``refractory`` True; equations in
:mod:`norse.torch.ops.recurrent_adex_reference`) likewise:
``lif_adex_recurrent_forward(*LIF_ADEX_RECURRENT_FORWARD_ARGS) -> (z, u, v, j, a, rho, v_T,
i_T, a_T, rho_T)`` (``v`` the voltages after every step; ``j`` and ``a`` empty unless
``keep_states``, ``a`` also unless ``adaptive``; ``rho`` the counters after every step, empty
unless ``refractory``), and the backward recursion (``norse::lif_adex_recurrent_backward``,
:data:`LIF_ADEX_RECURRENT_BACKWARD_ARGS`) returns ``(GU, GJ, GW, GA, gv0, gi0, ga0, grho0,
gz0, g_rho_reset, gW)`` (``GA`` empty unless ``adaptive``).

**Tensor rules.** Every tensor argument is on the device the kernel was registered for and
has ``x``'s dtype (float16, bfloat16, float32 or float64). Step tensors (``v0``, ``i0``, the
coefficients) have shape ``S`` but may be expanded views (stride 0); they are never written.
Incoming gradients (``g_out``, ``g_v``, ``g_i``, the recurrent backwards' ``g_z``, ...) may be
expanded views too (the gradient of ``out.sum()`` is one value with all strides 0): a kernel
reads them through their strides or makes them contiguous itself.
A kernel that does not support a dtype delegates to the reference (:func:`leaky_forward`,
:func:`leaky_backward`) rather than fail. Results are new tensors in ``x``'s dtype. Spikes
equal the reference's; voltages, currents and gradients match it to rounding (float32:
relative 1e-5; float64: 1e-10; float16/bfloat16: computed at least in float32).

**The status protocol.** ``impl`` may have two methods, both returning ``(ok, reason)``:
``available()``, called before the first use on a device type (it may prepare the kernel,
e.g. compile it, and returns False where it cannot serve; the reference then serves and the
reason is shown), and ``status()``, which must answer without preparing anything (``norse
plugins`` and ``norse kernels status`` call it). A kernel without them is always used.
"""

from __future__ import annotations

from norse.torch.ops import (
    recurrent_adex_reference,
    recurrent_coba_reference,
    recurrent_izhikevich_reference,
    recurrent_reference,
)
from norse.torch.ops._lsnn_reference import GRAD_NAMES as LSNN_GRAD_NAMES
from norse.torch.ops._lsnn_reference import lsnn_backward, lsnn_forward
from norse.torch.ops._lsnn_reference import needs_input as lsnn_needs_input
from norse.torch.ops._reference import (
    GRAD_NAMES,
    Surrogate,
    leaky_backward,
    leaky_forward,
    surrogate_values,
)

__all__ = [
    "COBA_LIF_RECURRENT_BACKWARD_ARGS",
    "COBA_LIF_RECURRENT_FORWARD_ARGS",
    "CONTRACT_VERSION",
    "IZHIKEVICH_RECURRENT_BACKWARD_ARGS",
    "IZHIKEVICH_RECURRENT_FORWARD_ARGS",
    "LEAKY_BACKWARD_ARGS",
    "LEAKY_FORWARD_ARGS",
    "LEAKY_GRAD_NAMES",
    "LIF_ADEX_RECURRENT_BACKWARD_ARGS",
    "LIF_ADEX_RECURRENT_FORWARD_ARGS",
    "LIF_RECURRENT_BACKWARD_ARGS",
    "LIF_RECURRENT_FORWARD_ARGS",
    "LIF_REFRAC_RECURRENT_BACKWARD_ARGS",
    "LIF_REFRAC_RECURRENT_FORWARD_ARGS",
    "LSNN_BACKWARD_ARGS",
    "LSNN_FORWARD_ARGS",
    "LSNN_GRAD_NAMES",
    "LSNN_RECURRENT_BACKWARD_ARGS",
    "LSNN_RECURRENT_FORWARD_ARGS",
    "Surrogate",
    "coba_lif_recurrent_backward",
    "coba_lif_recurrent_forward",
    "compatible",
    "inline_surrogates",
    "izhikevich_recurrent_backward",
    "izhikevich_recurrent_forward",
    "leaky_backward",
    "leaky_forward",
    "lif_adex_recurrent_backward",
    "lif_adex_recurrent_forward",
    "lif_recurrent_backward",
    "lif_recurrent_forward",
    "lif_refrac_recurrent_backward",
    "lif_refrac_recurrent_forward",
    "lsnn_backward",
    "lsnn_forward",
    "lsnn_needs_input",
    "lsnn_recurrent_backward",
    "lsnn_recurrent_forward",
    "surrogate_values",
    "takes_need_parameters",
]

CONTRACT_VERSION = "1.2"
"""The kernel contract this core implements (``"MAJOR.MINOR"``).

History: 1.0, the surrogate derivative precomputed by the core (``s``); 1.1 (compatible), a
kernel registered for 1.1 also receives the surrogate's expression (``surrogate``) to
evaluate inline; 1.2 (compatible), a backward kernel of the recurrent LIF, LSNN and
refractory LIF ops registered for 1.2 also receives ``need_parameters`` and then forms the
sequences only parameter gradients read only where it is True."""

LEAKY_FORWARD_ARGS = ("x", "v0", "i0", "p", "q", "o", "r", "v_th", "v_reset", "spiking", "subtract")
"""Positional arguments of a ``norse::leaky_sequence`` kernel."""

LEAKY_BACKWARD_ARGS = (
    "g_out",
    "g_v",
    "g_i",
    "x",
    "u",
    "v0",
    "i0",
    "p",
    "q",
    "r",
    "v_th",
    "v_reset",
    "s",
    "spiking",
    "subtract",
    "needs",
)
"""Positional arguments of a ``norse::leaky_sequence_backward`` kernel (a 1.1 kernel gets
``surrogate`` after them)."""

LEAKY_GRAD_NAMES = GRAD_NAMES
"""The inputs of the leaky op that the backward returns gradients for, in order."""


LSNN_FORWARD_ARGS = (
    "x", "v0", "i0", "b0", "mem", "cur", "syn", "k", "v_leak", "v_th", "v_reset", "beta",
    "subtract",
)  # fmt: skip
"""Positional arguments of a ``norse::lsnn_sequence`` kernel."""

LSNN_BACKWARD_ARGS = (
    "g_z", "g_v", "g_i", "g_b", "x", "u", "v0", "i0", "b0", "mem", "cur", "syn", "k",
    "v_leak", "v_th", "v_reset", "beta", "subtract", "method", "alpha", "needs",
)  # fmt: skip
"""Positional arguments of a ``norse::lsnn_sequence_backward`` kernel."""

LIF_RECURRENT_FORWARD_ARGS = (
    "x", "w", "z0", "v0", "i0", "p", "q", "o", "r", "v_th", "v_reset", "subtract",
    "keep_current",
)  # fmt: skip
"""Positional arguments of a ``norse::lif_recurrent_sequence`` kernel."""

LIF_RECURRENT_BACKWARD_ARGS = (
    "g_z", "g_v", "g_i", "s", "z", "z0", "w", "p", "q", "r", "subtract", "need_w",
)  # fmt: skip
"""Positional arguments of a ``norse::lif_recurrent_backward`` kernel (a 1.2 kernel gets
``need_parameters`` after them)."""

LSNN_RECURRENT_FORWARD_ARGS = (
    "x", "w", "z0", "v0", "i0", "b0", "p", "q", "o", "r", "kb", "kv", "v_reset", "beta",
    "subtract", "keep_current",
)  # fmt: skip
"""Positional arguments of a ``norse::lsnn_recurrent_sequence`` kernel."""

LSNN_RECURRENT_BACKWARD_ARGS = (
    "g_z", "g_v", "g_i", "g_b", "s", "z", "z0", "w", "p", "q", "r", "kb", "subtract", "need_w",
)  # fmt: skip
"""Positional arguments of a ``norse::lsnn_recurrent_backward`` kernel (a 1.2 kernel gets
``need_parameters`` after them)."""

LIF_REFRAC_RECURRENT_FORWARD_ARGS = (
    "x", "w", "z0", "v0", "i0", "rho0", "p", "q", "o", "r", "v_th", "v_reset", "rho_reset",
    "subtract", "keep_states",
)  # fmt: skip
"""Positional arguments of a ``norse::lif_refrac_recurrent_sequence`` kernel."""

LIF_REFRAC_RECURRENT_BACKWARD_ARGS = (
    "g_z", "g_v", "g_i", "g_rho", "s", "z", "z0", "rho", "rho0", "w", "p", "q", "r",
    "rho_reset", "subtract", "need_w",
)  # fmt: skip
"""Positional arguments of a ``norse::lif_refrac_recurrent_backward`` kernel (a 1.2 kernel
gets ``need_parameters`` after them)."""

IZHIKEVICH_RECURRENT_FORWARD_ARGS = (
    "x", "w", "z0", "v0", "u0", "k", "a", "b", "c", "d", "sq", "mn", "bias", "v_th",
    "keep_states",
)  # fmt: skip
"""Positional arguments of a ``norse::izhikevich_recurrent_sequence`` kernel."""

IZHIKEVICH_RECURRENT_BACKWARD_ARGS = (
    "g_z", "g_v", "g_u", "s", "z", "vp", "z0", "v0", "w", "k", "a", "b", "c", "d", "sq", "mn",
    "need_w",
)  # fmt: skip
"""Positional arguments of a ``norse::izhikevich_recurrent_backward`` kernel."""
LIF_ADEX_RECURRENT_FORWARD_ARGS = (
    "x", "w", "z0", "v0", "i0", "a0", "rho0", "k", "ks", "v_leak", "v_th", "v_reset", "delta_T",
    "ka", "c", "bs", "rho_reset", "subtract", "adaptive", "refractory", "keep_states",
)  # fmt: skip
"""Positional arguments of a ``norse::lif_adex_recurrent_sequence`` kernel."""

LIF_ADEX_RECURRENT_BACKWARD_ARGS = (
    "g_z", "g_v", "g_i", "g_a", "g_rho", "s", "z", "z0", "u", "v", "v0", "rho", "rho0", "w",
    "k", "ks", "v_th", "v_reset", "delta_T", "ka", "c", "bs", "rho_reset", "subtract",
    "adaptive", "refractory", "need_w",
)  # fmt: skip
"""Positional arguments of a ``norse::lif_adex_recurrent_backward`` kernel."""

lif_recurrent_forward = recurrent_reference.lif_recurrent_forward
lif_recurrent_backward = recurrent_reference.lif_recurrent_backward
lsnn_recurrent_forward = recurrent_reference.lsnn_recurrent_forward
lsnn_recurrent_backward = recurrent_reference.lsnn_recurrent_backward
lif_refrac_recurrent_forward = recurrent_reference.lif_refrac_recurrent_forward
lif_refrac_recurrent_backward = recurrent_reference.lif_refrac_recurrent_backward
izhikevich_recurrent_forward = recurrent_izhikevich_reference.izhikevich_recurrent_forward
izhikevich_recurrent_backward = recurrent_izhikevich_reference.izhikevich_recurrent_backward

COBA_LIF_RECURRENT_FORWARD_ARGS = (
    "xe", "xi", "we", "wi", "z0", "v0", "ge0", "gi0", "de", "di", "k", "gl", "vr", "ee", "ei",
    "v_th", "v_reset", "subtract", "keep_states",
)  # fmt: skip
"""Positional arguments of a ``norse::coba_lif_recurrent_sequence`` kernel."""

COBA_LIF_RECURRENT_BACKWARD_ARGS = (
    "g_z", "g_v", "g_ge", "g_gi", "s", "z", "z0", "u", "v0", "ej", "ij", "we", "wi", "de", "di",
    "k", "gl", "ee", "ei", "v_th", "v_reset", "subtract", "need_w", "need_parameters",
)  # fmt: skip
"""Positional arguments of a ``norse::coba_lif_recurrent_backward`` kernel."""

coba_lif_recurrent_forward = recurrent_coba_reference.coba_lif_recurrent_forward
coba_lif_recurrent_backward = recurrent_coba_reference.coba_lif_recurrent_backward
lif_adex_recurrent_forward = recurrent_adex_reference.lif_adex_recurrent_forward
lif_adex_recurrent_backward = recurrent_adex_reference.lif_adex_recurrent_backward


def compatible(version: str) -> bool:
    """Whether a kernel written for contract ``version`` can serve this core."""
    return str(version).split(".")[0] == CONTRACT_VERSION.split(".")[0]


def takes_need_parameters(version: str) -> bool:
    """Whether a recurrent LIF, LSNN or refractory LIF backward kernel written for contract
    ``version`` takes the ``need_parameters`` argument (1.2 or a later 1.x)."""
    _, _, minor = str(version).partition(".")
    return compatible(version) and int(minor or 0) >= 2


def inline_surrogates(version: str) -> bool:
    """Whether a kernel written for contract ``version`` takes the ``surrogate`` argument."""
    _, _, minor = str(version).partition(".")
    return compatible(version) and int(minor or 0) >= 1
