"""Neuron conversions both ways: Norse's parameters to NIR fields, NIR nodes to core modules.

Norse's leaky neurons integrate ``dv = dt·τ⁻¹·((v_leak − v) + i)`` (input gain ``dt/τ``, that
is NIR's ``r = 1``); snnTorch, SpikingJelly, Spyx and Lava-dl read NIR with input gain 1, that
is ``r = τ/dt``. Both describe the same neuron once the voltages are measured in a unit
``r`` times smaller, so the export writes, by default (``convention="tau_over_dt"``):

================  ==========================================================================
Norse             NIR (``a = tau_mem_inv``, ``b = tau_syn_inv``, ``dt`` in s)
================  ==========================================================================
``LIFBox*``       ``LIF(τ = 1/a, r = 1/(a·dt), v_leak·r, v_threshold = v_th·r, v_reset·r)``
``LIF*``          ``CubaLIF(τ_syn = 1/b, τ_mem = 1/a, r = 1/(a·dt), w_in = 1/(b·dt),
                  v_leak·r, v_th·r, v_reset·r)``
``IAF*``          ``IF(r = 1/dt, v_th, v_reset)`` (``v += dt·r·x`` is Norse's ``v += x``)
``LIBox*``        ``LI(τ = 1/a, r = 1, v_leak)`` (the output is the voltage: not rescaled)
``LI*``           ``CubaLI(τ_syn = 1/b, τ_mem = 1/a, r = 1, w_in = 1/(b·dt), v_leak)``
================  ==========================================================================

``convention="unit_r"`` writes ``r = 1`` and unscaled voltages for ``LIF`` and ``CubaLIF`` (the
Norse 1.x form). Every exported neuron node also carries ``metadata["norse"]``: the model,
``dt``, the convention, the integrator and the module's parameters. Import uses those exact
parameters when they reproduce the node's fields bit for bit (so a Norse round trip is
exact), and otherwise converts the fields (NIR graphs are self-contained).

Import builds the core's own modules, per neuron tensors of the node shape:

* ``LIF`` → ``LIFBoxCell(tau_mem_inv = 1/τ)``; ``CubaLIF`` → ``LIFCell(tau_syn_inv = 1/τ_syn,
  tau_mem_inv = 1/τ_mem)``; ``IF`` → ``IAFCell``; ``LI`` → ``LIBoxCell``; ``CubaLI`` →
  ``LICell``. The node's input gain ``g`` (``r`` for LIF/LI, ``r·dt·w_in/τ_syn`` for the
  Cuba nodes, ``dt·r`` for IF) is absorbed into the voltage unit of a spiking neuron
  (``v_leak``, ``v_threshold``, ``v_reset`` divided by ``g``; exact where every ``g > 0``)
  or applied as an input scale ``x·g`` (non-spiking nodes, or ``g ≤ 0`` somewhere).
* ``I`` (no core counterpart) → :class:`Integrator`: ``v += dt·r·x``, output ``v``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

__all__ = [
    "CONVENTIONS",
    "Integrator",
    "IntegratorState",
    "NeuronModule",
    "export_fields",
    "import_neuron",
]

CONVENTIONS = ("tau_over_dt", "unit_r")
"""The export conventions for ``r`` (see the module docstring)."""

NODE_TYPES = {"lif_box": "LIF", "lif": "CubaLIF", "iaf": "IF", "li_box": "LI", "li": "CubaLI"}
"""Norse model name -> the NIR node type it exports as."""

_PARAMETER_FIELDS = {
    "lif_box": ("tau_mem_inv", "v_leak", "v_th", "v_reset"),
    "lif": ("tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset"),
    "iaf": ("v_th", "v_reset"),
    "li_box": ("tau_mem_inv", "v_leak"),
    "li": ("tau_syn_inv", "tau_mem_inv", "v_leak"),
}


def _f64(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.detach().cpu().double().numpy()
    return np.broadcast_to(np.asarray(value, dtype=np.float64), shape)


def _f32(value: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(value, dtype=np.float32)


def export_fields(
    model: str, parameters: dict[str, Any], dt: float, shape: tuple[int, ...], convention: str
) -> dict[str, np.ndarray]:
    """The NIR fields (float32, of ``shape``) of a Norse neuron (module docstring's table).

    Args:
        model: ``"lif_box"``, ``"lif"``, ``"iaf"``, ``"li_box"`` or ``"li"``.
        parameters: the parameter fields of :data:`_PARAMETER_FIELDS` (tensors or numbers,
            broadcastable to ``shape``).
        dt: the time step in s. shape: the layer shape (no batch).
        convention: ``"tau_over_dt"`` or ``"unit_r"``.

    Raises:
        ValueError: if a parameter does not broadcast to ``shape``.
    """
    p = {}
    for name in _PARAMETER_FIELDS[model]:
        try:
            p[name] = _f64(parameters[name], shape)
        except ValueError as error:
            raise ValueError(
                f"parameter {name} of shape {np.shape(parameters[name])} does not fit the layer "
                f"shape {shape}"
            ) from error
    ones = np.ones(shape)
    if model == "iaf":
        return {"r": _f32(ones / dt), "v_threshold": _f32(p["v_th"]), "v_reset": _f32(p["v_reset"])}
    if model == "li_box":
        return {"tau": _f32(1 / p["tau_mem_inv"]), "r": _f32(ones), "v_leak": _f32(p["v_leak"])}
    fields = {}
    if model in ("lif", "li"):
        fields["tau_syn"] = _f32(1 / p["tau_syn_inv"])
        fields["tau_mem"] = _f32(1 / p["tau_mem_inv"])
        fields["w_in"] = _f32(1 / (p["tau_syn_inv"] * dt))
    else:
        fields["tau"] = _f32(1 / p["tau_mem_inv"])
    r = ones / (p["tau_mem_inv"] * dt) if convention == "tau_over_dt" and model != "li" else ones
    fields["r"] = _f32(r)
    fields["v_leak"] = _f32(p["v_leak"] * r)
    if model in ("lif_box", "lif"):
        fields["v_threshold"] = _f32(p["v_th"] * r)
        fields["v_reset"] = _f32(p["v_reset"] * r)
    return fields


def exact_metadata(
    model: str, parameters: Any, dt: float, shape: tuple[int, ...], convention: str
) -> dict[str, Any]:
    """``metadata["norse"]`` of an exported neuron: model, dt, convention, exact parameters."""
    meta: dict[str, Any] = {
        "model": model,
        "dt": float(dt),
        "convention": convention,
        "integrator": getattr(parameters, "integrator", "euler"),
    }
    for name in _PARAMETER_FIELDS[model]:
        meta[name] = _f32(_f64(getattr(parameters, name), shape))
    return meta


def _exact_parameters(node_type: str, fields: dict[str, np.ndarray], meta: Any) -> dict | None:
    """The exported module's parameters if ``meta`` reproduces ``fields`` exactly, else None."""
    if not isinstance(meta, dict):
        return None
    model = meta.get("model")
    if NODE_TYPES.get(model) != node_type or meta.get("convention") not in CONVENTIONS:
        return None
    try:
        params = {
            name: np.asarray(meta[name], dtype=np.float32) for name in _PARAMETER_FIELDS[model]
        }
        shape = fields["r"].shape
        expected = export_fields(model, params, float(meta["dt"]), shape, meta["convention"])
    except (KeyError, TypeError, ValueError):
        return None
    for name, value in expected.items():
        if not np.array_equal(value, np.asarray(fields[name], dtype=np.float32)):
            return None
    return params


class NeuronModule(nn.Module):
    """A core neuron cell fed ``x·scale`` (``scale`` None: ``x``); ``forward(x, state)``.

    Attributes:
        cell: the core cell (``LIFBoxCell``, ``LIFCell``, ``IAFCell``, ``LIBoxCell``,
            ``LICell``); its state is the module's state.
        scale: the per-neuron input scale (a buffer) or None.
    """

    nir_stateful = True

    def __init__(self, cell: nn.Module, scale: Tensor | None):
        super().__init__()
        self.cell = cell
        if scale is None:
            self.scale = None
        else:
            self.register_buffer("scale", scale)

    def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        return self.cell(x if self.scale is None else x * self.scale, state)


class IntegratorState(NamedTuple):
    """State of an :class:`Integrator`: the voltage ``v`` ``(B, *shape)``."""

    v: Tensor


class Integrator(nn.Module):
    """NIR ``I`` (no core counterpart): ``v ← v + dt·r·x``, output ``v``, ``v = 0`` at rest."""

    nir_stateful = True

    def __init__(self, r: np.ndarray, dt: float):
        super().__init__()
        self.register_buffer("gain", torch.as_tensor(_f32(np.asarray(r, np.float64) * dt)))

    def forward(
        self, x: Tensor, state: IntegratorState | None = None
    ) -> tuple[Tensor, IntegratorState]:
        v = (torch.zeros_like(x) if state is None else state.v) + self.gain * x
        return v, IntegratorState(v)


def _tensor(value: np.ndarray) -> Tensor:
    return torch.as_tensor(_f32(value))


def import_neuron(
    node_type: str,
    fields: dict[str, np.ndarray],
    metadata: dict | None,
    dt: float,
    integration: str,
    reset_method: Any,
) -> nn.Module:
    """A NIR neuron node (``I``, ``IF``, ``LI``, ``LIF``, ``CubaLI``, ``CubaLIF``) as a module.

    Args:
        node_type: the NIR node type. fields: its fields (arrays of one shape).
        metadata: the node's metadata (``metadata["norse"]`` is used when it is exact).
        dt: the step in s. integration: ``"euler"`` or ``"exact"``.
        reset_method: the reset of spiking neurons (``norse.torch.functional.reset``).

    Returns:
        :class:`NeuronModule` or :class:`Integrator`; ``forward(x, state) -> (out, state)``.
    """
    import norse.torch as snn
    from norse.torch.functional import iaf, leaky_integrator, leaky_integrator_box, lif, lif_box

    if node_type == "I":
        return Integrator(fields["r"], dt)
    exact = _exact_parameters(node_type, fields, (metadata or {}).get("norse"))
    f = {k: np.asarray(v, dtype=np.float64) for k, v in fields.items()}
    if node_type in ("LIF", "LI"):
        gain, rates = f["r"], {"tau_mem_inv": 1 / f["tau"]}
    elif node_type == "IF":
        gain, rates = f["r"] * dt, {}
    else:
        gain = f["r"] * dt * f["w_in"] / f["tau_syn"]
        rates = {"tau_syn_inv": 1 / f["tau_syn"], "tau_mem_inv": 1 / f["tau_mem"]}
    spiking = node_type in ("LIF", "IF", "CubaLIF")
    unit = gain if spiking and np.all(gain > 0) else np.ones_like(gain)
    scale = None if spiking and np.all(gain > 0) else _tensor(gain)
    if exact is not None:
        params = {k: torch.as_tensor(v) for k, v in exact.items()}
        scale = None
    else:
        params = {k: _tensor(v) for k, v in rates.items()}
        if "v_leak" in f:
            params["v_leak"] = _tensor(f["v_leak"] / unit)
        if spiking:
            params["v_th"] = _tensor(f["v_threshold"] / unit)
            params["v_reset"] = _tensor(f["v_reset"] / unit)
    if node_type == "LIF":
        p = lif_box.LIFBoxParameters(**params, integrator=integration, reset_method=reset_method)
        cell: nn.Module = snn.LIFBoxCell(p, dt=dt)
    elif node_type == "CubaLIF":
        p = lif.LIFParameters(**params, integrator=integration, reset_method=reset_method)
        cell = snn.LIFCell(p, dt=dt)
    elif node_type == "IF":
        cell = snn.IAFCell(iaf.IAFParameters(**params, reset_method=reset_method), dt=dt)
    elif node_type == "LI":
        p = leaky_integrator_box.LIBoxParameters(**params, integrator=integration)
        cell = snn.LIBoxCell(p, dt=dt)
    else:
        p = leaky_integrator.LIParameters(**params, integrator=integration)
        cell = snn.LICell(p, dt=dt)
    return NeuronModule(cell, scale)
