"""Logic on spike (bit) vectors, Norse 1.x's ``norse.torch.functional.logical``.

Inputs are tensors of 0s and 1s of one shape; outputs have that shape.
"""

from __future__ import annotations

from torch import Tensor

from norse.torch.functional.threshold import super_fn

__all__ = ["logical_and", "logical_or", "logical_xor"]


def logical_and(x: Tensor, y: Tensor) -> Tensor:
    """``x AND y`` as ``x * y``."""
    return x * y


def logical_xor(x: Tensor, y: Tensor) -> Tensor:
    """``x XOR y`` as ``|x - y|``."""
    return (x - y).abs()


def logical_or(x: Tensor, y: Tensor, alpha: float = 100.0) -> Tensor:
    """``x OR y`` as ``H(x + y)`` with the SuperSpike surrogate gradient (``alpha``)."""
    return super_fn(x + y, alpha)


def muller_c(y_prev: Tensor, x_1: Tensor, x_2: Tensor) -> Tensor:
    """Next state of a Muller C-element: ``x_1`` when ``x_1 == x_2``, else ``y_prev``.

    Computed as ``x_1 x_2 + y_prev (x_1 XOR x_2)``.
    """
    return x_1 * x_2 + y_prev * logical_xor(x_1, x_2)


def posedge_detector(z: Tensor, z_prev: Tensor) -> Tensor:
    """1 where a bit rose from 0 (``z_prev``) to 1 (``z``): ``z (1 - z_prev)``."""
    return z * (1 - z_prev)
