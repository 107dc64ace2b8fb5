"""Box LIF modules (no synapse): :class:`LIFBoxCell` and the sequence module :class:`LIFBox`.

Dynamics: :mod:`norse.torch.functional.lif_box`. Initial state ``v = v_leak`` in the input's
dtype and device. Unlike Norse 1.x, ``LIFBox`` is exported from ``norse.torch``.
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif_box import (
    DEFAULT_LIF_BOX_PARAMETERS,
    LIFBoxFeedForwardState,
    LIFBoxParameters,
    LIFBoxState,
    lif_box_feed_forward_step,
)
from norse.torch.module.snn import SNN, SNNCell, filled_state

__all__ = ["LIFBox", "LIFBoxCell"]


class LIFBoxCell(SNNCell):
    """One box LIF step: input ``(B, ...)`` to spikes ``(B, ...)``.

    Args:
        p: :class:`LIFBoxParameters`. dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LIFBoxParameters = DEFAULT_LIF_BOX_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(lif_box_feed_forward_step, self.initial_state, p, dt, trainable=trainable)

    def initial_state(self, input_tensor: Tensor) -> LIFBoxFeedForwardState:
        """``v = v_leak`` shaped like ``input_tensor``."""
        return LIFBoxFeedForwardState(
            v=filled_state(self.p.v_leak, input_tensor.shape, input_tensor)
        )


class LIFBox(SNN):
    """Box LIF neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Args:
        p: :class:`LIFBoxParameters`. dt: time step in s.
        record_states: return every step's state stacked over time.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LIFBoxParameters = DEFAULT_LIF_BOX_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            lif_box_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> LIFBoxFeedForwardState:
        """``v = v_leak`` shaped like one step ``input_tensor[0]``."""
        step = input_tensor[0]
        return LIFBoxFeedForwardState(v=filled_state(self.p.v_leak, step.shape, step))


SPEC = NeuronSpec(
    name="lif_box",
    description="Leaky integrate-and-fire neuron driven directly by its input (no synapse)",
    parameters=LIFBoxParameters,
    state=LIFBoxState,
    feed_forward_step=lif_box_feed_forward_step,
    cell=LIFBoxCell,
    feed_forward_state=LIFBoxFeedForwardState,
    sequence=LIFBox,
    voltage_fields=("v",),
)
"""The box LIF model's registry entry (``"lif_box"``)."""
