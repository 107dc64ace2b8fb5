"""Correlation sensors: an idealised model of the synapse sensors of the BrainScaleS-2 chips.

For every synapse ``(pre, post)`` of a batch the state holds a flag ``post_pre`` (1 when the
last spike pair ended with a postsynaptic spike), a causal trace ``c`` and an anti-causal
trace ``a``, each ``(B, pre, post)``. One Euler step with spikes ``z_pre (B, pre)`` and
``z_post (B, post)`` (broadcast over the other side)::

    c <- c - dt * tau_c_inv  * c * (1 - post_pre) + eta_p * z_pre
    a <- a - dt * tau_ac_inv * a * post_pre       + eta_m * z_post
    post_pre <- 1 where only z_post spiked, 0 where only z_pre spiked, else H(post_pre)

(the decays use the old ``post_pre``), as Norse 1.x computes for a batch of one; here every
batch entry is computed independently (Norse 1.x's broadcasting failed for a batch of more
than one unless it equalled the number of postsynaptic neurons).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch.functional.threshold import heaviside

__all__ = [
    "CorrelationSensorParameters",
    "CorrelationSensorState",
    "correlation_based_update",
    "correlation_sensor_step",
]


class CorrelationSensorParameters(NamedTuple):
    """Parameters of a correlation sensor (Norse 1.x defaults).

    Attributes:
        eta_p: jump of the causal trace per presynaptic spike (default 1).
        eta_m: jump of the anti-causal trace per postsynaptic spike (default 1).
        tau_ac_inv: inverse time constant of the anti-causal trace, 1/s (default 10).
        tau_c_inv: inverse time constant of the causal trace, 1/s (default 10).
    """

    eta_p: Tensor = torch.as_tensor(1.0)
    eta_m: Tensor = torch.as_tensor(1.0)
    tau_ac_inv: Tensor = torch.as_tensor(1.0 / 100e-3)
    tau_c_inv: Tensor = torch.as_tensor(1.0 / 100e-3)


_DEFAULT_PARAMETERS = CorrelationSensorParameters()


class CorrelationSensorState(NamedTuple):
    """Sensor state, each ``(B, pre, post)``: the flag ``post_pre``, the causal
    ``correlation_trace`` and the ``anti_correlation_trace``."""

    post_pre: Tensor
    correlation_trace: Tensor
    anti_correlation_trace: Tensor


def correlation_sensor_step(
    z_pre: Tensor,
    z_post: Tensor,
    state: CorrelationSensorState,
    p: CorrelationSensorParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> CorrelationSensorState:
    """One step of the sensors (module docstring): ``z_pre (B, pre)``, ``z_post (B, post)``,
    state ``(B, pre, post)``. Returns the new :class:`CorrelationSensorState`."""
    pre = z_pre.unsqueeze(-1)
    post = z_post.unsqueeze(-2)
    flag = state.post_pre
    c = state.correlation_trace
    a = state.anti_correlation_trace
    c_new = c - dt * p.tau_c_inv * c * (1 - flag) + p.eta_p * pre
    a_new = a - dt * p.tau_ac_inv * a * flag + p.eta_m * post
    post_only = post * (1 - pre)
    pre_only = pre * (1 - post)
    kept = 1 - post_only - pre_only
    flag_new = post_only + kept * heaviside(flag)
    return CorrelationSensorState(flag_new, c_new, a_new)


def correlation_based_update(
    ts: int,
    linear_update: torch.nn.Module,
    weights: Tensor,
    correlation_state: CorrelationSensorState,
    learning_rate: float,
    ts_frequency: int,
) -> Tensor:
    """Every ``ts_frequency`` steps, a learned weight update from the sensor traces.

    When ``ts % ts_frequency == 0``: ``dw = linear_update(cat(correlation_trace.flatten(),
    anti_correlation_trace.flatten()))`` reshaped to ``weights.shape``, returns ``weights +
    learning_rate * dw`` and zeroes both traces of ``correlation_state`` **in place** (as
    Norse 1.x; ``post_pre`` is kept). Otherwise returns ``weights`` unchanged.
    """
    if ts % ts_frequency != 0:
        return weights
    traces = torch.cat(
        (
            correlation_state.correlation_trace.flatten(),
            correlation_state.anti_correlation_trace.flatten(),
        )
    )
    dw = linear_update(traces).reshape(weights.shape)
    with torch.no_grad():
        correlation_state.correlation_trace.zero_()
        correlation_state.anti_correlation_trace.zero_()
    return weights + learning_rate * dw
