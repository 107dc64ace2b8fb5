"""Conductance-based LIF modules.

The dynamics are those of :mod:`norse.torch.functional.coba_lif`. Parameters are registered on
the module (see :mod:`norse.torch.module.snn`); the initial state is ``v = v_rest``,
``g_e = g_i = 0`` (and ``z = 0`` for recurrent models), in the input's dtype and device
(Norse 1.x starts at ``v = 0``, which for the default ``v_rest = -20`` and ``v_thresh = -10``
is above threshold and makes every neuron spike in its first step).

Norse 1.x has only ``CobaLIFCell(input_size, hidden_size, p, dt)``, a recurrent one-step
module; it keeps that name and signature. Added here: the weight-free
:class:`CobaLIFFeedForwardCell` (input is signed synaptic drive), the sequence modules
:class:`CobaLIF` (feed-forward) and :class:`CobaLIFRecurrent`.

Example::

    spikes, state = CobaLIF()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.coba_lif import (
    _DEFAULT_PARAMETERS,
    CobaLIFFeedForwardState,
    CobaLIFParameters,
    CobaLIFState,
    coba_lif_feed_forward_step,
    coba_lif_step,
)
from norse.torch.module.snn import SNN, SNNCell, SNNRecurrent, SNNRecurrentCell, filled_state

__all__ = ["CobaLIF", "CobaLIFCell", "CobaLIFFeedForwardCell", "CobaLIFRecurrent"]


def _feed_forward_state(template: Tensor, p: CobaLIFParameters) -> CobaLIFFeedForwardState:
    shape = template.shape
    return CobaLIFFeedForwardState(
        v=filled_state(p.v_rest, shape, template),
        g_e=filled_state(0.0, shape, template),
        g_i=filled_state(0.0, shape, template),
    )


def _recurrent_state(template: Tensor, hidden_size: int, p: CobaLIFParameters) -> CobaLIFState:
    shape = (*template.shape[:-1], hidden_size)
    return CobaLIFState(
        z=filled_state(0.0, shape, template),
        v=filled_state(p.v_rest, shape, template),
        g_e=filled_state(0.0, shape, template),
        g_i=filled_state(0.0, shape, template),
    )


def _norse_weights(input_size: int, hidden_size: int) -> tuple[Tensor, Tensor]:
    """Norse 1.x's CobaLIFFeedForwardCell initialisation: ``randn / sqrt(fan_in)``."""
    return (
        torch.randn(hidden_size, input_size) / input_size**0.5,
        torch.randn(hidden_size, hidden_size) / hidden_size**0.5,
    )


class CobaLIFFeedForwardCell(SNNCell):
    """One feed-forward CobaLIF step: signed synaptic input ``(B, ...)`` to spikes ``(B, ...)``.

    Args:
        p: :class:`CobaLIFParameters` (default Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, CobaLIFFeedForwardState)``.
    """

    def __init__(
        self,
        p: CobaLIFParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(coba_lif_feed_forward_step, self.initial_state, p, dt, trainable=trainable)

    def initial_state(self, input_tensor: Tensor) -> CobaLIFFeedForwardState:
        """``v = v_rest``, ``g_e = g_i = 0``, shaped like ``input_tensor``."""
        return _feed_forward_state(input_tensor, self.p)


class CobaLIF(SNN):
    """Feed-forward CobaLIF neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Args:
        p: :class:`CobaLIFParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: CobaLIFParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            coba_lif_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> CobaLIFFeedForwardState:
        """``v = v_rest``, ``g_e = g_i = 0``, shaped like one step ``input_tensor[0]``."""
        return _feed_forward_state(input_tensor[0], self.p)


class CobaLIFCell(SNNRecurrentCell):
    """One recurrent CobaLIF step (Norse 1.x's ``CobaLIFCell``): input ``(B, input_size)``
    spikes to output spikes ``(B, hidden_size)``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`CobaLIFParameters`.
        dt: time step in s (default 0.001), fourth as in Norse 1.x.
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)``; default
            Norse 1.x's ``randn(H, I) / sqrt(I)`` and ``randn(H, H) / sqrt(H)``.
        autapses: allow self-connections (default True: Norse 1.x's CobaLIFCell does).
        trainable: parameter fields to make ``nn.Parameter``\\ s.

    Unlike Norse 1.x, the input reaches the conductances (see
    :mod:`norse.torch.functional.coba_lif`).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: CobaLIFParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
        *,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = True,
        trainable: Iterable[str] = (),
    ) -> None:
        default_in, default_rec = _norse_weights(input_size, hidden_size)
        input_weights = default_in if input_weights is None else input_weights
        recurrent_weights = default_rec if recurrent_weights is None else recurrent_weights
        super().__init__(
            coba_lif_step,
            self.initial_state,
            input_size,
            hidden_size,
            p,
            input_weights,
            recurrent_weights,
            autapses,
            dt,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> CobaLIFState:
        """``z = 0``, ``v = v_rest``, ``g_e = g_i = 0`` of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor, self.hidden_size, self.p)


class CobaLIFRecurrent(SNNRecurrent):
    """Recurrent CobaLIF neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`CobaLIFCell`, plus ``record_states`` as in :class:`CobaLIF`. (Not in
    Norse 1.x.)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: CobaLIFParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = True,
        trainable: Iterable[str] = (),
    ) -> None:
        default_in, default_rec = _norse_weights(input_size, hidden_size)
        input_weights = default_in if input_weights is None else input_weights
        recurrent_weights = default_rec if recurrent_weights is None else recurrent_weights
        super().__init__(
            coba_lif_step,
            self.initial_state,
            input_size,
            hidden_size,
            p,
            input_weights,
            recurrent_weights,
            autapses,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> CobaLIFState:
        """``z = 0``, ``v = v_rest``, ``g_e = g_i = 0`` of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor[0], self.hidden_size, self.p)


SPEC = NeuronSpec(
    name="coba_lif",
    description="Conductance-based leaky integrate-and-fire neuron with excitatory and inhibitory synapses",
    parameters=CobaLIFParameters,
    state=CobaLIFState,
    feed_forward_step=coba_lif_feed_forward_step,
    cell=CobaLIFFeedForwardCell,
    feed_forward_state=CobaLIFFeedForwardState,
    step=coba_lif_step,
    sequence=CobaLIF,
    recurrent_cell=CobaLIFCell,
    recurrent=CobaLIFRecurrent,
    voltage_fields=("v",),
    current_fields=("g_e", "g_i"),
    threshold_fields=(),
)
"""The CobaLIF model's registry entry (registered by the core as ``"coba_lif"``)."""
