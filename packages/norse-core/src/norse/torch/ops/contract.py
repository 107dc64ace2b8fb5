"""The kernel contract: what a device kernel of a fused sequence op implements (version 1).

A plugin registers kernels through the ``norse_register_kernels`` hook as
``KernelSpec(op, device, impl, description, contract=CONTRACT_VERSION)``. This module is the
whole public surface such a plugin needs: the ops' signatures and gradient names, the rules
below, and the reference implementations (:func:`leaky_forward`, :func:`leaky_backward`) to
delegate to or compare against. :func:`norse.testing.check_leaky_kernels` checks a kernel
against the reference. Plugins import nothing else from ``norse.torch.ops``.

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
``s`` is the surrogate derivative ``s(u_t - v_th)`` at every step, shape ``(T, *S)``, computed
by the core from the registered surrogate (None: zero, the plain Heaviside; always None for
non-spiking models): a kernel contains no surrogate formula, so every surrogate, a plugin's
included, runs on every kernel. The backward is the exact adjoint of the recursion written as
``v_t = u_t - z_t (u_t - v_reset)`` (value) or ``v_t = u_t - z_t v_th`` (subtract), with
``dz_t/du_t`` replaced by ``s_t`` (the reference's module docstring gives the equations).

**Tensor rules.** Every tensor argument is on the device the kernel was registered for and
has ``x``'s dtype (float16, bfloat16, float32 or float64). Step tensors (``v0``, ``i0``, the
coefficients) have shape ``S`` but may be expanded views (stride 0); they are never written.
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

from norse.torch.ops._reference import GRAD_NAMES, leaky_backward, leaky_forward

__all__ = [
    "CONTRACT_VERSION",
    "LEAKY_BACKWARD_ARGS",
    "LEAKY_FORWARD_ARGS",
    "LEAKY_GRAD_NAMES",
    "compatible",
    "leaky_backward",
    "leaky_forward",
]

CONTRACT_VERSION = "1.0"
"""The kernel contract this core implements (``"MAJOR.MINOR"``)."""

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
"""Positional arguments of a ``norse::leaky_sequence_backward`` kernel."""

LEAKY_GRAD_NAMES = GRAD_NAMES
"""The inputs of the leaky op that the backward returns gradients for, in order."""


def compatible(version: str) -> bool:
    """Whether a kernel written for contract ``version`` can serve this core."""
    return str(version).split(".")[0] == CONTRACT_VERSION.split(".")[0]
