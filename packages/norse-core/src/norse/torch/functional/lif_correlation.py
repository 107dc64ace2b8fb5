"""Recurrent LIF layer with correlation sensors on its input and recurrent synapses.

One step: the recurrent LIF step (:func:`~norse.torch.functional.lif.lif_step`), then the
input sensors with ``(z_pre, z_post) = (input, z_new)`` and the recurrent sensors with
``(z_old, z_new)`` (:func:`~norse.torch.functional.correlation_sensor.correlation_sensor_step`).
"""

from __future__ import annotations

from typing import NamedTuple

from torch import Tensor

from norse.torch.functional.correlation_sensor import (
    CorrelationSensorParameters,
    CorrelationSensorState,
    correlation_sensor_step,
)
from norse.torch.functional.lif import LIFParameters, LIFState, lif_step

__all__ = ["LIFCorrelationParameters", "LIFCorrelationState", "lif_correlation_step"]


class LIFCorrelationParameters(NamedTuple):
    """Parameters: the LIF layer's and the input and recurrent sensors' (Norse 1.x defaults)."""

    lif_parameters: LIFParameters = LIFParameters()
    input_correlation_parameters: CorrelationSensorParameters = CorrelationSensorParameters()
    recurrent_correlation_parameters: CorrelationSensorParameters = CorrelationSensorParameters()


_DEFAULT_PARAMETERS = LIFCorrelationParameters()


class LIFCorrelationState(NamedTuple):
    """State: ``lif_state`` (:class:`LIFState`, ``(B, H)``), ``input_correlation_state``
    ``(B, I, H)`` and ``recurrent_correlation_state`` ``(B, H, H)``."""

    lif_state: LIFState
    input_correlation_state: CorrelationSensorState
    recurrent_correlation_state: CorrelationSensorState


def lif_correlation_step(
    input_tensor: Tensor,
    state: LIFCorrelationState,
    input_weights: Tensor,
    recurrent_weights: Tensor,
    p: LIFCorrelationParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, LIFCorrelationState]:
    """One step (module docstring): input spikes ``(B, I)``, weights ``(H, I)``, ``(H, H)``.

    Returns ``(z, LIFCorrelationState(...))``.
    """
    z, lif_state = lif_step(
        input_tensor, state.lif_state, input_weights, recurrent_weights, p.lif_parameters, dt
    )
    input_sensors = correlation_sensor_step(
        input_tensor, z, state.input_correlation_state, p.input_correlation_parameters, dt
    )
    recurrent_sensors = correlation_sensor_step(
        state.lif_state.z,
        z,
        state.recurrent_correlation_state,
        p.recurrent_correlation_parameters,
        dt,
    )
    return z, LIFCorrelationState(lif_state, input_sensors, recurrent_sensors)
