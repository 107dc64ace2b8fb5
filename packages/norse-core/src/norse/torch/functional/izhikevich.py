"""Izhikevich (2003) neuron model and its 20 named spiking behaviours.

One forward-Euler step of length ``dt`` (seconds); ``tau_inv`` converts seconds to the
model's millisecond time scale, so with ``dt = 0.001`` and ``tau_inv = 250`` a step is
0.25 ms of Izhikevich time::

    v' = v + tau_inv * dt * (sq * v**2 + mn * v + bias - u + I)
    u' = u + tau_inv * dt * a * (b * v - u)                 (old v)
    z  = Θ(v' - v_th)                                       (surrogate ``method``)
    v_new = (1 - z) * v' + z * c ;  u_new = u' + z * d

The reset is always to the value ``c`` (a subtractive reset has no meaning for this
quadratic model). Spikes detach nothing: gradients flow through the reset.

The presets (``tonic_spiking``, ...) are :class:`IzhikevichSpikingBehavior` tuples of
parameters and an initial state (``v`` and ``u = b * v`` unless noted), following
Izhikevich (2004), "Which model to use for cortical spiking neurons?". Unlike Norse 1.x,
the preset states do not require gradients and the modules never use them in place: each
call of ``initial_state`` makes new tensors filled with the preset's values, so one preset
can be shared by many modules without sharing state.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch.nn.functional import linear

from norse.torch.functional.reset import reset_value
from norse.torch.functional.threshold import threshold

__all__ = [
    "IzhikevichParameters",
    "IzhikevichRecurrentState",
    "IzhikevichSpikingBehavior",
    "IzhikevichState",
    "accomodation",
    "bistability",
    "class_1_exc",
    "class_2_exc",
    "create_izhikevich_spiking_behavior",
    "dap",
    "inhibition_induced_bursting",
    "inhibition_induced_spiking",
    "integrator",
    "izhikevich_feed_forward_step",
    "izhikevich_recurrent_step",
    "mixed_mode",
    "phasic_bursting",
    "phasic_spiking",
    "rebound_burst",
    "rebound_spike",
    "resonator",
    "spike_frequency_adaptation",
    "spike_latency",
    "subthreshold_oscillation",
    "threshold_variability",
    "tonic_bursting",
    "tonic_spiking",
]


class IzhikevichParameters(NamedTuple):
    """Parameters of an Izhikevich neuron; ``a, b, c, d`` are required.

    Attributes:
        a: time scale of the recovery variable ``u`` (1/ms).
        b: sensitivity of ``u`` to ``v``.
        c: reset value of ``v`` after a spike (mV).
        d: jump of ``u`` after a spike.
        sq: quadratic coefficient, default 0.04.
        mn: linear coefficient, default 5.
        bias: constant drive, default 140.
        v_th: spike cut-off voltage (mV), default 30.
        tau_inv: model milliseconds per second of ``dt``, default 250.
        method: surrogate gradient name, default ``"super"``.
        alpha: surrogate sharpness, default 100.
    """

    a: float
    b: float
    c: float
    d: float
    sq: float = 0.04
    mn: float = 5.0
    bias: float = 140.0
    v_th: float = 30.0
    tau_inv: float = 250.0
    method: str = "super"
    alpha: float = 100.0


class IzhikevichState(NamedTuple):
    """State of a feed-forward Izhikevich layer: voltage ``v`` and recovery ``u``, ``(B, ...)``."""

    v: torch.Tensor
    u: torch.Tensor


class IzhikevichRecurrentState(NamedTuple):
    """State of a recurrent Izhikevich layer: spikes ``z``, ``v`` and ``u``, each ``(B, H)``."""

    z: torch.Tensor
    v: torch.Tensor
    u: torch.Tensor


class IzhikevichSpikingBehavior(NamedTuple):
    """A behaviour preset: parameters ``p`` and the initial state ``s`` (scalar tensors)."""

    p: IzhikevichParameters
    s: IzhikevichState


def create_izhikevich_spiking_behavior(
    a: float,
    b: float,
    c: float,
    d: float,
    v_rest: float,
    u_rest: float,
    tau_inv: float = 250.0,
    *,
    sq: float = 0.04,
    mn: float = 5.0,
    bias: float = 140.0,
    v_th: float = 30.0,
    method: str = "super",
    alpha: float = 100.0,
) -> IzhikevichSpikingBehavior:
    """Builds a behaviour with initial state ``v = v_rest`` and ``u = u_rest * b``.

    The keyword-only arguments (an addition to Norse 1.x) set the remaining parameters.
    Returns new scalar float32 tensors on every call.
    """
    p = IzhikevichParameters(
        a=a,
        b=b,
        c=c,
        d=d,
        sq=sq,
        mn=mn,
        bias=bias,
        v_th=v_th,
        tau_inv=tau_inv,
        method=method,
        alpha=alpha,
    )
    s = IzhikevichState(v=torch.as_tensor(float(v_rest)), u=torch.as_tensor(float(u_rest * b)))
    return IzhikevichSpikingBehavior(p, s)


def _izhikevich_dynamics(
    current: torch.Tensor, v: torch.Tensor, u: torch.Tensor, p: IzhikevichParameters, dt: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One Euler step with input ``current``: returns ``(z, v_new, u_new)``."""
    v_int = v + p.tau_inv * dt * (p.sq * v**2 + p.mn * v + p.bias - u + current)
    u_int = u + p.tau_inv * dt * p.a * (p.b * v - u)
    z = threshold(v_int - p.v_th, p.method, p.alpha)
    v_new = reset_value(z, v_int, p.c, p.v_th)
    u_new = u_int + z * p.d
    return z, v_new, u_new


def izhikevich_feed_forward_step(
    input_current: torch.Tensor,
    s: IzhikevichState,
    p: IzhikevichParameters,
    dt: float = 0.001,
) -> tuple[torch.Tensor, IzhikevichState]:
    """One Euler step of a feed-forward Izhikevich layer; ``input_current`` ``(B, ...)``.

    Equations in the module docstring. Returns ``(z, IzhikevichState(v, u))``.
    """
    z, v, u = _izhikevich_dynamics(input_current, s.v, s.u, p, dt)
    return z, IzhikevichState(v, u)


def izhikevich_recurrent_step(
    input_current: torch.Tensor,
    s: IzhikevichRecurrentState,
    input_weights: torch.Tensor,
    recurrent_weights: torch.Tensor,
    p: IzhikevichParameters,
    dt: float = 0.001,
) -> tuple[torch.Tensor, IzhikevichRecurrentState]:
    """One Euler step of a recurrent Izhikevich layer with current
    ``input @ W_in.T + z_prev @ W_rec.T``. Shapes: input ``(B, I)``, weights ``(H, I)`` and
    ``(H, H)``, state ``(B, H)``. Returns ``(z, IzhikevichRecurrentState(z, v, u))``."""
    current = linear(input_current, input_weights) + linear(s.z, recurrent_weights)
    z, v, u = _izhikevich_dynamics(current, s.v, s.u, p, dt)
    return z, IzhikevichRecurrentState(z, v, u)


def _preset(
    a: float, b: float, c: float, d: float, v: float, tau_inv: float = 250.0, **extra: float
) -> IzhikevichSpikingBehavior:
    return create_izhikevich_spiking_behavior(a, b, c, d, v, v, tau_inv, **extra)


tonic_spiking = _preset(0.02, 0.2, -65, 6, -70)
phasic_spiking = _preset(0.02, 0.25, -65, 6, -64)
tonic_bursting = _preset(0.02, 0.2, -50, 2, -70)
phasic_bursting = _preset(0.02, 0.25, -55, 0.05, -64, tau_inv=200)
mixed_mode = _preset(0.02, 0.2, -55, 4, -70)
spike_frequency_adaptation = _preset(0.01, 0.2, -65, 8, -70)
class_1_exc = _preset(0.02, -0.1, -55, 6, -60, mn=4.1, bias=108)
class_2_exc = _preset(0.2, 0.26, -65, 0, -64)
spike_latency = _preset(0.02, 0.2, -65, 6, -70)
subthreshold_oscillation = _preset(0.05, 0.26, -60, 0, -62)
resonator = _preset(0.1, 0.26, -60, -1, -62)
integrator = _preset(0.02, -0.1, -55, 6, -60, mn=4.1, bias=108)
rebound_spike = _preset(0.03, 0.25, -60, 4, -64, tau_inv=200)
rebound_burst = _preset(0.03, 0.25, -52, 0, -64, tau_inv=200)
threshold_variability = _preset(0.03, 0.25, -60, 4, -64)
bistability = _preset(0.1, 0.26, -60, 0, -61)
dap = _preset(1.0, 0.2, -60, -21, -70, tau_inv=100)
accomodation = create_izhikevich_spiking_behavior(0.02, 1.0, -55, 4, -65, -16, tau_inv=500)
inhibition_induced_spiking = _preset(-0.02, -1.0, -60, 8, -63.8)
inhibition_induced_bursting = _preset(-0.026, -1.0, -45, -2, -63.8)


# ---- Norse 1.x names: the presets' parameters (helper "parity")

tonic_spiking_p = tonic_spiking.p
phasic_spiking_p = phasic_spiking.p
tonic_bursting_p = tonic_bursting.p
phasic_bursting_p = phasic_bursting.p
mixed_mode_p = mixed_mode.p
spike_frequency_adaptation_p = spike_frequency_adaptation.p
class_1_exc_p = class_1_exc.p
class_2_exc_p = class_2_exc.p
spike_latency_p = spike_latency.p
subthreshold_oscillation_p = subthreshold_oscillation.p
resonator_p = resonator.p
integrator_p = integrator.p
rebound_spike_p = rebound_spike.p
rebound_burst_p = rebound_burst.p
threshold_variability_p = threshold_variability.p
bistability_p = bistability.p
dap_p = dap.p
accomodation_p = accomodation.p
inhibition_induced_spiking_p = inhibition_induced_spiking.p
inhibition_induced_bursting_p = inhibition_induced_bursting.p
