"""Leaky-integrator modules (non-spiking readouts): :class:`LICell`, :class:`LI`,
:class:`LILinearCell`.

Dynamics: :mod:`norse.torch.functional.leaky_integrator`; the output is the membrane voltage.
Initial state ``v = v_leak``, ``i = 0`` in the input's dtype and device.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

from norse.hookspecs import NeuronSpec
from norse.torch.functional.leaky_integrator import (
    DEFAULT_LI_PARAMETERS,
    LIParameters,
    LIState,
    li_feed_forward_step,
    li_step,
)
from norse.torch.module.snn import SNN, SNNCell, filled_state

__all__ = ["LI", "LICell", "LILinearCell"]


def _state(template: Tensor, shape: tuple[int, ...], p: LIParameters) -> LIState:
    return LIState(v=filled_state(p.v_leak, shape, template), i=filled_state(0.0, shape, template))


class LICell(SNNCell):
    """One leaky-integrator step: input current ``(B, ...)`` to voltage ``(B, ...)``.

    Args:
        p: :class:`LIParameters`. dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LIParameters = DEFAULT_LI_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(li_feed_forward_step, self.initial_state, p, dt, trainable=trainable)

    def initial_state(self, input_tensor: Tensor) -> LIState:
        """``v = v_leak``, ``i = 0`` shaped like ``input_tensor``."""
        return _state(input_tensor, input_tensor.shape, self.p)


class LI(SNN):
    """Leaky integrators over a sequence: ``(T, B, ...)`` to voltages ``(T, B, ...)``.

    Args:
        p: :class:`LIParameters`. dt: time step in s.
        record_states: return every step's state stacked over time.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LIParameters = DEFAULT_LI_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            li_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> LIState:
        """``v = v_leak``, ``i = 0`` shaped like one step ``input_tensor[0]``."""
        return _state(input_tensor, input_tensor.shape[1:], self.p)


class LILinearCell(SNNCell):
    """One leaky-integrator step behind a linear layer: ``(B, input_size)`` to ``(B, hidden_size)``.

    ``i_jump = i + x @ input_weights.T`` with ``input_weights`` ``(hidden_size, input_size)``,
    an ``nn.Parameter`` initialised as ``randn(hidden, input) / sqrt(input)`` (Norse's init).

    Args:
        input_size, hidden_size: the numbers of inputs and of integrators.
        p: :class:`LIParameters`. dt: time step in s.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: LIParameters = DEFAULT_LI_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(li_step, self.initial_state, p, dt, trainable=trainable)
        for name, size in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
                raise ValueError(f"{name} must be a positive int, got {size!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.input_weights = nn.Parameter(torch.randn(hidden_size, input_size) / input_size**0.5)

    def initial_state(self, input_tensor: Tensor) -> LIState:
        """``v = v_leak``, ``i = 0`` of shape ``(B, hidden_size)``."""
        return _state(input_tensor, (*input_tensor.shape[:-1], self.hidden_size), self.p)

    def forward(self, input_tensor: Tensor, state: LIState | None = None) -> tuple[Tensor, LIState]:
        """One step: input ``(B, input_size)`` to ``(v (B, hidden_size), LIState)``."""
        if input_tensor.dim() < 1 or input_tensor.shape[-1] != self.input_size:
            raise ValueError(
                f"input_tensor must have {self.input_size} features in its last dimension "
                f"(input_size), got shape {tuple(input_tensor.shape)}"
            )
        shape = torch.Size((*input_tensor.shape[:-1], self.hidden_size))
        state = self._prepare(input_tensor, state, shape)
        return li_step(input_tensor, state, self.input_weights, self.p, self.dt)

    def extra_repr(self) -> str:
        return (
            f"input_size={self.input_size}, hidden_size={self.hidden_size}, " + super().extra_repr()
        )


SPEC = NeuronSpec(
    name="li",
    description="Leaky integrator (non-spiking readout) with an exponential current synapse",
    parameters=LIParameters,
    state=LIState,
    feed_forward_step=li_feed_forward_step,
    cell=LICell,
    feed_forward_state=LIState,
    sequence=LI,
    voltage_fields=("v",),
    current_fields=("i",),
    spiking=False,
)
"""The leaky integrator's registry entry (``"li"``)."""
