"""Pieces shared by the neuron steps: the recurrent input jump and the threshold-and-reset."""

from __future__ import annotations

import torch
from torch import Tensor

from norse.torch.functional.threshold import threshold


def weighted(x: Tensor, weights: Tensor) -> Tensor:
    """``x @ weights.T`` for a dense or a sparse (COO) ``x`` of shape ``(B, in)``."""
    if x.is_sparse:
        return torch.sparse.mm(x, weights.t())
    return torch.nn.functional.linear(x, weights)


def recurrent_jump(
    y: Tensor, x: Tensor, z: Tensor, input_weights: Tensor, recurrent_weights: Tensor
) -> Tensor:
    """``y + x @ input_weights.T + z @ recurrent_weights.T``: a recurrent layer's input added
    to ``y`` (its current or voltage); ``x`` ``(B, I)`` and ``z`` ``(B, H)`` dense or sparse."""
    return y + weighted(x, input_weights) + weighted(z, recurrent_weights)


def spike_and_reset(
    v_dec: Tensor, v_th: Tensor | float, p, detach: bool = False
) -> tuple[Tensor, Tensor]:
    """``z = threshold(v_dec - v_th, p.method, p.alpha)`` and ``v_new = p.reset_method(z,
    v_dec, p.v_reset, v_th)``; ``detach`` resets with ``z.detach()`` (the recurrent steps).

    Serves every model whose parameters carry ``method``, ``alpha``, ``v_reset`` and
    ``reset_method``. Returns ``(z, v_new)``.
    """
    z = threshold(v_dec - v_th, p.method, p.alpha)
    return z, p.reset_method(z.detach() if detach else z, v_dec, p.v_reset, v_th)
