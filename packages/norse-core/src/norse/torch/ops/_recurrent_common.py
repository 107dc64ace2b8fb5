"""What every fused recurrent op shares: kernel selection, argument checks, the surrogate
derivative of a whole sequence, the handling of gradients that did not arrive, and the call of
a backward kernel that may skip the sequences only parameter gradients read.

The ops themselves live in :mod:`norse.torch.ops.recurrent` (LIF, LSNN, refractory LIF),
:mod:`~norse.torch.ops.recurrent_adex` (LIFEx, LIFAdEx, LIFAdExRefrac),
:mod:`~norse.torch.ops.recurrent_coba` (CobaLIF) and
:mod:`~norse.torch.ops.recurrent_izhikevich` (Izhikevich).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from norse import plugins
from norse.torch.functional.reset import reset_subtract, reset_value
from norse.torch.ops import _registry, recurrent_cpp
from norse.torch.ops._library import surrogate_derivative
from norse.torch.ops.contract import takes_need_parameters
from norse.torch.ops.sequence import surrogate_alpha


def _select(op: str, device: str) -> Callable[..., Any]:
    """The implementation of ``op`` that serves ``device`` (C++, a plugin's, or the reference)."""
    return _registry.select(op, device).impl


def _run_backward(
    op: str, args: tuple[Any, ...], need_parameters: bool, parameter_outputs: tuple[int, ...]
) -> tuple[Tensor, ...]:
    """Run the kernel that serves the backward recursion ``op`` on ``args`` (its arguments up
    to ``need_w``; the first is the output gradient, on the device that selects the kernel).

    A kernel of contract 1.2 or later also gets ``need_parameters``
    (:func:`norse.torch.ops.contract.takes_need_parameters`) and skips the sequences that only
    parameter gradients read; an older kernel forms them anyway. Either way the results at
    ``parameter_outputs`` are empty tensors where ``need_parameters`` is False (as the op's
    fake kernel says).
    """
    choice = _registry.select(op, args[0].device.type)
    if takes_need_parameters(choice.contract):
        results = tuple(choice.impl(*args, need_parameters))
    else:
        results = tuple(choice.impl(*args))
    if need_parameters:
        return results
    return tuple(r.new_empty(0) if k in parameter_outputs else r for k, r in enumerate(results))


def _or_zeros(g: Tensor | None, like: Tensor) -> Tensor:
    """``g`` contiguous, or zeros like ``like`` for None (a gradient that did not arrive)."""
    return torch.zeros_like(like) if g is None else g.contiguous()


def _or_zeros_strided(g: Tensor | None, like: Tensor) -> Tensor:
    """``g`` as it is (an expanded gradient stays expanded), or zeros for None."""
    return like.new_zeros(()).expand_as(like) if g is None else g


def _surrogate(op: str, method: str, u: Tensor, threshold: Tensor, alpha: Tensor) -> Tensor:
    """The registered surrogate derivative ``s(u - threshold)`` of every step (zero for the
    plain Heaviside; ``threshold`` of the step shape or ``u``'s), computed once for the whole
    sequence: in one pass of generated C++ for a built-in surrogate when the C++ kernel serves
    ``op``'s backward, else by the registered derivative in PyTorch."""
    spec = plugins.get("surrogates", method)
    if spec.derivative is None:
        return torch.zeros_like(u)
    kernel = _select(op, u.device.type)
    if isinstance(kernel, recurrent_cpp.RecurrentCppKernel) and spec.expression is not None:
        if not torch.compiler.is_compiling():
            s = recurrent_cpp.surrogate_values(u, threshold, spec.expression, alpha)
            if s is not None:
                return s
    if threshold.shape == u.shape:
        return surrogate_derivative(u - threshold, u.new_zeros(()), method, alpha)
    return surrogate_derivative(u, threshold, method, alpha)


def _shifted(seq: Tensor, last: Tensor) -> Tensor:
    """``seq[1:]`` followed by ``last``: the value at ``t + 1`` for every step ``t``."""
    return torch.cat([seq[1:], last.unsqueeze(0)])


_RESETS = {reset_value: False, reset_subtract: True}


def _check(input_tensor: Tensor, input_weights: Tensor, recurrent_weights: Tensor) -> int:
    """Check shapes and dtypes; return the number of neurons ``H``."""
    if not isinstance(input_tensor, Tensor) or not input_tensor.is_floating_point():
        raise TypeError("input_tensor must be a floating-point torch.Tensor")
    if input_tensor.dim() != 3:
        raise ValueError(
            f"input_tensor must have shape (T, B, input_size), got {tuple(input_tensor.shape)}"
        )
    h = recurrent_weights.shape[0]
    if recurrent_weights.shape != (h, h):
        raise ValueError(
            f"recurrent_weights must have shape (H, H), got {tuple(recurrent_weights.shape)}"
        )
    if input_weights.shape != (h, input_tensor.shape[-1]):
        raise ValueError(
            f"input_weights must have shape ({h}, {input_tensor.shape[-1]}) (hidden, input), "
            f"got {tuple(input_weights.shape)}"
        )
    return h


def _alpha(alpha: Tensor | float | None, method: str) -> Tensor:
    """``alpha`` as the ops take it (:func:`norse.torch.ops.sequence.surrogate_alpha`: None is
    the surrogate's default)."""
    return surrogate_alpha(method, alpha)


def _keep_current(*coefficients: Tensor) -> bool:
    """Whether the backward needs the current sequence (a coefficient needs a gradient)."""
    return torch.is_grad_enabled() and any(c.requires_grad for c in coefficients)
