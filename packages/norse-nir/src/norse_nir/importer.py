"""Import: any NIR graph of the 19 node types becomes an executable, stateful module.

:func:`from_nir` validates the graph (:mod:`norse_nir.validation`), turns every node into a
torch module and wraps them in a :class:`GraphModule` that runs the graph step by step:

* node order is a depth-first order from the ``Input`` nodes; an edge into a node that is
  already on the path closes a cycle and is *recurrent*: it carries the source's output of
  the previous step, so ``lif ⇄ w_rec`` behaves like Norse's ``LIFRecurrentCell``
  (``W_rec·z[t−1]``); at the first step it carries the source's output for zero input
  (an ``Affine``'s bias, as NIR's ``y = W·x + b`` and snnTorch define);
* several edges into one node are summed; a node without incoming edges gets zeros;
* nested ``NIRGraph`` nodes become nested :class:`GraphModule` s (one Input, one Output);
* state is explicit: ``forward(x, state) -> (output, state)``, ``state`` a
  :class:`GraphState` (None starts from rest);
* ``x`` is one step ``(B, *input_shape)`` or a sequence ``(T, B, *input_shape)``; a
  sequence returns outputs stacked over time.

Node mapping (``dt`` in seconds): the neurons ``LIF``, ``CubaLIF``, ``IF``, ``LI``,
``CubaLI`` become the core's own modules and ``I`` an integrator (:mod:`norse_nir.neurons`);
``Threshold`` and ``Delay`` per :mod:`norse_nir.nodes`; ``Affine`` and
``Linear`` → ``y = W·x (+ b)``; ``Scale`` → ``x ⊙ s``; ``Conv1d``/``Conv2d`` →
``torch.nn.functional.conv*d``; ``SumPool2d`` → sum over windows (zero padding);
``AvgPool2d`` → mean over windows with padding counted (``count_include_pad=True``);
``Flatten`` → flatten of the non-batch dims ``start_dim..end_dim``.
Plugins can take over a node type, or nodes tagged with their converter's name, through
``norse_register_nir_converters`` (see :mod:`norse_nir.converters`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import nir
import numpy as np
import torch
import torch.nn.functional as F

from norse_nir import limits
from norse_nir.errors import NIRFormatError
from norse_nir.neurons import import_neuron
from norse_nir.nodes import DelayNode, ThresholdNode
from norse_nir.validation import GraphShapes, validate

__all__ = ["INTEGRATIONS", "GraphModule", "GraphState", "from_nir"]

INTEGRATIONS = ("euler", "exact")
"""The discretisations offered by :func:`from_nir` (the core neurons' ``integrator``)."""

DEFAULT_DT = 1e-4
"""The step (s) used when neither ``from_nir``'s ``dt`` nor the graph's metadata gives one."""


def _tensor(value: Any) -> torch.Tensor:
    return torch.as_tensor(np.asarray(value, dtype=np.float32))


class Affine(torch.nn.Module):
    """NIR ``Affine``/``Linear``: ``y = W·x + b`` with ``W`` (..., out, in); ``b`` optional."""

    def __init__(self, weight: Any, bias: Any | None):
        super().__init__()
        self.weight = torch.nn.Parameter(_tensor(weight))
        self.bias = None if bias is None else torch.nn.Parameter(_tensor(bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight.ndim == 2:
            return F.linear(x, self.weight, self.bias)
        y = torch.matmul(self.weight, x.unsqueeze(-1)).squeeze(-1)
        return y if self.bias is None else y + self.bias


class Scale(torch.nn.Module):
    """NIR ``Scale``: ``y = x ⊙ s``."""

    def __init__(self, scale: Any):
        super().__init__()
        self.scale = torch.nn.Parameter(_tensor(scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


class Flatten(torch.nn.Module):
    """NIR ``Flatten``: flattens non-batch dims ``start_dim..end_dim`` (NIR numbering)."""

    def __init__(self, start_dim: int, end_dim: int, rank: int):
        super().__init__()
        self.start_dim = start_dim % rank + 1
        self.end_dim = end_dim % rank + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(x, self.start_dim, self.end_dim)


class Pool2d(torch.nn.Module):
    """NIR ``SumPool2d`` (``mode="sum"``) or ``AvgPool2d`` (``mode="avg"``) on (B, C, H, W)."""

    def __init__(self, kernel_size: Any, stride: Any, padding: Any, mode: str):
        super().__init__()
        self.kernel_size = tuple(int(k) for k in kernel_size)
        self.stride = tuple(int(s) for s in stride)
        self.padding = tuple(int(p) for p in padding)
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        divisor = 1 if self.mode == "sum" else None
        return F.avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            count_include_pad=True,
            divisor_override=divisor,
        )


def _conv(node: nir.Conv1d | nir.Conv2d) -> torch.nn.Module:
    weight = _tensor(node.weight)
    in_channels, out_channels = weight.shape[1] * int(node.groups), weight.shape[0]
    cls = torch.nn.Conv1d if isinstance(node, nir.Conv1d) else torch.nn.Conv2d
    rank = 1 if isinstance(node, nir.Conv1d) else 2

    def ints(value: Any) -> tuple[int, ...]:
        return tuple(int(v) for v in np.broadcast_to(np.asarray(value), (rank,)))

    padding = node.padding if isinstance(node.padding, str) else ints(node.padding)
    conv = cls(
        in_channels,
        out_channels,
        kernel_size=tuple(weight.shape[2:]),
        stride=ints(node.stride),
        padding=padding,
        dilation=ints(node.dilation),
        groups=int(node.groups),
        bias=True,
    )
    with torch.no_grad():
        conv.weight.copy_(weight)
        conv.bias.copy_(_tensor(node.bias))
    return conv


_NEURON_FIELDS = {
    "I": ("r",),
    "IF": ("r", "v_threshold", "v_reset"),
    "LI": ("tau", "r", "v_leak"),
    "LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
    "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
    "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"),
}


class GraphState(NamedTuple):
    """State of a :class:`GraphModule`.

    Attributes:
        nodes: node name -> state of that stateful node (neurons, delays, subgraphs).
        values: node name -> that node's output at the last step (every node; the sources
            of recurrent edges read theirs from here at the next step, zeros at rest).
    """

    nodes: dict[str, Any]
    values: dict[str, torch.Tensor]


class _Options(NamedTuple):
    dt: float
    integration: str | None
    reset_method: Any


def _node_module(
    name: str, node: nir.NIRNode, shapes: GraphShapes, key: str, options: _Options
) -> torch.nn.Module | None:
    from norse_nir.converters import import_converter

    kind = type(node).__name__
    dt = options.dt
    custom = import_converter(kind, getattr(node, "metadata", None))
    if custom is not None:
        return custom(node, dt)
    if isinstance(node, (nir.Input, nir.Output)):
        return None
    if isinstance(node, nir.NIRGraph):
        return GraphModule(node, shapes.subgraphs[key], options)
    if isinstance(node, nir.Affine):
        return Affine(node.weight, node.bias)
    if isinstance(node, nir.Linear):
        return Affine(node.weight, None)
    if isinstance(node, nir.Scale):
        return Scale(node.scale)
    if isinstance(node, (nir.Conv1d, nir.Conv2d)):
        return _conv(node)
    if isinstance(node, nir.SumPool2d):
        return Pool2d(node.kernel_size, node.stride, node.padding, "sum")
    if isinstance(node, nir.AvgPool2d):
        return Pool2d(node.kernel_size, node.stride, node.padding, "avg")
    if isinstance(node, nir.Flatten):
        return Flatten(node.start_dim, node.end_dim, len(shapes.inputs[key]))
    if isinstance(node, nir.Threshold):
        return ThresholdNode(node.threshold)
    if isinstance(node, nir.Delay):
        delay = np.asarray(node.delay, dtype=np.float64)
        limits.check(name, "delay", delay.size * (float(delay.max(initial=0.0)) / dt + 1))
        try:
            return DelayNode(delay, dt)
        except ValueError as error:
            raise NIRFormatError(str(error), node=name, field="delay") from error
    if kind in _NEURON_FIELDS:
        fields = {field: getattr(node, field) for field in _NEURON_FIELDS[kind]}
        metadata = getattr(node, "metadata", None) or {}
        integration = options.integration
        if integration is None:
            own = metadata.get("norse", {}) if isinstance(metadata, dict) else {}
            integration = own.get("integrator") if isinstance(own, dict) else None
            integration = integration if integration in INTEGRATIONS else "euler"
        return import_neuron(kind, fields, metadata, dt, integration, options.reset_method)
    raise NIRFormatError(
        f"no import for node type {kind}", node=name, field="type"
    )  # pragma: no cover


def _is_stateful(module: torch.nn.Module | None) -> bool:
    return isinstance(module, GraphModule) or bool(getattr(module, "nir_stateful", False))


class GraphModule(torch.nn.Module):
    """An executable NIR graph (see the module docstring for the semantics).

    Build it with :func:`from_nir`. ``forward(x, state=None) -> (output, state)``:

    * ``x``: a tensor for a graph with one ``Input`` node, else a dict name -> tensor;
      each ``(B, *shape)`` for one step or ``(T, B, *shape)`` for a sequence;
    * ``output``: a tensor for one ``Output`` node, else a dict name -> tensor, with the
      leading dims of ``x``;
    * ``state``: a :class:`GraphState` or None (rest).

    Attributes:
        graph: the validated ``nir.NIRGraph``.
        dt: the step in seconds.
    """

    def __init__(self, graph: nir.NIRGraph, shapes: GraphShapes, options: _Options):
        super().__init__()
        self.graph = graph
        self.shapes = shapes
        self.dt = options.dt
        self.keys: dict[str, str] = {}
        self.layers = torch.nn.ModuleDict()
        prefix_free: set[str] = set()
        for name, node in graph.nodes.items():
            module = _node_module(name, node, shapes, name, options)
            key = name.replace(".", "_") or "_"
            while key in prefix_free:
                key += "_"
            prefix_free.add(key)
            self.keys[name] = key
            if module is not None:
                self.layers[key] = module
        self.incoming: dict[str, list[tuple[str, bool]]] = {name: [] for name in graph.nodes}
        for src, dst in graph.edges:
            self.incoming[dst].append((src, (src, dst) in shapes.recurrent))
        self.input_names = [n for n, v in graph.nodes.items() if isinstance(v, nir.Input)]
        self.output_names = [n for n, v in graph.nodes.items() if isinstance(v, nir.Output)]
        self.delayed_sources = sorted({src for src, _ in shapes.recurrent})

    def _layer(self, name: str) -> torch.nn.Module | None:
        key = self.keys[name]
        return self.layers[key] if key in self.layers else None

    def _inputs(self, x: torch.Tensor | Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if isinstance(x, Mapping):
            if sorted(x) != sorted(self.input_names):
                raise ValueError(
                    f"x must have the keys {sorted(self.input_names)}, got {sorted(x)}"
                )
            return dict(x)
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor or a dict of them, got {type(x).__name__}")
        if len(self.input_names) != 1:
            raise ValueError(
                f"this graph has {len(self.input_names)} Input nodes {self.input_names}; "
                "pass x as a dict name -> tensor"
            )
        return {self.input_names[0]: x}

    def _lead(self, inputs: dict[str, torch.Tensor]) -> int:
        leads = set()
        for name, x in inputs.items():
            shape = self.shapes.outputs[name]
            lead = x.ndim - len(shape)
            if lead not in (1, 2) or tuple(x.shape[lead:]) != shape:
                raise ValueError(
                    f"input {name!r} must be (B, {', '.join(map(str, shape))}) for one step or "
                    f"(T, B, ...) for a sequence, got shape {tuple(x.shape)}"
                )
            leads.add(lead)
        if len(leads) != 1:
            raise ValueError("all inputs must be single steps or all sequences")
        return leads.pop()

    def initial_state(self, x: torch.Tensor) -> GraphState:
        """Rest state for a batch like ``x`` (one step, ``(B, ...)``).

        The source of a recurrent edge starts from its output for zero input: zeros for
        neurons and Input nodes, the bias for ``Affine`` and convolutions (NIR's
        ``y = W·x + b`` at the first step, as snnTorch's recurrent layers).
        """
        batch = x.shape[0]
        values = {}
        for src in self.delayed_sources:
            zeros = x.new_zeros((batch, *self.shapes.outputs[src]))
            layer = self._layer(src)
            if layer is not None and not _is_stateful(layer):
                zeros = layer(x.new_zeros((batch, *self.shapes.inputs[src])))
            values[src] = zeros
        return GraphState({}, values)

    def step(
        self, inputs: dict[str, torch.Tensor], state: GraphState | None
    ) -> tuple[dict[str, torch.Tensor], GraphState]:
        """One step of the graph on ``(B, ...)`` inputs; returns the Output nodes' values."""
        reference = next(iter(inputs.values()))
        if state is None:
            state = self.initial_state(reference)
        values: dict[str, torch.Tensor] = {}
        new_nodes: dict[str, Any] = {}
        for name in self.shapes.order:
            if name in inputs:
                values[name] = inputs[name]
                continue
            fed = [
                state.values[src] if delayed else values[src]
                for src, delayed in self.incoming[name]
            ]
            if fed:
                x = fed[0]
                for extra in fed[1:]:
                    x = x + extra
            else:
                shape = self.shapes.inputs.get(name, ())
                x = reference.new_zeros((reference.shape[0], *shape))
            layer = self._layer(name)
            if layer is None:
                values[name] = x
            elif _is_stateful(layer):
                values[name], new_nodes[name] = layer(x, state.nodes.get(name))
            else:
                values[name] = layer(x)
        outputs = {name: values[name] for name in self.output_names}
        return outputs, GraphState(new_nodes, values)

    def forward(
        self, x: torch.Tensor | Mapping[str, torch.Tensor], state: GraphState | None = None
    ) -> tuple[torch.Tensor | dict[str, torch.Tensor], GraphState]:
        inputs = self._inputs(x)
        if self._lead(inputs) == 1:
            outputs, state = self.step(inputs, state)
        else:
            steps = next(iter(inputs.values())).shape[0]
            if any(v.shape[0] != steps for v in inputs.values()):
                raise ValueError("all input sequences must have the same length T")
            collected: dict[str, list[torch.Tensor]] = {name: [] for name in self.output_names}
            for t in range(steps):
                out, state = self.step({k: v[t] for k, v in inputs.items()}, state)
                for name, value in out.items():
                    collected[name].append(value)
            outputs = {name: torch.stack(values) for name, values in collected.items()}
        if len(self.output_names) == 1:
            return outputs[self.output_names[0]], state
        return outputs, state


def _graph_dt(graph: nir.NIRGraph) -> float | None:
    value = graph.metadata.get("dt") if isinstance(graph.metadata, dict) else None
    try:
        value = float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) and value > 0 else None


def from_nir(
    graph: nir.NIRGraph | str | os.PathLike,
    dt: float | None = None,
    integration: str | None = None,
    *,
    reset_method: Any = None,
    ignore_warnings: bool = False,
    lenient: bool = False,
) -> GraphModule:
    """Import a NIR graph (or a ``.nir`` file) as an executable module of core neurons.

    Args:
        graph: a ``nir.NIRGraph`` or the path of a NIR HDF5 file.
        dt: the step in seconds used to discretise the continuous-time neurons. None
            (default) takes ``graph.metadata["dt"]`` (norse-nir writes it), else 1e-4 s,
            the convention of the NIR paper graphs, snnTorch and SpikingJelly. An explicit
            ``dt`` that differs from the graph's own wins, with a warning naming both. Graphs
            from Sinabs count time in steps: import those with ``dt=1.0``.
        integration: ``"euler"`` (forward Euler) or ``"exact"`` (exact exponential
            integration); None (default) takes each neuron's integrator from the norse
            metadata of a Norse export, else ``"euler"``.
        reset_method: the reset of the spiking neurons (``norse.torch.functional.reset``);
            None (default) is ``reset_value``, NIR's reset to ``v_reset``. Norse 1.x
            keyword.
        ignore_warnings: do not warn about a ``dt`` that differs from the graph's (Norse 1.x
            keyword).
        lenient: repair what Sinabs, Rockpool and nir <= 1.0.4 write (scalar neuron
            parameters broadcast, batch dims in Input/Output types dropped), with a warning
            that lists the repairs (:func:`norse_nir.validation.validate`).

    Returns:
        A :class:`GraphModule`; ``module(x, state)`` runs one step ``(B, ...)`` or a
        sequence ``(T, B, ...)``.

    Raises:
        NIRFormatError: for a malformed graph or file (naming the node and field), or
            arrays, shapes or delays above :data:`norse_nir.limits.MAX_ELEMENTS`.
        ValueError: for ``dt <= 0`` or an unknown ``integration``.
        TypeError: if ``graph`` is neither a graph nor a path.
    """
    if dt is not None and (isinstance(dt, bool) or not isinstance(dt, (int, float)) or not dt > 0):
        raise ValueError(f"dt must be a positive number of seconds or None, got {dt!r}")
    if integration is not None and integration not in INTEGRATIONS:
        raise ValueError(f"integration must be one of {INTEGRATIONS} or None, got {integration!r}")
    if isinstance(graph, (str, os.PathLike)):
        from norse_nir.io import read

        graph = read(graph, lenient)
    clean, shapes = validate(graph, lenient)
    own = _graph_dt(clean)
    if dt is None:
        dt = own if own is not None else DEFAULT_DT
    elif own is not None and not np.isclose(own, dt, rtol=1e-9, atol=0.0) and not ignore_warnings:
        warnings.warn(
            f"from_nir: dt={dt} was passed, but the graph was exported with dt={own} "
            f"(metadata); using dt={dt}, which changes the time scale of every neuron",
            stacklevel=2,
        )
    if reset_method is None:
        from norse.torch.functional.reset import reset_value

        reset_method = reset_value
    return GraphModule(clean, shapes, _Options(float(dt), integration, reset_method))
