"""Multi-compartment LIF: LIF neurons whose voltages are coupled by a matrix ``g_coupling``.

Norse 1.x's order (kept here):

- recurrent :func:`lif_mc_step`: the LIF step (:func:`~norse.torch.functional.lif.lif_step`),
  then ``v <- v + dt * v @ g_coupling.T`` on the new (reset) voltage;
- feed-forward :func:`lif_mc_feed_forward_step`: ``v <- v + dt * v @ g_coupling.T`` first,
  then the LIF feed-forward step.

``g_coupling`` is ``(H, H)``: ``g_coupling[j, k]`` is the rate at which compartment ``k``'s
voltage drives compartment ``j``.
"""

from __future__ import annotations

from torch import Tensor
from torch.nn.functional import linear

from norse.torch.functional.lif import (
    DEFAULT_LIF_PARAMETERS,
    LIFFeedForwardState,
    LIFParameters,
    LIFState,
    lif_feed_forward_step,
    lif_step,
)

__all__ = ["lif_mc_feed_forward_step", "lif_mc_step"]


def _coupled(v: Tensor, g_coupling: Tensor, dt: float) -> Tensor:
    """``v + dt * v @ g_coupling.T``: one Euler step of the compartment coupling."""
    return v + dt * linear(v, g_coupling)


def lif_mc_step(
    input_tensor: Tensor,
    state: LIFState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    g_coupling: Tensor,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFState]:
    """One recurrent step: :func:`lif_step`, then ``v += dt * v @ g_coupling.T``.

    Shapes: input ``(B, I)``, weights ``(H, I)``, ``(H, H)``, ``g_coupling`` ``(H, H)``,
    state fields ``(B, H)``. Returns ``(z, LIFState(z, v, i))``.
    """
    z, s = lif_step(input_tensor, state, input_weights, recurrent_weights, p, dt)
    return z, LIFState(z=z, v=_coupled(s.v, g_coupling, dt), i=s.i)


def lif_mc_feed_forward_step(
    input_tensor: Tensor,
    state: LIFFeedForwardState,
    g_coupling: Tensor,
    p: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFFeedForwardState]:
    """One feed-forward step: ``v += dt * v @ g_coupling.T``, then
    :func:`lif_feed_forward_step` with the input current ``(B, H)``."""
    v = _coupled(state.v, g_coupling, dt)
    return lif_feed_forward_step(input_tensor, LIFFeedForwardState(v, state.i), p, dt)
