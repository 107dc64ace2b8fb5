"""Box leaky-integrator modules (no synapse): :class:`LIBoxCell` and :class:`LIBox`.

Dynamics: :mod:`norse.torch.functional.leaky_integrator_box`; the output is the voltage.
Initial state ``v = v_leak`` in the input's dtype and device. Unlike Norse 1.x, ``LIBox`` is
exported from ``norse.torch``.
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.leaky_integrator_box import (
    DEFAULT_LI_BOX_PARAMETERS,
    LIBoxParameters,
    LIBoxState,
    li_box_feed_forward_step,
)
from norse.torch.module.snn import SNN, SNNCell, filled_state

__all__ = ["LIBox", "LIBoxCell"]


class LIBoxCell(SNNCell):
    """One box leaky-integrator step: input ``(B, ...)`` to voltage ``(B, ...)``.

    Args:
        p: :class:`LIBoxParameters`. dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LIBoxParameters = DEFAULT_LI_BOX_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(li_box_feed_forward_step, self.initial_state, p, dt, trainable=trainable)

    def initial_state(self, input_tensor: Tensor) -> LIBoxState:
        """``v = v_leak`` shaped like ``input_tensor``."""
        return LIBoxState(v=filled_state(self.p.v_leak, input_tensor.shape, input_tensor))


class LIBox(SNN):
    """Box leaky integrators over a sequence: ``(T, B, ...)`` to voltages ``(T, B, ...)``.

    Args:
        p: :class:`LIBoxParameters`. dt: time step in s.
        record_states: return every step's state stacked over time.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: LIBoxParameters = DEFAULT_LI_BOX_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            li_box_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> LIBoxState:
        """``v = v_leak`` shaped like one step ``input_tensor[0]``."""
        step = input_tensor[0]
        return LIBoxState(v=filled_state(self.p.v_leak, step.shape, step))


SPEC = NeuronSpec(
    name="li_box",
    description="Leaky integrator driven directly by its input (no synapse, non-spiking)",
    parameters=LIBoxParameters,
    state=LIBoxState,
    feed_forward_step=li_box_feed_forward_step,
    cell=LIBoxCell,
    feed_forward_state=LIBoxState,
    sequence=LIBox,
    voltage_fields=("v",),
    spiking=False,
)
"""The box leaky integrator's registry entry (``"li_box"``)."""
