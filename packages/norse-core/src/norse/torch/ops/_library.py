"""The ``torch.library`` custom ops: ``norse::leaky_sequence`` and its backward.

Forward and backward are separate custom ops, so that ``torch.compile`` treats each as one
graph node and a device kernel can replace either (see :mod:`norse.torch.ops._registry`).
The autograd formula connecting them is registered with ``torch.library.register_autograd``.
Only first derivatives are supported (the backward op is not itself differentiable).
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse import plugins
from norse.torch.ops import _registry
from norse.torch.ops._define import custom_op
from norse.torch.ops._reference import GRAD_NAMES, Surrogate
from norse.torch.ops.contract import inline_surrogates

_FORWARD = "norse::leaky_sequence"
_BACKWARD = "norse::leaky_sequence_backward"


@custom_op(_FORWARD)
def leaky_sequence(
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
    method: str,
    alpha: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Fused leaky recursion over ``x`` of shape ``(T, *S)``; returns ``(out, u, v_T, i_T)``.

    See :mod:`norse.torch.ops._reference` for the equations. All state and coefficient
    tensors have shape ``S`` and ``x``'s dtype; ``i0``/``r`` are None for models without a
    synaptic current. ``method`` and the 0-dim tensor ``alpha`` select the surrogate used by
    the backward (a tensor, so that a module's ``alpha`` buffer needs no ``.item()`` in a
    compiled graph).
    """
    impl = _registry.select(_FORWARD, x.device.type).impl
    return impl(x, v0, i0, p, q, o, r, v_th, v_reset, spiking, subtract)


@leaky_sequence.register_fake
def _(x, v0, i0, p, q, o, r, v_th, v_reset, spiking, subtract, method, alpha):
    out = torch.empty_like(x)
    u = torch.empty_like(x) if spiking else x.new_empty(0)
    i = torch.empty_like(v0) if i0 is not None else x.new_empty(0)
    return out, u, torch.empty_like(v0), i


@custom_op(_BACKWARD)
def leaky_sequence_backward(
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
    method: str | None = None,
    alpha: Tensor | None = None,
) -> list[Tensor]:
    """Gradients of ``norse::leaky_sequence`` for the inputs named in ``GRAD_NAMES``.

    ``method`` and ``alpha`` name the surrogate (the autograd formula passes them, with ``s``
    None). A kernel of contract 1.1 gets a surrogate with an expression as a
    :class:`~norse.torch.ops.contract.Surrogate` to evaluate inline; otherwise the derivative
    of every step is computed here in PyTorch and passed as ``s`` (see
    :mod:`norse.torch.ops.contract`). Without ``method``, ``s`` is the derivative of every
    step (None: zero), as graphs compiled by earlier versions pass it. Returns one tensor per
    name: the gradient (shape of ``x`` for ``x``, ``S`` otherwise) where ``needs`` is True, an
    empty tensor where it is False.
    """
    choice = _registry.select(_BACKWARD, u.device.type)
    inline = inline_surrogates(choice.contract)
    surrogate = None
    if spiking and method is not None:
        spec = plugins.get("surrogates", method)
        if spec.derivative is not None and inline and spec.expression is not None:
            surrogate = Surrogate(method, spec.expression, float(alpha))
        elif spec.derivative is not None:
            s = surrogate_derivative(u, v_th, method, alpha)
    args = (g_out, g_v, g_i, x, u, v0, i0, p, q, r, v_th, v_reset, s, spiking, subtract, needs)
    grads = choice.impl(*args, surrogate) if inline else choice.impl(*args)
    return [g if g is not None else u.new_empty(0) for g in grads]


@leaky_sequence_backward.register_fake
def _(g_out, g_v, g_i, x, u, v0, i0, p, q, r, v_th, v_reset, s, spiking, subtract, needs, *_):
    grads = []
    for name, need in zip(GRAD_NAMES, needs):
        if not need:
            grads.append(u.new_empty(0))
        elif name == "x":
            grads.append(torch.empty_like(u))
        else:
            grads.append(torch.empty_like(v0))
    return grads


SURROGATE_CHUNK_ELEMENTS = 1 << 18
"""The surrogate derivative is evaluated over this many elements at a time (1 MiB of float32),
so that its temporaries stay in the cache instead of each being a fresh full-size tensor."""


def surrogate_derivative(u: Tensor, v_th: Tensor, method: str, alpha: Tensor) -> Tensor | None:
    """``s(u_t - v_th; alpha)`` of every step with the registered surrogate ``method``.

    The registry's own derivative (a plugin's surrogate included) is the one definition; it
    is called on chunks of :data:`SURROGATE_CHUNK_ELEMENTS` elements (one call when compiled,
    where the compiler fuses it). Returns a tensor in ``u``'s dtype, or None for a surrogate
    without a derivative (the plain Heaviside).
    """
    derivative = plugins.get("surrogates", method).derivative
    if derivative is None:
        return None
    if torch.compiler.is_compiling():
        return derivative(u - v_th, alpha).to(u.dtype)
    s = torch.empty_like(u)
    chunk = max(1, SURROGATE_CHUNK_ELEMENTS // max(1, u[0].numel()))
    for t0 in range(0, u.shape[0], chunk):
        part = s[t0 : t0 + chunk]
        torch.sub(u[t0 : t0 + chunk], v_th, out=part)
        part.copy_(derivative(part, alpha))
    return s


def _setup_context(ctx, inputs, output):
    x, v0, i0, p, q, _o, r, v_th, v_reset, spiking, subtract, method, alpha = inputs
    out, u, _, _ = output
    ctx.set_materialize_grads(False)
    needs_x = q.requires_grad or (r is not None and r.requires_grad)
    ctx.save_for_backward(
        x if needs_x else None, u if spiking else out, v0, i0, p, q, r, v_th, v_reset, alpha
    )
    ctx.flags = (spiking, subtract, method)


def _backward(ctx, g_out, g_u, g_v, g_i):
    x, u, v0, i0, p, q, r, v_th, v_reset, alpha = ctx.saved_tensors
    spiking, subtract, method = ctx.flags
    needs = [bool(n) for n in ctx.needs_input_grad[: len(GRAD_NAMES)]]
    if i0 is None:
        needs[GRAD_NAMES.index("i0")] = False
        needs[GRAD_NAMES.index("r")] = False
    if not spiking:
        needs[GRAD_NAMES.index("v_th")] = False
        needs[GRAD_NAMES.index("v_reset")] = False
    args = (g_out, g_v, g_i, x, u, v0, i0, p, q, r, v_th, v_reset, None, spiking, subtract)
    grads = leaky_sequence_backward(*args, needs, method, alpha)
    result = [g if need else None for g, need in zip(grads, needs)]
    return (*result, None, None, None, None)


torch.library.register_autograd(_FORWARD, _backward, setup_context=_setup_context)
