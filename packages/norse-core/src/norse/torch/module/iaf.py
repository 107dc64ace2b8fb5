"""Integrate-and-fire modules: :class:`IAFCell` and :class:`IAF`.

Dynamics: :mod:`norse.torch.functional.iaf`. Initial state ``v = v_reset`` (a new tensor in
the input's dtype and device; Norse 1.x set ``requires_grad`` on the parameter itself).
``IAF`` accepts ``record_states`` (Norse issue #407).
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.iaf import (
    DEFAULT_IAF_PARAMETERS,
    IAFFeedForwardState,
    IAFParameters,
    IAFState,
    iaf_feed_forward_step,
    iaf_step,
)
from norse.torch.module.snn import SNN, SNNCell, filled_state

__all__ = ["IAF", "IAFCell"]


class IAFCell(SNNCell):
    """One IAF step: input ``(B, ...)`` to spikes ``(B, ...)``.

    Args:
        p: :class:`IAFParameters`. dt: unused by the dynamics (kept for the signature).
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: IAFParameters = DEFAULT_IAF_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(iaf_feed_forward_step, self.initial_state, p, dt, trainable=trainable)

    def initial_state(self, input_tensor: Tensor) -> IAFFeedForwardState:
        """``v = v_reset`` shaped like ``input_tensor``."""
        return IAFFeedForwardState(v=filled_state(self.p.v_reset, input_tensor.shape, input_tensor))


class IAF(SNN):
    """IAF neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Args:
        p: :class:`IAFParameters`. dt: unused by the dynamics.
        record_states: return every step's state stacked over time.
        trainable: parameter fields to make ``nn.Parameter``\\ s.
    """

    def __init__(
        self,
        p: IAFParameters = DEFAULT_IAF_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            iaf_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> IAFFeedForwardState:
        """``v = v_reset`` shaped like one step ``input_tensor[0]``."""
        step = input_tensor[0]
        return IAFFeedForwardState(v=filled_state(self.p.v_reset, step.shape, step))


SPEC = NeuronSpec(
    name="iaf",
    description="Integrate-and-fire neuron without leak",
    parameters=IAFParameters,
    state=IAFState,
    feed_forward_step=iaf_feed_forward_step,
    cell=IAFCell,
    feed_forward_state=IAFFeedForwardState,
    step=iaf_step,
    sequence=IAF,
    voltage_fields=("v",),
)
"""The IAF model's registry entry (``"iaf"``)."""
