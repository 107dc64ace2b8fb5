"""Integrate-and-fire (IAF) neuron: no leak, no time constant.

One step: ``v = v + x`` (recurrent: ``+ x @ W_in.T + z @ W_rec.T``; ``dt`` is accepted for a
uniform signature and unused, as in Norse), ``z = threshold(v - v_th, method, alpha)``,
``v_new = reset_method(z, v, v_reset, v_th)``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.functional._step import recurrent_jump, spike_and_reset
from norse.torch.functional.reset import ResetMethod, reset_value

__all__ = [
    "IAFFeedForwardState",
    "IAFParameters",
    "IAFState",
    "iaf_feed_forward_step",
    "iaf_step",
]


class IAFParameters(NamedTuple):
    """Parameters of an IAF neuron (Norse 1.x fields and defaults, then ``reset_method``).

    Attributes:
        v_th: threshold (default 1). v_reset: reset potential (default 0).
        method: surrogate gradient name (default ``"super"``). alpha: sharpness (100).
        reset_method: ``reset_value`` (default) or ``reset_subtract``.
    """

    v_th: Tensor | float = torch.as_tensor(1.0)
    v_reset: Tensor | float = torch.as_tensor(0.0)
    method: str = "super"
    alpha: Tensor | float = torch.as_tensor(100.0)
    reset_method: ResetMethod = reset_value


DEFAULT_IAF_PARAMETERS = IAFParameters()
"""``IAFParameters()``, the default of the IAF functions and modules."""


class IAFState(NamedTuple):
    """State of a recurrent IAF neuron: last spikes ``z`` and voltage ``v``."""

    z: Tensor
    v: Tensor


class IAFFeedForwardState(NamedTuple):
    """State of a feed-forward IAF neuron: voltage ``v``."""

    v: Tensor


def iaf_feed_forward_step(
    input_tensor: Tensor,
    state: IAFFeedForwardState,
    p: IAFParameters = DEFAULT_IAF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, IAFFeedForwardState]:
    """One IAF step: input ``(B, ...)`` to ``(z, IAFFeedForwardState(v_new))``."""
    v = state.v + input_tensor
    z, v_new = spike_and_reset(v, p.v_th, p)
    return z, IAFFeedForwardState(v=v_new)


def iaf_step(
    input_tensor: Tensor,
    state: IAFState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: IAFParameters = DEFAULT_IAF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, IAFState]:
    """One recurrent IAF step: input ``(B, I)``, weights ``(H, I)``, ``(H, H)``; output ``(B, H)``."""
    v = recurrent_jump(state.v, input_tensor, state.z, input_weights, recurrent_weights)
    z, v_new = spike_and_reset(v, p.v_th, p)
    return z, IAFState(z=z, v=v_new)
