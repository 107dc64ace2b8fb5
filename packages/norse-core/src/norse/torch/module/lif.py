"""LIF modules: :class:`LIFCell`, :class:`LIF`, :class:`LIFRecurrentCell`, :class:`LIFRecurrent`.

The dynamics are those of :mod:`norse.torch.functional.lif`. Parameters are registered on the
module (see :mod:`norse.torch.module.snn`); the initial state is ``v = v_leak``, ``i = 0``
(and ``z = 0`` for recurrent models), in the input's dtype and device.

Example::

    spikes, state = LIF()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif import (
    DEFAULT_LIF_PARAMETERS,
    LIFFeedForwardState,
    LIFParameters,
    LIFState,
    lif_feed_forward_step,
    lif_step,
)
from norse.torch.module.snn import SNN, SNNCell, SNNRecurrent, SNNRecurrentCell, filled_state

__all__ = ["LIF", "LIFCell", "LIFRecurrent", "LIFRecurrentCell"]


def _feed_forward_state(template: Tensor, p: LIFParameters) -> LIFFeedForwardState:
    return LIFFeedForwardState(
        v=filled_state(p.v_leak, template.shape, template),
        i=filled_state(0.0, template.shape, template),
    )


def _recurrent_state(template: Tensor, hidden_size: int, p: LIFParameters) -> LIFState:
    shape = (*template.shape[:-1], hidden_size)
    return LIFState(
        z=filled_state(0.0, shape, template),
        v=filled_state(p.v_leak, shape, template),
        i=filled_state(0.0, shape, template),
    )


class LIFCell(SNNCell):
    """One feed-forward LIF step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    Args:
        p: :class:`LIFParameters` (default Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LIFFeedForwardState)``.
    """

    def __init__(
        self,
        p: LIFParameters = DEFAULT_LIF_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(lif_feed_forward_step, self.initial_state, p, dt, trainable=trainable)

    def initial_state(self, input_tensor: Tensor) -> LIFFeedForwardState:
        """``v = v_leak``, ``i = 0``, shaped like ``input_tensor``."""
        return _feed_forward_state(input_tensor, self.p)


class LIF(SNN):
    """Feed-forward LIF neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Args:
        p: :class:`LIFParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LIFParameters = DEFAULT_LIF_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> LIFFeedForwardState:
        """``v = v_leak``, ``i = 0``, shaped like one step ``input_tensor[0]``."""
        return _feed_forward_state(input_tensor[0], self.p)


class LIFRecurrentCell(SNNRecurrentCell):
    """One recurrent LIF step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LIFParameters`.
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``).
        autapses: allow self-connections (default False).
        dt: time step in s. trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: LIFParameters = DEFAULT_LIF_PARAMETERS,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_step,
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

    def initial_state(self, input_tensor: Tensor) -> LIFState:
        """``z = 0``, ``v = v_leak``, ``i = 0`` of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor, self.hidden_size, self.p)


class LIFRecurrent(SNNRecurrent):
    """Recurrent LIF neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`LIFRecurrentCell`, plus ``record_states`` as in :class:`LIF`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: LIFParameters = DEFAULT_LIF_PARAMETERS,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_step,
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

    def initial_state(self, input_tensor: Tensor) -> LIFState:
        """``z = 0``, ``v = v_leak``, ``i = 0`` of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor[0], self.hidden_size, self.p)


SPEC = NeuronSpec(
    name="lif",
    description="Leaky integrate-and-fire neuron with an exponential current synapse",
    parameters=LIFParameters,
    state=LIFState,
    feed_forward_step=lif_feed_forward_step,
    cell=LIFCell,
    feed_forward_state=LIFFeedForwardState,
    step=lif_step,
    sequence=LIF,
    recurrent_cell=LIFRecurrentCell,
    recurrent=LIFRecurrent,
    voltage_fields=("v",),
    current_fields=("i",),
)
"""The LIF model's registry entry (registered by the core as ``"lif"``)."""
