"""``lift``: run a step function over the time dimension (Norse 1.x's functional lift)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

__all__ = ["lift"]


class _Lifted:
    """``activation`` applied at every step of dim 0; built by :func:`lift` (picklable when
    ``activation`` and ``p`` are)."""

    def __init__(self, activation: Callable[..., tuple[Any, Any]], p: Any = None) -> None:
        self.activation = activation
        self.p = p

    def __call__(self, input_tensor: Tensor, **kwargs: Any) -> tuple[Tensor, Any]:
        if not isinstance(input_tensor, Tensor) or input_tensor.dim() < 1:
            raise ValueError(
                "input_tensor must be a time-major tensor (T, ...), got "
                f"{getattr(input_tensor, 'shape', type(input_tensor).__name__)}"
            )
        state = kwargs.pop("state", None)
        if self.p is not None:
            kwargs["p"] = self.p
        outputs = []
        for x in input_tensor:
            out, state = self.activation(x, state=state, **kwargs)
            outputs.append(out)
        return torch.stack(outputs), state

    def __repr__(self) -> str:
        return f"lift({getattr(self.activation, '__name__', self.activation)!s})"


def lift(activation: Callable[..., tuple[Any, Any]], p: Any = None) -> _Lifted:
    """``activation`` lifted over time: the returned callable loops it over dim 0.

    Args:
        activation: a step function ``activation(x, state=..., [p=...], **kwargs) -> (out,
            state)``, e.g. :func:`~norse.torch.functional.lif.lif_feed_forward_step`.
        p: parameters passed as ``p=`` at every step (not passed when None).

    The result ``f(input_tensor, state=None, **kwargs)`` takes ``(T, ...)`` input, threads
    the state through the steps (``state`` is the initial state), passes ``kwargs`` (e.g.
    ``dt``) to every call and returns ``(outputs stacked to (T, ...), final state)``.

    Example::

        f = lift(lif_feed_forward_step, p=LIFParameters())
        z, state = f(torch.ones(10, 2), state=LIFFeedForwardState(torch.zeros(2), torch.zeros(2)))
    """
    if not callable(activation):
        raise TypeError(f"activation must be callable, got {type(activation).__name__}")
    return _Lifted(activation, p)
