"""Recording: run a model on an input and keep every stateful layer's outputs and states."""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

import norse.plugins

__all__ = ["LayerRecording", "flatten_state", "neuron_name", "record"]


class LayerRecording(NamedTuple):
    """What :func:`record` kept of one stateful layer, as plain CPU tensors.

    Attributes:
        output: the layer's output at every step, ``(T, B, ...)``.
        state: every state field at every step, ``(T, B, ...)``, keyed by field name;
            nested states use dotted names (``"lif.v"`` for ``LIFRefracState.lif.v``).
        module: the class name of the layer (``"LIFCell"``).
        neuron: the registry name of its neuron model (``"lif"``), or None when the layer's
            class is not a registered neuron module.
        parameters: the layer's parameter ``NamedTuple`` (``module.p``), or None.
        dt: the layer's time step in seconds (``module.dt``), or None.
    """

    output: Tensor
    state: dict[str, Tensor]
    module: str
    neuron: str | None = None
    parameters: Any = None
    dt: float | None = None


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def flatten_state(state: Any, prefix: str = "") -> dict[str, Tensor]:
    """The tensor fields of a (possibly nested) state ``NamedTuple``, keyed by dotted name.

    ``LIFRefracState(lif=LIFFeedForwardState(v, i), rho)`` gives ``{"lif.v", "lif.i", "rho"}``.
    Fields that are not tensors (or nested tuples of tensors) are left out.
    """
    fields: dict[str, Tensor] = {}
    for name, value in zip(state._fields, state):
        key = f"{prefix}{name}"
        if isinstance(value, Tensor):
            fields[key] = value
        elif _is_namedtuple(value):
            fields.update(flatten_state(value, f"{key}."))
    return fields


def neuron_name(module: nn.Module) -> str | None:
    """The registry name of the neuron model that ``module``'s class implements, or None.

    Looks through every registered neuron (plugin ones included) for a spec whose ``cell``,
    ``sequence``, ``recurrent_cell`` or ``recurrent`` class is ``type(module)``.
    """
    for name, spec in norse.plugins.neurons().items():
        if type(module) in (spec.cell, spec.sequence, spec.recurrent_cell, spec.recurrent):
            return name
    return None


def _takes_state(module: nn.Module) -> bool:
    return "state" in inspect.signature(module.forward).parameters


def record(model: nn.Module, inputs: Tensor, state: Any = None) -> dict[str, LayerRecording]:
    """Run ``model`` on ``inputs`` and record each stateful layer's outputs and full states.

    A *stateful layer* is any submodule (or ``model`` itself) whose ``forward`` takes a
    ``state`` argument and returns ``(output, state)`` with a state ``NamedTuple`` (every
    Norse neuron cell and sequence module, plugin ones included; containers such as
    ``SequentialState``, whose state is a list, are not layers).

    Two ways of running, chosen from the model:

    - a model containing sequence modules (any submodule with a ``record_states``
      attribute, e.g. ``LIF``) is called once as ``model(inputs)`` (with ``state`` when
      given), with ``record_states`` switched on for the call (and restored afterwards);
    - otherwise (cells, e.g. ``SequentialState(nn.Linear(..), LIFCell())``) it is stepped
      through time: ``out, state = model(inputs[t], state)`` for every ``t``.

    Runs under ``torch.no_grad()``; recorded tensors are detached and on the CPU.

    Args:
        model: the network.
        inputs: a time-major input ``(T, B, ...)``.
        state: the model's initial state (default None: its own initial state).

    Returns:
        ``{layer name: LayerRecording}`` in the order the layers first ran; a layer's name
        is its name in ``model.named_modules()`` (``"1"``, ``"encoder.lif"``), or its class
        name when it is ``model`` itself.

    Raises:
        TypeError: if ``model`` is not a module or ``inputs`` not a tensor.
        ValueError: if ``inputs`` has no time dimension, or no stateful layer ran.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(inputs, Tensor):
        raise TypeError(f"inputs must be a torch.Tensor, got {type(inputs).__name__}")
    if inputs.dim() < 2:
        raise ValueError(
            f"inputs must be time-major with at least (T, B), got shape {tuple(inputs.shape)}"
        )
    modules = dict(model.named_modules())
    names = {id(module): name or type(model).__name__ for name, module in modules.items()}
    sequence_modules = [m for m in modules.values() if hasattr(m, "record_states")]
    steps: dict[str, list[tuple[Tensor, dict[str, Tensor]]]] = {}
    layers: dict[str, nn.Module] = {}

    def hook(module: nn.Module, _inputs: Any, outputs: Any) -> None:
        if not (isinstance(outputs, tuple) and len(outputs) == 2):
            return
        output, new_state = outputs
        if not (isinstance(output, Tensor) and _is_namedtuple(new_state)):
            return
        name = names[id(module)]
        layers[name] = module
        fields = {k: v.detach().cpu() for k, v in flatten_state(new_state).items()}
        steps.setdefault(name, []).append((output.detach().cpu(), fields))

    handles = [m.register_forward_hook(hook) for m in modules.values() if _takes_state(m)]
    previous = [m.record_states for m in sequence_modules]
    try:
        with torch.no_grad():
            if sequence_modules:
                for module in sequence_modules:
                    module.record_states = True
                model(inputs, state) if _takes_state(model) else model(inputs)
            else:
                for x in inputs:
                    if _takes_state(model):
                        _, state = model(x, state)
                    else:
                        model(x)
    finally:
        for handle in handles:
            handle.remove()
        for module, value in zip(sequence_modules, previous):
            module.record_states = value
    if not steps:
        raise ValueError(
            f"no stateful layer ran in {type(model).__name__}: record needs layers whose "
            "forward takes a state and returns (output, state NamedTuple)"
        )
    recordings = {}
    for name, runs in steps.items():
        module = layers[name]
        if hasattr(module, "record_states"):
            (output, fields) = runs[-1]
        else:
            output = torch.stack([out for out, _ in runs])
            fields = {key: torch.stack([f[key] for _, f in runs]) for key in runs[0][1]}
        recordings[name] = LayerRecording(
            output=output,
            state=fields,
            module=type(module).__name__,
            neuron=neuron_name(module),
            parameters=getattr(module, "p", None),
            dt=getattr(module, "dt", None),
        )
    return recordings
