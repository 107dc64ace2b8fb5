"""Norse 1.x's import path and argument names of :func:`exp_filter_step`."""

from __future__ import annotations

from torch import Tensor

from norse.torch.functional import decode

__all__ = ["exp_filter_step"]


def exp_filter_step(old_value: Tensor, new_value: Tensor, parameter: float | Tensor) -> Tensor:
    """One step of an exponential filter: ``parameter * old_value + new_value``.

    ``parameter`` is the per-step decay ``exp(-dt * tau_filter_inv)``; the same function as
    :func:`norse.torch.functional.decode.exp_filter_step`, with Norse 1.x's argument names.
    """
    return decode.exp_filter_step(old_value, new_value, parameter)
