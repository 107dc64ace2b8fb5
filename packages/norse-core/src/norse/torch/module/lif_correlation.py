"""``LIFCorrelation``: one step of a recurrent LIF layer with correlation sensors (Norse 1.x).

The weights are arguments of ``forward`` (they are typically updated by
:func:`~norse.torch.functional.correlation_sensor.correlation_based_update` between steps),
so the module holds only the sizes, the parameters and ``dt``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from norse.torch.functional.correlation_sensor import CorrelationSensorState
from norse.torch.functional.lif import LIFState
from norse.torch.functional.lif_correlation import (
    _DEFAULT_PARAMETERS,
    LIFCorrelationParameters,
    LIFCorrelationState,
    lif_correlation_step,
)

__all__ = ["LIFCorrelation"]


def _sensors(batch: int, pre: int, post: int, like: Tensor) -> CorrelationSensorState:
    zeros = like.new_zeros(batch, pre, post)
    return CorrelationSensorState(zeros, zeros.clone(), zeros.clone())


class LIFCorrelation(torch.nn.Module):
    """One step of :func:`lif_correlation_step`.

    Args:
        input_size, hidden_size: numbers of inputs ``I`` and neurons ``H``.
        p: :class:`LIFCorrelationParameters` (default Norse's). dt: time step in s.

    ``forward(input_tensor (B, I), input_weights (H, I), recurrent_weights (H, H), state)
    -> (z (B, H), LIFCorrelationState)``; ``state=None`` starts at ``v = v_leak`` and zero
    current, spikes and sensors.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: LIFCorrelationParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.p = p
        self.dt = dt

    def initial_state(self, input_tensor: Tensor) -> LIFCorrelationState:
        """The resting state for a batch of ``input_tensor.shape[0]``."""
        batch = input_tensor.shape[0]
        zeros = input_tensor.new_zeros(batch, self.hidden_size)
        lif = LIFState(zeros, zeros + self.p.lif_parameters.v_leak, zeros.clone())
        return LIFCorrelationState(
            lif,
            _sensors(batch, self.input_size, self.hidden_size, input_tensor),
            _sensors(batch, self.hidden_size, self.hidden_size, input_tensor),
        )

    def forward(
        self,
        input_tensor: Tensor,
        input_weights: Tensor,
        recurrent_weights: Tensor,
        state: LIFCorrelationState | None,
    ) -> tuple[Tensor, LIFCorrelationState]:
        """One step; see the class docstring."""
        if input_tensor.dim() != 2 or input_tensor.shape[1] != self.input_size:
            raise ValueError(
                f"input_tensor must have shape (B, {self.input_size}), got "
                f"{tuple(input_tensor.shape)}"
            )
        if state is None:
            state = self.initial_state(input_tensor)
        return lif_correlation_step(
            input_tensor, state, input_weights, recurrent_weights, self.p, self.dt
        )
