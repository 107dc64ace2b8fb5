"""Membrane resets after a spike.

A reset method is a callable ``reset(z, v, reset, th) -> v_new`` with spikes ``z`` (0 or 1),
membrane voltage ``v``, reset voltage ``reset`` and threshold ``th`` (all broadcastable).
Spiking models take one in their parameters' ``reset_method`` field (default
:func:`reset_value`). Gradients flow through ``z`` (and so through the surrogate).
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

__all__ = ["ResetMethod", "reset_subtract", "reset_value"]

ResetMethod = Callable[[Tensor, Tensor, "Tensor | float", "Tensor | float"], Tensor]
"""Signature of a reset method: ``(z, v, reset, th) -> v_new``."""


def reset_value(z: Tensor, v: Tensor, reset: Tensor | float, th: Tensor | float) -> Tensor:
    """Reset to a value: ``v_new = (1 - z) * v + z * reset`` (``th`` is unused)."""
    return (1 - z) * v + z * reset


def reset_subtract(z: Tensor, v: Tensor, reset: Tensor | float, th: Tensor | float) -> Tensor:
    """Reset by subtraction: ``v_new = (1 - z) * v + z * (v - th)`` (``reset`` is unused).

    As in Norse, the threshold itself is subtracted, so the overshoot ``v - th`` is kept.
    """
    return (1 - z) * v + z * (v - th)
