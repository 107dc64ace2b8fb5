"""Izhikevich modules: :class:`IzhikevichCell`, :class:`Izhikevich`, :class:`IzhikevichRecurrentCell`, :class:`IzhikevichRecurrent`.

The dynamics are those of :mod:`norse.torch.functional.izhikevich`. Parameters are registered on
the module (see :mod:`norse.torch.module.snn`). The modules take a behaviour
(``spiking_method``, e.g. ``norse.torch.tonic_spiking``) and start each run from new tensors
filled with the behaviour's initial ``v`` and ``u`` (and ``z = 0`` for recurrent models), in
the input's dtype and device; the behaviour itself is never modified, so several modules may
share one preset. (Norse 1.x returns the preset's own state tensor, shared by all its users.)

Example::

    spikes, state = Izhikevich(tonic_spiking)(torch.full((100, 1, 2), 10.0))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.izhikevich import (
    IzhikevichParameters,
    IzhikevichRecurrentState,
    IzhikevichSpikingBehavior,
    IzhikevichState,
    izhikevich_feed_forward_step,
    izhikevich_recurrent_step,
)
from norse.torch.module.snn import SNN, SNNCell, SNNRecurrent, SNNRecurrentCell, filled_state

__all__ = ["Izhikevich", "IzhikevichCell", "IzhikevichRecurrent", "IzhikevichRecurrentCell"]


def _feed_forward_state(template: Tensor, s: IzhikevichState) -> IzhikevichState:
    shape = template.shape
    return IzhikevichState(
        v=filled_state(s.v, shape, template), u=filled_state(s.u, shape, template)
    )


def _recurrent_state(
    template: Tensor, hidden_size: int, s: IzhikevichState
) -> IzhikevichRecurrentState:
    shape = (*template.shape[:-1], hidden_size)
    return IzhikevichRecurrentState(
        z=filled_state(0.0, shape, template),
        v=filled_state(s.v, shape, template),
        u=filled_state(s.u, shape, template),
    )


class IzhikevichCell(SNNCell):
    """One feed-forward Izhikevich step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    Args:
        spiking_method: an :class:`IzhikevichSpikingBehavior` (e.g. ``tonic_spiking``).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s, e.g. ``("a", "d")``.

    ``forward(input_tensor, state=None) -> (z, IzhikevichState)``.
    """

    def __init__(
        self,
        spiking_method: IzhikevichSpikingBehavior,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            izhikevich_feed_forward_step,
            self.initial_state,
            spiking_method.p,
            dt,
            trainable=trainable,
        )
        self.spiking_method = spiking_method

    def initial_state(self, input_tensor: Tensor) -> IzhikevichState:
        """the preset's ``v`` and ``u`` (new tensors), shaped like ``input_tensor``."""
        return _feed_forward_state(input_tensor, self.spiking_method.s)


class Izhikevich(SNN):
    """Feed-forward Izhikevich neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Args:
        spiking_method: an :class:`IzhikevichSpikingBehavior`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        spiking_method: IzhikevichSpikingBehavior,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            izhikevich_feed_forward_step,
            self.initial_state,
            spiking_method.p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )
        self.spiking_method = spiking_method

    def initial_state(self, input_tensor: Tensor) -> IzhikevichState:
        """the preset's ``v`` and ``u`` (new tensors), shaped like one step ``input_tensor[0]``."""
        return _feed_forward_state(input_tensor[0], self.spiking_method.s)


class IzhikevichRecurrentCell(SNNRecurrentCell):
    """One recurrent Izhikevich step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        spiking_method: an :class:`IzhikevichSpikingBehavior`.
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``).
        autapses: allow self-connections (default False).
        dt: time step in s.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        spiking_method: IzhikevichSpikingBehavior,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            izhikevich_recurrent_step,
            self.initial_state,
            input_size,
            hidden_size,
            spiking_method.p,
            input_weights,
            recurrent_weights,
            autapses,
            dt,
            trainable=trainable,
        )
        self.spiking_method = spiking_method

    def initial_state(self, input_tensor: Tensor) -> IzhikevichRecurrentState:
        """``z = 0``, the preset's ``v`` and ``u`` (new tensors) of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor, self.hidden_size, self.spiking_method.s)


class IzhikevichRecurrent(SNNRecurrent):
    """Recurrent Izhikevich neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`IzhikevichRecurrentCell`, plus ``record_states`` as in :class:`Izhikevich`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        spiking_method: IzhikevichSpikingBehavior,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            izhikevich_recurrent_step,
            self.initial_state,
            input_size,
            hidden_size,
            spiking_method.p,
            input_weights,
            recurrent_weights,
            autapses,
            dt,
            record_states=record_states,
            trainable=trainable,
        )
        self.spiking_method = spiking_method

    def initial_state(self, input_tensor: Tensor) -> IzhikevichRecurrentState:
        """``z = 0``, the preset's ``v`` and ``u`` (new tensors) of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor[0], self.hidden_size, self.spiking_method.s)


SPEC = NeuronSpec(
    name="izhikevich",
    description="Izhikevich (2003) quadratic neuron with a recovery variable",
    parameters=IzhikevichParameters,
    state=IzhikevichRecurrentState,
    feed_forward_step=izhikevich_feed_forward_step,
    cell=IzhikevichCell,
    feed_forward_state=IzhikevichState,
    step=izhikevich_recurrent_step,
    sequence=Izhikevich,
    recurrent_cell=IzhikevichRecurrentCell,
    recurrent=IzhikevichRecurrent,
    voltage_fields=("v",),
    threshold_fields=(),
)
"""The Izhikevich model's registry entry (registered by the core as ``"izhikevich"``)."""
