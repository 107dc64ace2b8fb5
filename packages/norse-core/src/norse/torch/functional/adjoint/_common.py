"""Shared checks and helpers of the adjoint steps."""

from __future__ import annotations

import torch
from torch import Tensor

from norse import plugins
from norse.torch.functional.reset import reset_value


def check_supported(p, owner: str) -> None:
    """The adjoint steps implement Euler integration with reset to a value only."""
    if getattr(p, "integrator", "euler") != "euler":
        raise ValueError(
            f"{owner}: the adjoint step supports integrator='euler' only, got {p.integrator!r}"
        )
    if getattr(p, "reset_method", reset_value) is not reset_value:
        raise ValueError(f"{owner}: the adjoint step supports reset_method=reset_value only")


def surrogate(x: Tensor, method: str, alpha) -> Tensor:
    """The registered surrogate derivative of ``method`` at ``x`` (0 for ``heaviside``)."""
    derivative = plugins.get("surrogates", method).derivative
    return x * 0 if derivative is None else derivative(x, alpha)


def reduce_to(grad: Tensor, shape: torch.Size) -> Tensor:
    """``grad`` summed over the dimensions along which a tensor of ``shape`` was broadcast."""
    return grad if grad.shape == shape else grad.sum_to_size(shape)


def save_step(ctx, saved: tuple[Tensor, ...], p, dt: float, inputs: tuple[Tensor, ...]) -> None:
    """Stores what every adjoint backward reads: ``saved`` tensors, ``p``, ``dt`` and the
    shapes of the tensor ``inputs`` of ``forward`` (for :func:`input_gradients`)."""
    ctx.save_for_backward(*saved)
    ctx.p, ctx.dt = p, dt
    ctx.shapes = tuple(t.shape for t in inputs)


def incoming(grads: tuple[Tensor | None, ...], like: Tensor) -> tuple[Tensor, ...]:
    """The backward's incoming gradients with ``None`` (an unused output) as zeros of ``like``."""
    return tuple(torch.zeros_like(like) if g is None else g for g in grads)


def input_gradients(ctx, *grads: Tensor) -> tuple[Tensor | None, ...]:
    """``grads`` reduced to the saved input shapes, then ``None`` for ``p`` and ``dt``."""
    return (*(reduce_to(g, shape) for g, shape in zip(grads, ctx.shapes, strict=True)), None, None)
