"""LIFEx modules: :class:`LIFExCell`, :class:`LIFEx`, :class:`LIFExRecurrentCell`, :class:`LIFExRecurrent`.

The dynamics are those of :mod:`norse.torch.functional.lif_ex`. Parameters are registered on
the module (see :mod:`norse.torch.module.snn`); the initial state is ``v = v_leak``,
``i = 0`` (and ``z = 0`` for recurrent models), in the input's dtype and device.

Example::

    spikes, state = LIFEx()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif_ex import (
    _DEFAULT_PARAMETERS,
    LIFExFeedForwardState,
    LIFExParameters,
    LIFExState,
    lif_ex_feed_forward_step,
    lif_ex_step,
)
from norse.torch.module.snn import SNN, SNNCell, SNNRecurrent, SNNRecurrentCell, filled_state

__all__ = ["LIFEx", "LIFExCell", "LIFExRecurrent", "LIFExRecurrentCell"]


def _feed_forward_state(template: Tensor, p: LIFExParameters) -> LIFExFeedForwardState:
    shape = template.shape
    return LIFExFeedForwardState(
        v=filled_state(p.v_leak, shape, template),
        i=filled_state(0.0, shape, template),
    )


def _recurrent_state(template: Tensor, hidden_size: int, p: LIFExParameters) -> LIFExState:
    shape = (*template.shape[:-1], hidden_size)
    return LIFExState(
        z=filled_state(0.0, shape, template),
        v=filled_state(p.v_leak, shape, template),
        i=filled_state(0.0, shape, template),
    )


class LIFExCell(SNNCell):
    """One feed-forward LIFEx step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    Args:
        p: :class:`LIFExParameters` (default Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LIFExFeedForwardState)``.
    """

    def __init__(
        self,
        p: LIFExParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(lif_ex_feed_forward_step, self.initial_state, p, dt, trainable=trainable)

    def initial_state(self, input_tensor: Tensor) -> LIFExFeedForwardState:
        """``v = v_leak``, ``i = 0``, shaped like ``input_tensor``."""
        return _feed_forward_state(input_tensor, self.p)


class LIFEx(SNN):
    """Feed-forward LIFEx neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Args:
        p: :class:`LIFExParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LIFExParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_ex_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> LIFExFeedForwardState:
        """``v = v_leak``, ``i = 0``, shaped like one step ``input_tensor[0]``."""
        return _feed_forward_state(input_tensor[0], self.p)


class LIFExRecurrentCell(SNNRecurrentCell):
    """One recurrent LIFEx step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LIFExParameters`.
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
        p: LIFExParameters = _DEFAULT_PARAMETERS,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_ex_step,
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

    def initial_state(self, input_tensor: Tensor) -> LIFExState:
        """``z = 0``, ``v = v_leak``, ``i = 0`` of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor, self.hidden_size, self.p)


class LIFExRecurrent(SNNRecurrent):
    """Recurrent LIFEx neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`LIFExRecurrentCell`, plus ``record_states`` as in :class:`LIFEx`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: LIFExParameters = _DEFAULT_PARAMETERS,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_ex_step,
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

    def initial_state(self, input_tensor: Tensor) -> LIFExState:
        """``z = 0``, ``v = v_leak``, ``i = 0`` of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor[0], self.hidden_size, self.p)


SPEC = NeuronSpec(
    name="lif_ex",
    description="Exponential leaky integrate-and-fire neuron with an exponential current synapse",
    parameters=LIFExParameters,
    state=LIFExState,
    feed_forward_step=lif_ex_feed_forward_step,
    cell=LIFExCell,
    feed_forward_state=LIFExFeedForwardState,
    step=lif_ex_step,
    sequence=LIFEx,
    recurrent_cell=LIFExRecurrentCell,
    recurrent=LIFExRecurrent,
    voltage_fields=("v",),
    current_fields=("i",),
    threshold_fields=(),
)
"""The LIFEx model's registry entry (registered by the core as ``"lif_ex"``)."""
