r"""Multi-compartment LIF modules: :class:`LIFMCRecurrentCell` (Norse 1.x) and
:class:`LIFMCRefracRecurrentCell`.

The dynamics are :func:`~norse.torch.functional.lif_mc.lif_mc_step` and
:func:`~norse.torch.functional.lif_mc_refrac.lif_mc_refrac_step`: recurrent LIF (or
refractory LIF) layers whose voltages are coupled by a learnable matrix ``g_coupling``
``(H, H)``, by default ``randn(H, H) / sqrt(H)``. The cells are built on
:class:`~norse.torch.module.snn.NeuronRecurrentCell` (parameters as buffers, validation,
initial state ``v = v_leak``) and pass ``g_coupling`` to the step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from norse.hookspecs import NeuronSpec
from norse.torch.functional._integration import as_float_input
from norse.torch.functional.lif import LIFFeedForwardState, LIFParameters, LIFState
from norse.torch.functional.lif_mc import lif_mc_feed_forward_step, lif_mc_step
from norse.torch.functional.lif_mc_refrac import (
    lif_mc_refrac_feed_forward_step,
    lif_mc_refrac_step,
)
from norse.torch.functional.lif_refrac import (
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    LIFRefracState,
)
from norse.torch.module.snn import NeuronRecurrentCell

__all__ = ["LIFMCRecurrentCell", "LIFMCRefracRecurrentCell"]

_MC = NeuronSpec(
    name="lif_mc",
    description="Multi-compartment LIF neuron (voltages coupled by g_coupling)",
    parameters=LIFParameters,
    state=LIFState,
    feed_forward_state=LIFFeedForwardState,
    feed_forward_step=lif_mc_feed_forward_step,
    step=lif_mc_step,
    initial_state={"v": "v_leak"},
    current_fields=("i",),
)

_MC_REFRAC = NeuronSpec(
    name="lif_mc_refrac",
    description="Multi-compartment LIF neuron with an absolute refractory period",
    parameters=LIFRefracParameters,
    state=LIFRefracState,
    feed_forward_state=LIFRefracFeedForwardState,
    feed_forward_step=lif_mc_refrac_feed_forward_step,
    step=lif_mc_refrac_step,
    initial_state={"lif.v": "lif.v_leak"},
    voltage_fields=("lif.v",),
    current_fields=("lif.i",),
)


class _CoupledCell(NeuronRecurrentCell):
    """A recurrent cell whose step takes the coupling matrix after the weights."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: NamedTuple | None = None,
        g_coupling: Tensor | None = None,
        *,
        trainable: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(input_size, hidden_size, p, trainable=trainable, **kwargs)
        if g_coupling is None:
            g_coupling = torch.randn(hidden_size, hidden_size) / math.sqrt(hidden_size)
        elif tuple(g_coupling.shape) != (hidden_size, hidden_size):
            raise ValueError(
                f"g_coupling must have shape {(hidden_size, hidden_size)} (hidden_size, "
                f"hidden_size), got {tuple(g_coupling.shape)}"
            )
        self.g_coupling = nn.Parameter(torch.as_tensor(g_coupling).detach().clone())

    def forward(self, input_tensor: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """One step: input ``(B, I)`` to ``(z (B, H), new state)``."""
        input_tensor = as_float_input(input_tensor)
        neuron_shape = self._check_features(input_tensor)
        state = self._prepare(input_tensor, state, neuron_shape)
        w_in, w_rec = self.weights(input_tensor.dtype)
        g = self.g_coupling.to(input_tensor.dtype)
        return self.spec.step(input_tensor, state, w_in, w_rec, g, self.p, self.dt)


class LIFMCRecurrentCell(_CoupledCell, spec=_MC):
    r"""One step of a recurrent multi-compartment LIF layer (:func:`lif_mc_step`).

    The LIF step of :class:`~norse.torch.module.lif.LIFRecurrentCell`, then
    ``v \leftarrow v + dt\, v\, g_{coupling}^T``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LIFParameters` (default ``LIFParameters()``).
        g_coupling: initial coupling ``(H, H)`` (default ``randn(H, H) / sqrt(H)``); an
            ``nn.Parameter`` of the module.
        input_weights, recurrent_weights, autapses, dt, trainable: as
            :class:`~norse.torch.module.lif.LIFRecurrentCell` (keywords).

    ``forward(input_tensor (B, I), state=None) -> (z (B, H), LIFState)``.
    """


class LIFMCRefracRecurrentCell(_CoupledCell, spec=_MC_REFRAC):
    r"""One step of a recurrent multi-compartment refractory LIF layer
    (:func:`~norse.torch.functional.lif_mc_refrac.lif_mc_refrac_step`, Norse 1.x's order: the
    input enters the current after the spike).

    Args: as :class:`LIFMCRecurrentCell`, with ``p`` a :class:`LIFRefracParameters`.

    ``forward(input_tensor (B, I), state=None) -> (z (B, H), LIFRefracState)``.
    """
