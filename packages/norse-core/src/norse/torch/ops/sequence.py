"""User-facing entry point of the fused leaky op: argument checks and broadcasting.

:func:`leaky_sequence` runs ``norse::leaky_sequence`` on a whole time sequence. Neuron
modules call it with coefficients computed from their parameters (so that gradients reach
time constants and voltages through ordinary autograd); the equations are in
:mod:`norse.torch.ops._reference`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse import plugins
from norse.torch.ops import _library

__all__ = ["RESETS", "leaky_sequence", "memory_order", "surrogate_alpha"]

RESETS = ("value", "subtract")
"""Accepted values of ``reset``: to ``v_reset``, or subtraction of ``v_th``."""

Coefficient = Tensor | float


def _as_step_tensor(name: str, value: Coefficient, like: Tensor) -> Tensor:
    """``value`` as a tensor of ``like``'s dtype/device, broadcast (as a view) to its shape."""
    tensor = torch.as_tensor(value, dtype=like.dtype, device=like.device)
    if not tensor.is_floating_point():
        raise TypeError(f"{name} must be floating point, got {tensor.dtype}")
    if tensor.shape == like.shape:
        return tensor
    # Broadcasts to like's shape without enlarging it: every trailing dimension is 1 or equal.
    # (Checked directly: torch.broadcast_shapes costs more than the rest of a small call.)
    fits = tensor.dim() <= like.dim() and all(
        size in (1, target) for size, target in zip(reversed(tensor.shape), reversed(like.shape))
    )
    if not fits:
        raise ValueError(
            f"{name} of shape {tuple(tensor.shape)} does not broadcast to the step shape "
            f"{tuple(like.shape)} without enlarging it"
        )
    return tensor.expand(like.shape)


def memory_order(input_tensor: Tensor) -> list[int] | None:
    """The dimension order in which a time-major sequence lies in memory, if not its own.

    A sequence whose steps are dense in another order (``channels_last`` frames, as a
    convolution on such frames returns) gives that order, time first: ``input_tensor.permute(
    order)`` is contiguous. The fused ops run on that view and permute their results back,
    so that the outputs keep the input's memory format, as PyTorch's elementwise ops do,
    instead of a copy into the default one. None for a contiguous sequence, or one that is
    not dense in any order with time outermost (the op then copies it).
    """
    if input_tensor.is_contiguous():
        return None
    order = [0, *sorted(range(1, input_tensor.dim()), key=lambda d: -input_tensor.stride(d))]
    return order if input_tensor.permute(order).is_contiguous() else None


def in_memory_order(
    order: list[int] | None, input_tensor: Tensor, step_tensors: list[Tensor | None]
) -> tuple[Tensor, list[Tensor | None]]:
    """``input_tensor`` and the step-shaped tensors permuted to ``order`` (see
    :func:`memory_order`); unchanged for None."""
    if order is None:
        return input_tensor, step_tensors
    step_order = [d - 1 for d in order[1:]]
    return input_tensor.permute(order), [
        None if t is None else t.permute(step_order) for t in step_tensors
    ]


def from_memory_order(order: list[int] | None, tensors: tuple) -> tuple:
    """Results of a fused op on a sequence permuted to ``order``, permuted back (sequences
    and steps alike; None stays None)."""
    if order is None:
        return tensors
    inverse = [order.index(d) for d in range(len(order))]
    step_inverse = [order[1:].index(d + 1) for d in range(len(order) - 1)]
    return tuple(
        None if t is None else t.permute(inverse if t.dim() == len(order) else step_inverse)
        for t in tensors
    )


def surrogate_alpha(method: str, alpha: Tensor | float | None) -> Tensor:
    """The surrogate's sharpness as the fused ops take it: a 0-dim float64 tensor, no gradient.

    ``alpha = None`` means the registered surrogate's ``default_alpha``, as in the step
    functions (:func:`norse.torch.functional.threshold.threshold`).

    Raises:
        ValueError: ``method`` is not a registered surrogate (the message lists them), or
            ``alpha`` has more than one element.
    """
    if alpha is None:
        alpha = plugins.get("surrogates", method).default_alpha
    alpha_t = torch.as_tensor(alpha, dtype=torch.float64)
    if alpha_t.numel() != 1:
        raise ValueError(
            f"alpha must be a number or a 1-element tensor, got shape {tuple(alpha_t.shape)}"
        )
    return alpha_t.detach().reshape(())


def leaky_sequence(
    input_tensor: Tensor,
    v: Coefficient,
    i: Coefficient | None,
    *,
    p: Coefficient,
    q: Coefficient,
    o: Coefficient,
    r: Coefficient | None = None,
    v_th: Coefficient = 1.0,
    v_reset: Coefficient = 0.0,
    spiking: bool = True,
    reset: str = "value",
    method: str = "super",
    alpha: Tensor | float | None = 100.0,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Run the fused leaky recursion over a time-major sequence.

    With ``d_t = x_t`` (``i is None``) or ``d_t = i_{t-1} + x_t``, ``i_t = r d_t``::

        u_t = p v_{t-1} + q d_t + o ;  z_t = H(u_t - v_th) ;  v_t = reset(u_t, z_t)

    Args:
        input_tensor: ``x`` of shape ``(T, B, ...)`` with ``T >= 1``, floating point (float16,
            bfloat16, float32 or float64; states and coefficients are cast to its dtype).
        v: initial voltage, broadcastable to one step ``(B, ...)``.
        i: initial synaptic current (same rules), or None for models without one.
        p, q, o, r: coefficients (scalars or tensors broadcastable to a step).
        v_th, v_reset: threshold and reset voltage (broadcastable to a step).
        spiking: if False, no threshold: the output is ``v`` and there is no reset.
        reset: ``"value"`` (``v = v_reset`` after a spike) or ``"subtract"`` (``v -= v_th``).
        method: registered surrogate name used for ``dz/du`` in the backward pass.
        alpha: the surrogate's sharpness, a number or 1-element tensor (no gradient); None
            for the surrogate's default.

    Raises:
        TypeError: ``input_tensor`` is not a floating-point tensor, or a coefficient is not
            floating point.
        ValueError: ``input_tensor`` has fewer than 2 dimensions or no time step, a
            coefficient or state does not broadcast to one step, ``alpha`` has more than one
            element, ``reset`` is unknown, or only one of ``i`` and ``r`` is given.

    Returns:
        ``(out, v_T, i_T)``: ``z`` (spiking) or ``v`` (not) of shape ``(T, B, ...)``, and
        the final voltage and current (None without a current).
    """
    if not isinstance(input_tensor, Tensor):
        raise TypeError(f"input_tensor must be a torch.Tensor, got {type(input_tensor).__name__}")
    if not input_tensor.is_floating_point():
        raise TypeError(f"input_tensor must be floating point, got {input_tensor.dtype}")
    if input_tensor.dim() < 2:
        raise ValueError(
            f"input_tensor must have shape (T, B, ...), got {tuple(input_tensor.shape)}"
        )
    if input_tensor.shape[0] == 0:
        raise ValueError(
            f"input_tensor must have at least one time step, got shape {tuple(input_tensor.shape)}"
        )
    alpha_t = surrogate_alpha(method, alpha)
    if reset not in RESETS:
        raise ValueError(f"reset must be one of {RESETS}, got {reset!r}")
    if (i is None) != (r is None):
        raise ValueError("i and r must both be given (a model with a current) or both be None")
    step = input_tensor[0]
    args = {
        name: _as_step_tensor(name, value, step)
        for name, value in (
            ("v", v),
            ("p", p),
            ("q", q),
            ("o", o),
            ("v_th", v_th),
            ("v_reset", v_reset),
        )
    }
    args["i"] = _as_step_tensor("i", i, step) if i is not None else None
    args["r"] = _as_step_tensor("r", r, step) if r is not None else None
    names = ("v", "i", "p", "q", "o", "r", "v_th", "v_reset")
    order = memory_order(input_tensor)
    x, steps = in_memory_order(order, input_tensor, [args[name] for name in names])
    result = _library.leaky_sequence(x, *steps, spiking, reset == "subtract", method, alpha_t)
    out, _, v_final, i_final = result
    return from_memory_order(order, (out, v_final, i_final if i is not None else None))
