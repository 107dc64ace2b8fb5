"""Shared discretisation factors and input checks for the linear neuron dynamics.

Every linear part of a neuron model is ``dy/dt = tau_inv * (target - y)`` (a leak towards a
target) or the current-driven membrane ``dv/dt = tau_mem_inv * ((v_leak - v) + i)`` with the
synaptic current ``di/dt = -tau_syn_inv * i``. Over one step ``dt`` they are integrated with

- ``"euler"`` (Norse 1.x, the default): explicit forward Euler;
- ``"exact"``: the exact solution, assuming the current jumps at the start of the step and
  the input of a current-free model is constant over the step.

The factors below are the coefficients of those one-step updates; models combine them as
their docstrings state.
"""

from __future__ import annotations

import torch
from torch import Tensor

INTEGRATORS = ("euler", "exact")
"""The accepted values of a parameter tuple's ``integrator`` field."""


def check_integrator(integrator: str, owner: str) -> None:
    """Raise ``ValueError`` unless ``integrator`` is ``"euler"`` or ``"exact"``.

    ``owner`` names the parameter tuple in the message (``"LIFParameters"``).
    """
    if integrator not in INTEGRATORS:
        raise ValueError(f"{owner}.integrator must be one of {INTEGRATORS}, got {integrator!r}")


def check_input(input_tensor: Tensor, name: str = "input_tensor") -> None:
    """Raise ``TypeError`` unless ``input_tensor`` is a floating-point tensor."""
    if not isinstance(input_tensor, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(input_tensor).__name__}")
    if not input_tensor.is_floating_point():
        raise TypeError(
            f"{name} must have a floating-point dtype, got {input_tensor.dtype}; "
            "convert it with .float() or .to(dtype)"
        )


def as_float_input(input_tensor: Tensor, name: str = "input_tensor") -> Tensor:
    """``input_tensor`` as a floating-point tensor, as Norse 1.x modules accept it.

    Integer and bool tensors (spike counts, binary spikes) are converted to
    ``torch.get_default_dtype()``; floating-point tensors are returned unchanged; anything
    else (complex tensors, non-tensors) raises ``TypeError`` naming ``name``.
    """
    if not isinstance(input_tensor, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(input_tensor).__name__}")
    if input_tensor.dtype == torch.bool or not (
        input_tensor.is_floating_point() or input_tensor.is_complex()
    ):
        return input_tensor.to(torch.get_default_dtype())
    check_input(input_tensor, name)
    return input_tensor


def decay_factor(tau_inv: Tensor | float, dt: float, integrator: str) -> Tensor | float:
    """Factor ``a`` with ``y(t + dt) = a * y(t)`` for ``dy/dt = -tau_inv * y``.

    ``"euler"``: ``a = 1 - dt * tau_inv``; ``"exact"``: ``a = exp(-dt * tau_inv)``.
    """
    if integrator == "euler":
        return 1 - dt * tau_inv
    return torch.exp(-dt * torch.as_tensor(tau_inv))


def approach_factor(tau_inv: Tensor | float, dt: float, integrator: str) -> Tensor | float:
    """Fraction ``k`` of the distance to a constant target covered in one step.

    For ``dy/dt = tau_inv * (target - y)``: ``y(t + dt) = y + k * (target - y)`` with
    ``"euler"``: ``k = dt * tau_inv``; ``"exact"``: ``k = 1 - exp(-dt * tau_inv)``
    (computed as ``-expm1(-dt * tau_inv)``, accurate for small ``dt * tau_inv``).
    """
    if integrator == "euler":
        return dt * tau_inv
    return -torch.expm1(-dt * torch.as_tensor(tau_inv))


def current_to_voltage_factor(
    tau_mem_inv: Tensor | float, tau_syn_inv: Tensor | float, dt: float, integrator: str
) -> Tensor | float:
    """Coefficient ``c`` of the start-of-step current ``i`` in the voltage after one step.

    For ``dv/dt = tau_mem_inv * ((v_leak - v) + i)`` and ``di/dt = -tau_syn_inv * i``:
    ``v(t + dt) = v_leak + (v - v_leak) * decay_factor(tau_mem_inv) + c * i``, with

    - ``"euler"``: ``c = dt * tau_mem_inv``;
    - ``"exact"``: ``c = tau_mem_inv * (exp(-tau_syn_inv dt) - exp(-tau_mem_inv dt)) /
      (tau_mem_inv - tau_syn_inv)``, computed as
      ``tau_mem_inv * exp(-tau_mem_inv dt) * expm1(d dt) / d`` with
      ``d = tau_mem_inv - tau_syn_inv`` (no cancellation), and its limit
      ``dt * tau_mem_inv * exp(-tau_mem_inv dt)`` where ``d = 0``.
    """
    if integrator == "euler":
        return dt * tau_mem_inv
    tau_mem_inv = torch.as_tensor(tau_mem_inv)
    d = tau_mem_inv - torch.as_tensor(tau_syn_inv)
    equal = d == 0
    safe_d = torch.where(equal, torch.ones_like(d), d)
    ratio = torch.where(equal, torch.full_like(d, dt), torch.expm1(d * dt) / safe_d)
    return tau_mem_inv * torch.exp(-tau_mem_inv * dt) * ratio


def membrane_step(
    v: Tensor,
    drive: Tensor,
    tau_mem_inv: Tensor | float,
    v_leak: Tensor | float,
    dt: float,
    integrator: str,
) -> Tensor:
    """One step of ``dv/dt = tau_mem_inv ((v_leak - v) + drive)``, ``drive`` constant over it.

    Returns ``v + k ((v_leak - v) + drive)`` with ``k`` from :func:`approach_factor`:
    ``dt tau_mem_inv`` (``"euler"``, Norse 1.x's expression) or ``1 - exp(-dt tau_mem_inv)``
    (``"exact"``).
    """
    return v + approach_factor(tau_mem_inv, dt, integrator) * ((v_leak - v) + drive)


def current_membrane_step(
    v: Tensor,
    i_jump: Tensor,
    tau_mem_inv: Tensor | float,
    tau_syn_inv: Tensor | float,
    v_leak: Tensor | float,
    dt: float,
    integrator: str,
) -> tuple[Tensor, Tensor]:
    """One step of ``dv/dt = tau_mem_inv ((v_leak - v) + i)``, ``di/dt = -tau_syn_inv i``.

    ``i_jump`` is the current after this step's input jump. Returns ``(v_dec, i_dec)``:

    - ``"euler"`` (Norse 1.x, same expressions): ``v_dec = v + dt tau_mem_inv ((v_leak - v) +
      i_jump)``, ``i_dec = i_jump - dt tau_syn_inv i_jump``;
    - ``"exact"``: ``v_dec = v_leak + (v - v_leak) exp(-dt tau_mem_inv) + c i_jump`` with ``c``
      from :func:`current_to_voltage_factor`, ``i_dec = i_jump exp(-dt tau_syn_inv)``.
    """
    if integrator == "euler":
        v_dec = v + dt * tau_mem_inv * ((v_leak - v) + i_jump)
        return v_dec, i_jump - dt * tau_syn_inv * i_jump
    v_dec = (
        v_leak
        + (v - v_leak) * decay_factor(tau_mem_inv, dt, "exact")
        + i_jump * current_to_voltage_factor(tau_mem_inv, tau_syn_inv, dt, "exact")
    )
    return v_dec, i_jump * decay_factor(tau_syn_inv, dt, "exact")
