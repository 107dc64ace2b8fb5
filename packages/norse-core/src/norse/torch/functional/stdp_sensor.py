"""STDP sensor: exponentially decaying pre- and postsynaptic spike traces (Norse 1.x).

One Euler step with spikes ``z_pre``, ``z_post``::

    a_pre  <- a_pre  - dt * tau_c_inv * a_pre  + eta_p * z_pre
    a_post <- a_post - dt * tau_c_inv * a_post + eta_m * z_post

``tau_ac_inv`` is kept for Norse 1.x's signature; the step does not use it (as in Norse).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ["STDPSensorParameters", "STDPSensorState", "stdp_sensor_step"]


class STDPSensorParameters(NamedTuple):
    """Parameters of the STDP sensor (Norse 1.x defaults).

    Attributes:
        eta_p: jump of the presynaptic trace per spike (default 1).
        eta_m: jump of the postsynaptic trace per spike (default 1).
        tau_ac_inv: unused by :func:`stdp_sensor_step`, 1/s (default 10).
        tau_c_inv: inverse trace time constant, 1/s (default 10, i.e. 100 ms).
    """

    eta_p: Tensor = torch.as_tensor(1.0)
    eta_m: Tensor = torch.as_tensor(1.0)
    tau_ac_inv: Tensor = torch.as_tensor(1.0 / 100e-3)
    tau_c_inv: Tensor = torch.as_tensor(1.0 / 100e-3)


_DEFAULT_PARAMETERS = STDPSensorParameters()


class STDPSensorState(NamedTuple):
    """Traces of the STDP sensor: presynaptic ``a_pre`` and postsynaptic ``a_post``."""

    a_pre: Tensor
    a_post: Tensor


def stdp_sensor_step(
    z_pre: Tensor,
    z_post: Tensor,
    state: STDPSensorState,
    p: STDPSensorParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> STDPSensorState:
    """One step of the traces (module docstring); ``z_pre`` broadcasts with ``a_pre`` and
    ``z_post`` with ``a_post``. Returns the new :class:`STDPSensorState`."""
    a_pre = state.a_pre - dt * p.tau_c_inv * state.a_pre + p.eta_p * z_pre
    a_post = state.a_post - dt * p.tau_c_inv * state.a_post + p.eta_m * z_post
    return STDPSensorState(a_pre, a_post)
