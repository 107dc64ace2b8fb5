"""LSNN modules: :class:`LSNNCell`, :class:`LSNN`, :class:`LSNNRecurrentCell`, :class:`LSNNRecurrent`.

The dynamics are those of :mod:`norse.torch.functional.lsnn`. Parameters are registered on
the module (see :mod:`norse.torch.module.snn`); the initial state is ``v = v_leak``,
``i = 0``, threshold ``b = v_th`` (and ``z = 0`` for recurrent models), in the input's dtype
and device. ``adjoint`` follows ``p`` as in Norse 1.x's signatures.

Example::

    spikes, state = LSNN()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lsnn import (
    _DEFAULT_PARAMETERS,
    LSNNFeedForwardState,
    LSNNParameters,
    LSNNState,
    lsnn_feed_forward_step,
    lsnn_step,
)
from norse.torch.module.snn import SNN, SNNCell, SNNRecurrent, SNNRecurrentCell, filled_state

__all__ = ["LSNN", "LSNNCell", "LSNNRecurrent", "LSNNRecurrentCell"]


def _feed_forward_state(template: Tensor, p: LSNNParameters) -> LSNNFeedForwardState:
    shape = template.shape
    return LSNNFeedForwardState(
        v=filled_state(p.v_leak, shape, template),
        i=filled_state(0.0, shape, template),
        b=filled_state(p.v_th, shape, template),
    )


def _recurrent_state(template: Tensor, hidden_size: int, p: LSNNParameters) -> LSNNState:
    shape = (*template.shape[:-1], hidden_size)
    return LSNNState(
        z=filled_state(0.0, shape, template),
        v=filled_state(p.v_leak, shape, template),
        i=filled_state(0.0, shape, template),
        b=filled_state(p.v_th, shape, template),
    )


class LSNNCell(SNNCell):
    """One feed-forward LSNN step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    Args:
        p: :class:`LSNNParameters` (default Norse's).
        dt: time step in s (default 0.001).
        adjoint: Norse 1.x's discretised-adjoint switch; only False is supported
            (True raises ``ValueError``).
        trainable: parameter fields to make ``nn.Parameter``\\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LSNNFeedForwardState)``.
    """

    def __init__(
        self,
        p: LSNNParameters = _DEFAULT_PARAMETERS,
        adjoint: bool = False,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        _check_adjoint(adjoint)
        super().__init__(lsnn_feed_forward_step, self.initial_state, p, dt, trainable=trainable)

    def initial_state(self, input_tensor: Tensor) -> LSNNFeedForwardState:
        """``v = v_leak``, ``i = 0``, ``b = v_th``, shaped like ``input_tensor``."""
        return _feed_forward_state(input_tensor, self.p)


class LSNN(SNN):
    """Feed-forward LSNN neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Runs as one fused op (``norse::lsnn_sequence``, :mod:`norse.torch.ops.lsnn`) with the
    same spikes and states as the step loop, which it falls back to for
    ``record_states=True``, a custom ``reset_method``, a trainable ``alpha``, sparse input or
    parameters of another dtype or device than the input.

    Args:
        p: :class:`LSNNParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        adjoint: Norse 1.x's discretised-adjoint switch; only False is supported
            (True raises ``ValueError``).
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LSNNParameters = _DEFAULT_PARAMETERS,
        adjoint: bool = False,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        _check_adjoint(adjoint)
        super().__init__(
            lsnn_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> LSNNFeedForwardState:
        """``v = v_leak``, ``i = 0``, ``b = v_th``, shaped like one step ``input_tensor[0]``."""
        return _feed_forward_state(input_tensor[0], self.p)


class LSNNRecurrentCell(SNNRecurrentCell):
    """One recurrent LSNN step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LSNNParameters`.
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``).
        autapses: allow self-connections (default False).
        dt: time step in s.
        adjoint: Norse 1.x's discretised-adjoint switch; only False is supported
            (True raises ``ValueError``).
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: LSNNParameters = _DEFAULT_PARAMETERS,
        adjoint: bool = False,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        _check_adjoint(adjoint)
        super().__init__(
            lsnn_step,
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

    def initial_state(self, input_tensor: Tensor) -> LSNNState:
        """``z = 0``, ``v = v_leak``, ``i = 0``, ``b = v_th`` of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor, self.hidden_size, self.p)


class LSNNRecurrent(SNNRecurrent):
    """Recurrent LSNN neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`LSNNRecurrentCell`, plus ``record_states`` as in :class:`LSNN`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: LSNNParameters = _DEFAULT_PARAMETERS,
        adjoint: bool = False,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        _check_adjoint(adjoint)
        super().__init__(
            lsnn_step,
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

    def initial_state(self, input_tensor: Tensor) -> LSNNState:
        """``z = 0``, ``v = v_leak``, ``i = 0``, ``b = v_th`` of shape ``(B, hidden_size)``."""
        return _recurrent_state(input_tensor[0], self.hidden_size, self.p)


def _check_adjoint(adjoint: bool) -> None:
    if adjoint:
        raise ValueError(
            "adjoint=True (Norse 1.x's discretised-adjoint LSNN) is not supported; use the "
            "default surrogate-gradient backpropagation (adjoint=False)"
        )


SPEC = NeuronSpec(
    name="lsnn",
    description="LIF neuron with an adaptive threshold (long short-term memory SNN, Bellec et al. 2018)",
    parameters=LSNNParameters,
    state=LSNNState,
    feed_forward_step=lsnn_feed_forward_step,
    cell=LSNNCell,
    feed_forward_state=LSNNFeedForwardState,
    step=lsnn_step,
    sequence=LSNN,
    recurrent_cell=LSNNRecurrentCell,
    recurrent=LSNNRecurrent,
    voltage_fields=("v",),
    current_fields=("i",),
    threshold_fields=("b",),
)
"""The LSNN model's registry entry (registered by the core as ``"lsnn"``)."""
