"""Tsodyks-Markram short-term synaptic plasticity (depression and facilitation).

A synapse holds a utilisation ``u`` (release probability, facilitating) and a fraction of
available resources ``x`` (depressing). One forward-Euler step with presynaptic spikes ``z``
(Tsodyks, Pawelzik & Markram 1998; the module name keeps Norse's spelling)::

    u' = u - dt * tau_f_inv * u + U * (1 - u) * z
    x' = x + dt * tau_d_inv * (1 - x) - u' * x * z
    output = u' * x * z

The output is the fraction of resources released by each spike: the jump of the
postsynaptic current. A synapse at rest has ``u = 0`` and ``x = 1``, so its first spike
releases ``U``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from norse.hookspecs import PlasticitySpec

__all__ = ["TsodyksMakramParameters", "TsodyksMakramState", "stp_step"]


class TsodyksMakramParameters(NamedTuple):
    """Parameters of the Tsodyks-Markram synapse (times in seconds).

    Attributes:
        tau_f_inv: inverse facilitation time constant in 1/s (1/50 ms = 20).
        tau_s_inv: inverse synaptic-current time constant in 1/s (1/20 ms = 50); not used by
            :func:`stp_step`, for integrating its output into a current outside the step.
        tau_d_inv: inverse depression (recovery) time constant in 1/s (1/750 ms).
        U: utilisation increment per spike, in [0, 1] (0.45).
    """

    tau_f_inv: float | torch.Tensor = 1.0 / 50e-3
    tau_s_inv: float | torch.Tensor = 1.0 / 20e-3
    tau_d_inv: float | torch.Tensor = 1.0 / 750e-3
    U: float | torch.Tensor = 0.45


class TsodyksMakramState(NamedTuple):
    """State of the Tsodyks-Markram synapse.

    Attributes:
        u: utilisation (0 at rest).
        x: available resources (1 at rest).
    """

    u: torch.Tensor
    x: torch.Tensor


def stp_step(
    z: torch.Tensor,
    s: TsodyksMakramState,
    p: TsodyksMakramParameters = TsodyksMakramParameters(),  # noqa: B008 (immutable)
    dt: float = 0.001,
) -> tuple[torch.Tensor, TsodyksMakramState]:
    """One Euler step of the Tsodyks-Markram synapse (equations in the module docstring).

    Parameters:
        z: presynaptic spikes, any shape (e.g. ``(B, N)``).
        s: the state; ``u`` and ``x`` broadcast against ``z``.
        p: parameters.
        dt: time step in seconds.

    Returns:
        ``(u' * x * z, TsodyksMakramState(u', x'))``: released resources and the new state.
    """
    if not dt > 0:
        raise ValueError(f"dt must be > 0 (seconds), got {dt!r}")
    u = s.u - dt * p.tau_f_inv * s.u + p.U * (1 - s.u) * z
    x = s.x + dt * p.tau_d_inv * (1 - s.x) - u * s.x * z
    return u * s.x * z, TsodyksMakramState(u=u, x=x)


PLASTICITY_SPECS: list[PlasticitySpec] = [
    PlasticitySpec(
        name="tsodyks_makram",
        description="Tsodyks-Markram short-term depression and facilitation",
        step=stp_step,
        parameters=TsodyksMakramParameters,
        state=TsodyksMakramState,
    )
]
