"""LIFRefrac modules: :class:`LIFRefracCell`, :class:`LIFRefrac`, :class:`LIFRefracRecurrentCell`, :class:`LIFRefracRecurrent`.

The dynamics are those of :mod:`norse.torch.functional.lif_refrac`. Parameters are registered on
the module (see :mod:`norse.torch.module.snn`) with flattened names (``lif_tau_mem_inv``,
``rho_reset``); the initial state is ``lif.v = v_leak``, ``lif.i = 0``, ``rho = 0`` (and
``lif.z = 0`` for recurrent models), in the input's dtype and device. Norse 1.x has no
feed-forward sequence module :class:`LIFRefrac`; it is added here.
:data:`SPEC` names the nested state fields with dotted paths (``"lif.v"``, ``"lif.i"``).

Example::

    spikes, state = LIFRefrac()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif import LIFFeedForwardState, LIFState
from norse.torch.functional.lif_refrac import (
    _DEFAULT_PARAMETERS,
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    LIFRefracState,
    lif_refrac_feed_forward_step,
    lif_refrac_step,
)
from norse.torch.module.snn import SNN, SNNCell, SNNRecurrent, SNNRecurrentCell, filled_state

__all__ = ["LIFRefrac", "LIFRefracCell", "LIFRefracRecurrent", "LIFRefracRecurrentCell"]


def _feed_forward_state(template: Tensor, p: LIFRefracParameters) -> LIFRefracFeedForwardState:
    shape = template.shape
    lif = LIFFeedForwardState(
        v=filled_state(p.lif.v_leak, shape, template), i=filled_state(0.0, shape, template)
    )
    return LIFRefracFeedForwardState(lif, rho=filled_state(0.0, shape, template))


def _recurrent_state(template: Tensor, hidden_size: int, p: LIFRefracParameters) -> LIFRefracState:
    shape = (*template.shape[:-1], hidden_size)
    lif = LIFState(
        z=filled_state(0.0, shape, template),
        v=filled_state(p.lif.v_leak, shape, template),
        i=filled_state(0.0, shape, template),
    )
    return LIFRefracState(lif, rho=filled_state(0.0, shape, template))


class LIFRefracCell(SNNCell):
    """One feed-forward LIFRefrac step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    Args:
        p: :class:`LIFRefracParameters` (default Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s, e.g. ``("lif_tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LIFRefracFeedForwardState)``.
    """

    def __init__(
        self,
        p: LIFRefracParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_refrac_feed_forward_step, self.initial_state, p, dt, trainable=trainable
        )

    def initial_state(self, input_tensor: Tensor) -> LIFRefracFeedForwardState:
        """``lif.v = v_leak``, ``lif.i = 0``, ``rho = 0``, shaped like ``input_tensor``."""
        return _feed_forward_state(input_tensor, self.p)


class LIFRefrac(SNN):
    """Feed-forward LIFRefrac neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Args:
        p: :class:`LIFRefracParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LIFRefracParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_refrac_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> LIFRefracFeedForwardState:
        """``lif.v = v_leak``, ``lif.i = 0``, ``rho = 0``, shaped like one step ``input_tensor[0]``."""
        return _feed_forward_state(input_tensor[0], self.p)


class LIFRefracRecurrentCell(SNNRecurrentCell):
    """One recurrent LIFRefrac step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LIFRefracParameters`.
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
        p: LIFRefracParameters = _DEFAULT_PARAMETERS,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_refrac_step,
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

    def initial_state(self, input_tensor: Tensor) -> LIFRefracState:
        """``lif.z = 0``, ``lif.v = v_leak``, ``lif.i = 0``, ``rho = 0``, shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor, self.hidden_size, self.p)


class LIFRefracRecurrent(SNNRecurrent):
    """Recurrent LIFRefrac neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`LIFRefracRecurrentCell`, plus ``record_states`` as in :class:`LIFRefrac`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: LIFRefracParameters = _DEFAULT_PARAMETERS,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_refrac_step,
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

    def initial_state(self, input_tensor: Tensor) -> LIFRefracState:
        """``lif.z = 0``, ``lif.v = v_leak``, ``lif.i = 0``, ``rho = 0``, shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor[0], self.hidden_size, self.p)


SPEC = NeuronSpec(
    name="lif_refrac",
    description="LIF neuron with an absolute refractory period (in time steps)",
    parameters=LIFRefracParameters,
    state=LIFRefracState,
    feed_forward_step=lif_refrac_feed_forward_step,
    cell=LIFRefracCell,
    feed_forward_state=LIFRefracFeedForwardState,
    step=lif_refrac_step,
    sequence=LIFRefrac,
    recurrent_cell=LIFRefracRecurrentCell,
    recurrent=LIFRefracRecurrent,
    voltage_fields=("lif.v",),
    current_fields=("lif.i",),
    threshold_fields=(),
)
"""The LIFRefrac model's registry entry (registered by the core as ``"lif_refrac"``)."""
