"""Discrete-time dynamics of NIR's stateful nodes, for a step ``dt`` in seconds.

NIR defines continuous-time equations; importing a graph fixes ``dt`` and a discretisation.
Two are offered (``integration=``):

``"euler"`` (default; what Norse, snnTorch, SpikingJelly and Lava-dl do), per step with
input ``x`` (the sum of the node's incoming edges at this step):

* ``I``:       ``v ← v + dt·r·x``
* ``IF``:      ``v ← v + dt·r·x``; ``z = v > v_threshold``; ``v ← v_reset`` where ``z``
* ``LI``:      ``v ← v + dt/τ·(v_leak − v + r·x)``
* ``LIF``:     as ``LI``, then spike and reset as ``IF``
* ``CubaLI``:  ``j = i + dt/τ_syn·w_in·x`` (the current after this step's input), then
  ``v ← v + dt/τ_mem·(v_leak − v + r·j)`` and ``i ← j·(1 − dt/τ_syn)``. This is the Euler
  step ``I ← I + dt/τ_syn·(−I + w_in·x)`` with the membrane fed by the *updated* current
  ``I = j`` (the "no delay" order of Norse's ``LIFCell`` and snnTorch's ``Synaptic``); the
  state keeps the decayed current ``i``, as Norse does
* ``CubaLIF``: as ``CubaLI``, then spike and reset as ``IF``

``"exact"``: the exact solution of the linear ODEs over one step, ``a = exp(−dt/τ_mem)``,
``b = exp(−dt/τ_syn)``:

* ``LI``/``LIF``: the input is held over the step: ``v ← v∞ + (v − v∞)·a`` with
  ``v∞ = v_leak + r·x``
* ``CubaLI``/``CubaLIF``: the step's input arrives as an impulse of area ``x·dt`` at its
  start (spikes are events): ``j = i + dt/τ_syn·w_in·x``, then
  ``v ← v_leak + (v − v_leak)·a + r·j·c`` and ``i ← j·b`` with
  ``c = τ_syn·(b − a)/(τ_syn − τ_mem)`` (``c = dt/τ·a`` when ``τ_syn = τ_mem``)
* ``I``/``IF``: as Euler (exact for a held input)

Both are the discretisations of Norse's own neurons (``integrator="euler"``/``"exact"``), so
exported Norse modules import with identical dynamics.

Spikes are ``z = Θ(v − v_threshold)`` (strict ``>``, as NIR), one per step at most, and reset
sets ``v`` to ``v_reset`` (NIR has no subtractive reset). Gradients of ``Θ`` use the
SuperSpike surrogate ``1/(α·|x| + 1)²`` with ``α = 100``.

Initial state (as Norse's neurons): ``v = v_leak`` for the leaky neurons (their rest),
``v = v_reset`` for ``IF``, ``v = 0`` for ``I``; currents ``i = 0``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

__all__ = [
    "INTEGRATIONS",
    "CubaState",
    "DelayNode",
    "NeuronNode",
    "ThresholdNode",
    "VoltageState",
    "heaviside",
]

INTEGRATIONS = ("euler", "exact")
"""The discretisations offered by :func:`norse_nir.from_nir`."""


class _SuperSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, alpha: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad / (ctx.alpha * x.abs() + 1.0) ** 2, None


def heaviside(x: torch.Tensor, alpha: float = 100.0) -> torch.Tensor:
    """``Θ(x) = 1 if x > 0 else 0`` with the SuperSpike surrogate gradient ``1/(α|x|+1)²``."""
    return _SuperSpike.apply(x, alpha)


class VoltageState(NamedTuple):
    """State of ``I``, ``IF``, ``LI`` and ``LIF``: the membrane voltage ``v`` (B, *shape)."""

    v: torch.Tensor


class CubaState(NamedTuple):
    """State of ``CubaLI`` and ``CubaLIF``: voltage ``v`` and synaptic current ``i``."""

    v: torch.Tensor
    i: torch.Tensor


def _buffer(value: Any) -> torch.Tensor:
    return torch.as_tensor(np.asarray(value, dtype=np.float32))


class NeuronNode(torch.nn.Module):
    """One NIR neuron node (``I``, ``IF``, ``LI``, ``LIF``, ``CubaLI``, ``CubaLIF``) as a step.

    Args:
        kind: the NIR node type name.
        parameters: the node's fields (``tau``, ``r``, ``v_leak``, ...) as arrays of the
            neuron shape; they become float32 buffers.
        dt: the step in seconds (> 0).
        integration: ``"euler"`` or ``"exact"`` (module docstring).

    ``forward(x, state=None) -> (output, state)`` with ``x`` of shape ``(B, *shape)``; the
    output is the spikes for spiking kinds and ``v`` for ``I``, ``LI`` and ``CubaLI``.
    """

    SPIKING = ("IF", "LIF", "CubaLIF")

    def __init__(self, kind: str, parameters: dict[str, Any], dt: float, integration: str):
        super().__init__()
        if integration not in INTEGRATIONS:
            raise ValueError(f"integration must be one of {INTEGRATIONS}, got {integration!r}")
        if not dt > 0:
            raise ValueError(f"dt must be > 0 seconds, got {dt}")
        self.kind = kind
        self.dt = float(dt)
        self.integration = integration
        for name, value in parameters.items():
            self.register_buffer(name, _buffer(value))

    def extra_repr(self) -> str:
        return f"{self.kind}, shape={tuple(self.r.shape)}, dt={self.dt}, {self.integration}"

    def initial_state(self, x: torch.Tensor) -> VoltageState | CubaState:
        """The resting state for a batch shaped like ``x``."""
        if self.kind == "IF":
            rest = self.v_reset
        elif self.kind == "I":
            rest = torch.zeros_like(self.r)
        else:
            rest = self.v_leak
        v = rest.to(x.dtype).expand_as(x).clone()
        if self.kind.startswith("Cuba"):
            return CubaState(v, torch.zeros_like(x))
        return VoltageState(v)

    def forward(
        self, x: torch.Tensor, state: VoltageState | CubaState | None = None
    ) -> tuple[torch.Tensor, VoltageState | CubaState]:
        if state is None:
            state = self.initial_state(x)
        dt = self.dt
        if self.kind in ("I", "IF"):
            v = state.v + dt * self.r * x
        elif self.kind in ("LI", "LIF"):
            if self.integration == "euler":
                v = state.v + dt / self.tau * (self.v_leak - state.v + self.r * x)
            else:
                v_inf = self.v_leak + self.r * x
                v = v_inf + (state.v - v_inf) * torch.exp(-dt / self.tau)
        else:
            j = state.i + dt / self.tau_syn * self.w_in * x
            if self.integration == "euler":
                v = state.v + dt / self.tau_mem * (self.v_leak - state.v + self.r * j)
                i = j * (1 - dt / self.tau_syn)
            else:
                a, b, c = self._exact_factors()
                v = self.v_leak + (state.v - self.v_leak) * a + self.r * j * c
                i = j * b
        if self.kind not in self.SPIKING:
            new = CubaState(v, i) if self.kind == "CubaLI" else VoltageState(v)
            return v, new
        z = heaviside(v - self.v_threshold)
        v = (1 - z) * v + z * self.v_reset
        return z, (CubaState(v, i) if self.kind == "CubaLIF" else VoltageState(v))

    def _exact_factors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        dt, tau_s, tau_m = self.dt, self.tau_syn, self.tau_mem
        a, b = torch.exp(-dt / tau_m), torch.exp(-dt / tau_s)
        diff = tau_s - tau_m
        equal = diff.abs() <= 1e-9 * tau_m
        safe = torch.where(equal, torch.ones_like(diff), diff)
        c = torch.where(equal, dt / tau_m * a, tau_s * (b - a) / safe)
        return a, b, c


class ThresholdNode(torch.nn.Module):
    """NIR ``Threshold``: ``z = Θ(x − threshold)`` elementwise (stateless)."""

    def __init__(self, threshold: Any):
        super().__init__()
        self.register_buffer("threshold", _buffer(threshold))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return heaviside(x - self.threshold)


class DelayNode(torch.nn.Module):
    """NIR ``Delay``: ``y(t) = x(t − delay)``, with per-element delays rounded to steps.

    Args:
        delay: delays in seconds, shape ``shape``; each must be a whole number of steps
            (within 1e-6 relative), else ``ValueError``.
        dt: the step in seconds.

    State: the last ``max_steps`` inputs, ``(max_steps, B, *shape)``, zeros at first.
    """

    def __init__(self, delay: Any, dt: float):
        super().__init__()
        steps = np.asarray(delay, dtype=np.float64) / dt
        rounded = np.round(steps)
        if np.any(np.abs(steps - rounded) > 1e-6 * np.maximum(1.0, rounded)):
            raise ValueError(
                f"delay must be a whole number of steps of dt={dt}, got delays {np.unique(delay)}"
            )
        self.register_buffer("steps", torch.as_tensor(rounded.astype(np.int64)))
        self.max_steps = int(rounded.max()) if rounded.size else 0

    def forward(
        self, x: torch.Tensor, state: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.max_steps == 0:
            return x, torch.zeros((0, *x.shape), dtype=x.dtype, device=x.device)
        if state is None:
            state = torch.zeros((self.max_steps, *x.shape), dtype=x.dtype, device=x.device)
        history = torch.cat([x.unsqueeze(0), state])  # history[k] = x(t − k)
        index = self.steps.expand_as(x).unsqueeze(0)
        y = torch.gather(history, 0, index).squeeze(0)
        return y, history[:-1]
