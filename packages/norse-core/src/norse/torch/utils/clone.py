"""``clone_tensor``: a fresh tensor from a tensor or a number (Norse 1.x's helper)."""

from __future__ import annotations

from numbers import Number

import torch
from torch import Tensor

__all__ = ["clone_tensor"]


def clone_tensor(x: Tensor | Number, device: str | torch.device | None = None) -> Tensor:
    """A new tensor holding ``x``: ``x.clone()`` (detached from nothing) for a tensor, a 0-d
    tensor of the default dtype for a number; moved to ``device`` when it is given.

    Raises:
        TypeError: if ``x`` is neither a tensor nor a number.
    """
    if isinstance(x, Tensor):
        out = x.clone()
    elif isinstance(x, Number) and not isinstance(x, bool):
        out = torch.as_tensor(x, dtype=torch.get_default_dtype())
    else:
        raise TypeError(f"x must be a tensor or a number, got {type(x).__name__}")
    return out if device is None else out.to(device)
