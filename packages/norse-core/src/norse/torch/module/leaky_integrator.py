r"""Leaky-integrator modules (non-spiking readouts): :class:`LICell`, :class:`LI`,
:class:`LILinearCell`.

Dynamics (:mod:`norse.torch.functional.leaky_integrator`); the output is the voltage:

.. math::
    \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + i), \qquad \dot i = -\tau_{syn}^{-1} i

with the input added to ``i`` every step. :class:`LICell` and :class:`LI` are built from
:data:`SPEC` (see :mod:`norse.torch.module.snn`). Initial state ``v = v_leak``, ``i = 0`` in
the input's dtype and device.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

from norse.hookspecs import NeuronSpec
from norse.torch.functional._integration import as_float_input
from norse.torch.functional.leaky_integrator import (
    DEFAULT_LI_PARAMETERS,
    LIParameters,
    LIState,
    li_feed_forward_step,
    li_step,
)
from norse.torch.module.snn import (
    NeuronCell,
    NeuronSequence,
    SNNCell,
    _check_sizes,
    _layer_shape,
    new_state,
)

__all__ = ["LI", "LICell", "LILinearCell"]

_MODEL = NeuronSpec(
    name="li",
    description="Leaky integrator (non-spiking readout) with an exponential current synapse",
    parameters=LIParameters,
    state=LIState,
    feed_forward_state=LIState,
    feed_forward_step=li_feed_forward_step,
    initial_state={"v": "v_leak"},
    voltage_fields=("v",),
    current_fields=("i",),
    spiking=False,
)


class LICell(NeuronCell, spec=_MODEL):
    r"""One leaky-integrator step: input current ``(B, ...)`` to voltage ``(B, ...)``.

    .. math::
        \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + i), \qquad \dot i = -\tau_{syn}^{-1} i

    Args:
        p: :class:`LIParameters` (default ``LIParameters()``).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\ s.

    ``forward(input_tensor, state=None) -> (v, LIState)``, starting at ``v = v_leak``,
    ``i = 0``.
    """


class LI(NeuronSequence, spec=_MODEL):
    r"""Leaky integrators over a sequence: ``(T, B, ...)`` to voltages ``(T, B, ...)``.

    The dynamics of :class:`LICell`, run as one fused op when it serves.

    Args:
        p: :class:`LIParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LILinearCell(SNNCell):
    r"""One leaky-integrator step behind a linear layer: ``(B, input_size)`` to ``(B, hidden_size)``.

    ``i_jump = i + x @ input_weights.T`` with ``input_weights`` ``(hidden_size, input_size)``,
    an ``nn.Parameter`` initialised as ``randn(hidden, input) / sqrt(input)`` (Norse's init),
    then the dynamics of :class:`LICell`. The weights follow the input's dtype in forward.

    Args:
        input_size, hidden_size: the numbers of inputs and of integrators.
        p: :class:`LIParameters`. dt: time step in s.
        trainable: parameter fields to make ``nn.Parameter``\ s.
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
        _check_sizes(input_size, hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.input_weights = nn.Parameter(torch.randn(hidden_size, input_size) / input_size**0.5)

    def initial_state(self, input_tensor: Tensor) -> LIState:
        """``v = v_leak``, ``i = 0`` of shape ``(B, hidden_size)``."""
        shape = (*input_tensor.shape[:-1], self.hidden_size)
        return new_state(LIState, {"v": self.p.v_leak}, shape, input_tensor)

    def forward(self, input_tensor: Tensor, state: LIState | None = None) -> tuple[Tensor, LIState]:
        """One step: input ``(B, input_size)`` to ``(v (B, hidden_size), LIState)``."""
        input_tensor = as_float_input(input_tensor)
        shape = _layer_shape(input_tensor, self.input_size, self.hidden_size)
        state = self._prepare(input_tensor, state, shape)
        weights = self.input_weights.to(input_tensor.dtype)
        return li_step(input_tensor, state, weights, self.p, self.dt)

    def extra_repr(self) -> str:
        return (
            f"input_size={self.input_size}, hidden_size={self.hidden_size}, " + super().extra_repr()
        )


SPEC = _MODEL._replace(cell=LICell, sequence=LI)
"""The leaky integrator's registry entry (``"li"``)."""
