"""Export: Norse networks (any graph of neurons and torch layers) to a NIR graph.

:func:`to_nir` traces the module with ``torch.fx`` (neurons, ``Lift`` and torch layers are
leaves), runs ``sample_input`` through the traced graph once to record every value's
shape, and converts the data flow:

* a leaf module becomes a node (or a few, for recurrent layers) named by its qualified name
  (``"0"``, ``"block.conv"``); a bare module exported on its own is named ``model_name``;
* ``a + b`` (``torch.add``) becomes several edges into the consumer (NIR sums them);
* ``torch.cat`` along a feature dimension becomes one selection node per part (``Linear``
  for vectors, a 1×1 ``Conv1d``/``Conv2d`` for channels), summed by the consumer;
* ``flatten``/``view``/``reshape`` of the feature dims and ``nn.Flatten`` become ``Flatten``;
* ``x * c`` with a number ``c`` becomes ``Scale``;
* ``nn.Identity``, ``nn.Dropout``, ``.contiguous()``/``.float()``/``.clone()`` and taking
  the output of a stateful module's ``(output, state)`` pass the value on;
* ``Lift(m)`` exports ``m`` (a layer, or a traced sub-network).

Anything else that touches a traced value raises ``TypeError`` naming the operation.
Input and Output types never carry the batch or time dimension.

=================================  ==========================================================
module                             NIR
=================================  ==========================================================
``LIFBoxCell``, ``LIFBox``         ``LIF``; ``LIFCell``, ``LIF``: ``CubaLIF``
``IAFCell``, ``IAF``               ``IF``; ``LIBoxCell``, ``LIBox``: ``LI``; ``LICell``,
                                   ``LI``: ``CubaLI`` (formulas: :mod:`norse_nir.neurons`)
``LIFRecurrentCell``,              flat, as snnTorch writes recurrent layers:
``LIFRecurrent``                   ``NAME.w_in`` (``Linear``) → ``NAME.lif`` (``CubaLIF``)
                                   ⇄ ``NAME.w_rec`` (``Linear``)
``nn.Linear``                      ``Affine`` (``Linear`` without bias)
``nn.Conv1d``, ``nn.Conv2d``       ``Conv1d``, ``Conv2d`` with ``input_shape``
``nn.AvgPool2d``                   ``AvgPool2d``; ``nn.LPPool2d(1, k)``: ``SumPool2d``
=================================  ==========================================================

What NIR cannot express is refused with a ``ValueError``: reset by subtraction (unless
``approximate_subtract_reset=True``, which writes a reset to ``v_reset``, the continuous-time
limit; the graph's metadata then lists the affected nodes under ``"approximations"``), and
models without a NIR node (refractory, adaptive, conductance-based neurons ...). Plugins add
exports through ``norse_register_nir_converters``.
"""

from __future__ import annotations

import inspect
import math
import operator
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import nir
import numpy as np
import torch
import torch.fx
from torch import nn

from norse_nir.converters import export_converter
from norse_nir.neurons import CONVENTIONS, NODE_TYPES, exact_metadata, export_fields

__all__ = ["COMMON_DT", "to_nir"]

COMMON_DT = 1e-4
"""The time step (s) that snnTorch, Spyx and Lava-dl assume when they read a NIR graph."""

_IN = "\0input"  # placeholder source of a fragment's input edges


class _Fragment(NamedTuple):
    """Nodes of one converted module; edges from ``_IN`` take the module's input."""

    nodes: dict[str, nir.NIRNode]
    edges: list[tuple[str, str]]
    exits: tuple[str, ...]


class _Context:
    """Options and bookkeeping of one export."""

    def __init__(self, dt: float | None, approximate: bool, convention: str):
        self.dt = dt
        self.approximate = approximate
        self.convention = convention
        self.approximations: list[str] = []

    def module_dt(self, module: nn.Module, name: str) -> float:
        own = float(getattr(module, "dt", self.dt if self.dt is not None else 0.0))
        if self.dt is None:
            self.dt = own
        elif not np.isclose(own, self.dt, rtol=1e-9, atol=0.0):
            raise ValueError(
                f"module {name!r} ({type(module).__name__}) has dt={own}, but the export uses "
                f"dt={self.dt}; NIR graphs have one dt"
            )
        return self.dt

    def reset(self, p: Any, name: str) -> None:
        from norse.torch.functional.reset import reset_value

        method = getattr(p, "reset_method", reset_value)
        if method is reset_value:
            return
        if not self.approximate:
            raise ValueError(
                f"module {name!r} resets by {getattr(method, '__name__', method)}; NIR only "
                "resets to v_reset. Pass approximate_subtract_reset=True to export it as a "
                "reset to v_reset (exact only in continuous time)"
            )
        self.approximations.append(f"{name}: reset_subtract exported as reset to v_reset")


def _neuron(model: str, p: Any, shape: tuple[int, ...], dt: float, convention: str) -> nir.NIRNode:
    fields = export_fields(model, p._asdict(), dt, shape, convention)
    meta = {"norse": exact_metadata(model, p, dt, shape, convention)}
    node_type = {"lif_box": nir.LIF, "lif": nir.CubaLIF, "iaf": nir.IF, "li_box": nir.LI}
    return node_type.get(model, nir.CubaLI)(**fields, metadata=meta)


def _neuron_export(model: str, spiking: bool) -> Callable[..., nir.NIRNode]:
    def convert(m: nn.Module, name: str, ctx: _Context, shape: tuple[int, ...]) -> nir.NIRNode:
        dt = ctx.module_dt(m, name)
        if spiking:
            ctx.reset(m.p, name)
        try:
            return _neuron(model, m.p, shape, dt, ctx.convention)
        except ValueError as error:
            raise ValueError(f"module {name!r}: {error}") from error

    return convert


def _lif_recurrent(m: nn.Module, name: str, ctx: _Context, shape: tuple[int, ...]) -> _Fragment:
    dt = ctx.module_dt(m, name)
    ctx.reset(m.p, name)
    w_in, w_rec = (w.detach().cpu().numpy().astype(np.float32) for w in m.weights())
    lif = _neuron("lif", m.p, (int(m.hidden_size),), dt, ctx.convention)
    nodes = {f"{name}.w_in": nir.Linear(weight=w_in), f"{name}.lif": lif}
    nodes[f"{name}.w_rec"] = nir.Linear(weight=w_rec)
    edges = [
        (_IN, f"{name}.w_in"),
        (f"{name}.w_in", f"{name}.lif"),
        (f"{name}.lif", f"{name}.w_rec"),
        (f"{name}.w_rec", f"{name}.lif"),
    ]
    return _Fragment(nodes, edges, (f"{name}.lif",))


def _linear(m: nn.Linear, name: str, ctx: _Context, shape: tuple[int, ...]) -> nir.NIRNode:
    weight = m.weight.detach().cpu().numpy()
    if m.bias is None:
        return nir.Linear(weight=weight)
    return nir.Affine(weight=weight, bias=m.bias.detach().cpu().numpy())


def _conv(
    m: nn.Conv1d | nn.Conv2d, name: str, ctx: _Context, shape: tuple[int, ...]
) -> nir.NIRNode:
    if m.padding_mode != "zeros":
        raise ValueError(
            f"module {name!r}: NIR convolutions pad with zeros, got padding_mode={m.padding_mode!r}"
        )
    weight = m.weight.detach().cpu().numpy()
    bias = (
        np.zeros(weight.shape[0], dtype=weight.dtype)
        if m.bias is None
        else m.bias.detach().cpu().numpy()
    )
    padding = m.padding if isinstance(m.padding, str) else np.array(m.padding)
    if isinstance(m, nn.Conv1d):
        return nir.Conv1d(
            input_shape=shape[1],
            weight=weight,
            stride=m.stride[0],
            padding=padding if isinstance(padding, str) else int(padding[0]),
            dilation=m.dilation[0],
            groups=m.groups,
            bias=bias,
        )
    return nir.Conv2d(
        input_shape=shape[1:],
        weight=weight,
        stride=np.array(m.stride),
        padding=padding,
        dilation=np.array(m.dilation),
        groups=m.groups,
        bias=bias,
    )


def _pair(value: Any) -> np.ndarray:
    return np.array(value if isinstance(value, (tuple, list)) else (value, value))


def _avg_pool(m: nn.AvgPool2d, name: str, ctx: _Context, shape: tuple[int, ...]) -> nir.NIRNode:
    if (
        m.ceil_mode
        or m.divisor_override is not None
        or (not m.count_include_pad and np.any(_pair(m.padding)))
    ):
        raise ValueError(
            f"module {name!r}: NIR AvgPool2d has no ceil_mode, divisor_override or "
            "count_include_pad=False with padding"
        )
    stride = m.stride if m.stride is not None else m.kernel_size
    return nir.AvgPool2d(
        kernel_size=_pair(m.kernel_size), stride=_pair(stride), padding=_pair(m.padding)
    )


def _sum_pool(m: nn.LPPool2d, name: str, ctx: _Context, shape: tuple[int, ...]) -> nir.NIRNode:
    if float(m.norm_type) != 1.0 or m.ceil_mode:
        raise ValueError(
            f"module {name!r}: only LPPool2d(norm_type=1, ceil_mode=False) is sum pooling"
        )
    stride = m.stride if m.stride is not None else m.kernel_size
    return nir.SumPool2d(
        kernel_size=_pair(m.kernel_size), stride=_pair(stride), padding=np.array([0, 0])
    )


_ELEMENTWISE = (
    nir.I,
    nir.IF,
    nir.LI,
    nir.LIF,
    nir.CubaLI,
    nir.CubaLIF,
    nir.Threshold,
    nir.Scale,
    nir.Delay,
)


def _array(value: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    array = torch.as_tensor(value).detach().cpu().double().numpy()
    try:
        return np.broadcast_to(array, shape).astype(np.float32)
    except ValueError as error:
        raise ValueError(
            f"{where} has shape {array.shape}, which does not fit the layer {shape}"
        ) from error


def _broadcast_node(node: Any, shape: tuple[int, ...], name: str) -> nir.NIRNode:
    """Write a plugin's elementwise node (and its array metadata) per neuron of the layer."""
    if not isinstance(node, nir.NIRNode):
        raise TypeError(
            f"the NIR converter of module {name!r} returned {type(node).__name__}, not a NIR node"
        )
    if not isinstance(node, _ELEMENTWISE):
        return node
    fields = {
        key: _array(value, shape, f"{name}.{key}")
        for key, value in vars(node).items()
        if key not in ("input_type", "output_type", "metadata")
    }
    metadata = {
        key: _array(value, shape, f"{name}.metadata.{key}")
        if isinstance(value, np.ndarray)
        else value
        for key, value in node.metadata.items()
    }
    return type(node)(**fields, metadata=metadata)


def _builtin_exports() -> dict[type, Callable[..., Any]]:
    """The export of each module class: the neuron models with a NIR node, found in the
    neuron registry (each model's ``cell`` and ``sequence`` classes, and LIF's
    ``recurrent_cell`` and ``recurrent``; a spiking model's reset is checked, see
    ``NeuronSpec.spiking``), and the torch layers."""
    from norse.plugins import neurons

    registry = neurons()
    exports: dict[type, Callable[..., Any]] = {}
    for model in NODE_TYPES:
        spec = registry[model]
        for module_type in (spec.cell, spec.sequence):
            exports[module_type] = _neuron_export(model, spec.spiking)
    exports[registry["lif"].recurrent_cell] = _lif_recurrent
    exports[registry["lif"].recurrent] = _lif_recurrent
    exports.update(
        {
            nn.Linear: _linear,
            nn.Conv1d: _conv,
            nn.Conv2d: _conv,
            nn.AvgPool2d: _avg_pool,
            nn.LPPool2d: _sum_pool,
        }
    )
    return exports


_PASS_MODULES = (nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d)
_PASS_METHODS = {"contiguous", "float", "clone", "detach", "to", "type_as"}
_ADD = {operator.add, operator.iadd, torch.add, "add", "__add__", "__iadd__"}
_MUL = {operator.mul, operator.imul, torch.mul, "mul", "__mul__", "__rmul__"}
_CAT = {torch.cat, torch.concat, torch.concatenate}
_RESHAPE = {torch.flatten, torch.reshape, "flatten", "view", "reshape"}


class _State:
    """The state part of a stateful module's ``(output, state)``: not exported."""


class _Tracer(torch.fx.Tracer):
    def __init__(self, leaves: tuple[type, ...]):
        super().__init__()
        self.leaves = leaves

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, self.leaves) or super().is_leaf_module(m, qualname)


class _Recorder(torch.fx.Interpreter):
    """Runs the traced graph and keeps every node's value (for shapes and types)."""

    def __init__(self, module: torch.fx.GraphModule):
        super().__init__(module)
        self.values: dict[torch.fx.Node, Any] = {}

    def run_node(self, n: torch.fx.Node) -> Any:
        value = super().run_node(n)
        self.values[n] = value
        return value


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        return value[0]
    return None


class _Exporter:
    """Converts one traced module into nodes and edges (see the module docstring)."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.exports = _builtin_exports()
        self.nodes: dict[str, nir.NIRNode] = {}
        self.edges: list[tuple[str, str]] = []

    def leaves(self) -> tuple[type, ...]:
        from norse.plugins import nir_converters
        from norse.torch import Lift
        from norse.torch.module.snn import SNNCell

        plugin_types = tuple(t for s in nir_converters().values() for t in s.module_types)
        return (*self.exports, Lift, SNNCell, *plugin_types)

    def unique(self, name: str) -> str:
        base, k = name, 1
        while name in self.nodes or name in ("input", "output"):
            name, k = f"{base}_{k}", k + 1
        return name

    def connect(self, sources: tuple[str, ...], fragment: _Fragment) -> tuple[str, ...]:
        """Add ``fragment``, its input edges from ``sources``; returns its exits."""
        self.nodes.update(fragment.nodes)
        for src, dst in fragment.edges:
            for s in sources if src == _IN else (src,):
                if (s, dst) in self.edges:
                    raise TypeError(
                        f"the value {s!r} reaches {dst!r} twice (as in x + x); NIR sums edges "
                        "but has no duplicate edges: multiply by a number instead (exported as "
                        "Scale)"
                    )
                self.edges.append((s, dst))
        return fragment.exits

    def single(self, name: str, node: nir.NIRNode) -> _Fragment:
        return _Fragment({name: node}, [(_IN, name)], (name,))

    def convert_module(self, m: nn.Module, name: str, value_in: Any, lead: int) -> _Fragment | None:
        """The fragment of a leaf module; None for modules that pass their input on."""
        from norse.torch import Lift

        if isinstance(m, _PASS_MODULES):
            return None
        x = _first_tensor(value_in)
        if x is None:
            raise TypeError(f"module {name!r} was not called with a tensor")
        shape = tuple(x.shape[lead:])
        if isinstance(m, Lift):
            inner = m.lifted_module
            if isinstance(inner, (*self.leaves(), nn.Flatten, *_PASS_MODULES)):
                return self.convert_module(inner, name, x[0], 1)
            sub = _Exporter(self.ctx)
            exits = sub.trace(inner, x[0], 1, prefix=f"{name}.")
            return _Fragment(sub.nodes, sub.edges, exits)
        if isinstance(m, nn.Flatten):
            rank = len(shape) + lead
            start, end = m.start_dim % rank, m.end_dim % rank
            if start < lead:
                raise ValueError(
                    f"module {name!r}: flattening the batch or time dims cannot be exported"
                )
            return self.single(name, _flatten_node(shape, start - lead, end - lead))
        plugin = export_converter(m)
        if plugin is not None:
            node = _broadcast_node(plugin(m, self.ctx.module_dt(m, name)), shape, name)
            return self.single(name, node)
        convert = self.exports.get(type(m))
        if convert is None:
            raise TypeError(
                f"module {name!r} of type {type(m).__name__} has no NIR export; supported: "
                f"{sorted(t.__name__ for t in self.exports)}, nn.Flatten, nn.Identity, "
                "nn.Dropout, Lift and plugin converters"
            )
        result = convert(m, name, self.ctx, shape)
        return result if isinstance(result, _Fragment) else self.single(name, result)

    def trace(self, module: nn.Module, sample: torch.Tensor, lead: int, prefix: str = "") -> tuple:
        """Trace ``module`` on ``sample``; adds nodes, returns the output's source names.

        Edges from the module's input start at the placeholder ``_IN``.
        """
        tracer = _Tracer(self.leaves())
        signature = inspect.signature(module.forward).parameters
        concrete = {
            n: p.default
            for n, p in list(signature.items())[1:]
            if p.default is not inspect.Parameter.empty
        }
        try:
            graph = tracer.trace(module, concrete_args=concrete or None)
        except (TypeError, torch.fx.proxy.TraceError) as error:
            raise TypeError(
                f"to_nir traces {type(module).__name__}.forward with torch.fx, which cannot "
                f"follow Python control flow on the data ({error}); move per-step loops into "
                "Lift(...) or a neuron module, and branches on values out of forward"
            ) from error
        traced = torch.fx.GraphModule(tracer.root, graph)
        recorder = _Recorder(traced)
        with torch.no_grad():
            recorder.run(sample, *[concrete[n] for n in concrete])
        values: dict[torch.fx.Node, Any] = {}
        first_placeholder = True
        for n in graph.nodes:
            runtime = recorder.values.get(n)
            if n.op == "placeholder":
                values[n] = (_IN,) if first_placeholder else runtime
                first_placeholder = False
            elif n.op == "get_attr":
                values[n] = runtime
            elif n.op == "call_module":
                m = traced.get_submodule(str(n.target))
                sources = self._traced_arg(n, values, 0)
                fragment = self.convert_module(
                    m, self.unique(prefix + str(n.target)), recorder.values[n.args[0]], lead
                )
                values[n] = sources if fragment is None else self.connect(sources, fragment)
            elif n.op in ("call_function", "call_method"):
                values[n] = self._operation(n, values, recorder.values, lead, prefix)
            elif n.op == "output":
                result = n.args[0]
                if isinstance(result, (tuple, list)):
                    result = result[0]
                return values[result] if isinstance(result, torch.fx.Node) else ()
        raise AssertionError("fx graph without output")  # pragma: no cover

    def _traced_arg(self, n: torch.fx.Node, values: dict, index: int) -> tuple[str, ...]:
        arg = n.args[index] if index < len(n.args) else None
        value = values.get(arg) if isinstance(arg, torch.fx.Node) else None
        if not (isinstance(value, tuple) and all(isinstance(s, str) for s in value)):
            raise TypeError(f"{n.format_node()}: argument {index} is not a traced tensor")
        return value

    def _operation(
        self, n: torch.fx.Node, values: dict, runtime: dict, lead: int, prefix: str
    ) -> Any:
        def traced(arg: Any) -> bool:
            return isinstance(arg, torch.fx.Node) and isinstance(values.get(arg), tuple)

        args = list(n.args) + list(n.kwargs.values())
        if not any(traced(a) for a in _flat(args)):  # constants, shapes, states
            if any(isinstance(values.get(a), _State) for a in _flat(args)):
                return _State()
            return runtime.get(n)
        target = n.target
        name = getattr(target, "__name__", str(target))
        if target is operator.getitem:
            container = runtime[n.args[0]]
            if isinstance(container, (tuple, list)):
                return values[n.args[0]] if n.args[1] == 0 else _State()
            raise TypeError(
                f"indexing or slicing a traced tensor ({n.format_node()}) has no NIR form"
            )
        if target in _PASS_METHODS:
            return self._traced_arg(n, values, 0)
        if target in _ADD and len(n.args) == 2 and set(n.kwargs) <= {"alpha"}:
            if n.kwargs.get("alpha", 1) != 1 or not all(traced(a) for a in n.args):
                raise TypeError(f"{n.format_node()}: only sums of traced tensors export to NIR")
            return values[n.args[0]] + values[n.args[1]]
        if target in _MUL and len(n.args) == 2:
            tensor_arg = 0 if traced(n.args[0]) else 1
            factor = n.args[1 - tensor_arg]
            if isinstance(factor, (int, float)) and not isinstance(factor, bool):
                shape = tuple(runtime[n].shape[lead:])
                node = nir.Scale(scale=np.full(shape, factor, dtype=np.float32))
                fragment = self.single(self.unique(f"{prefix}scale"), node)
                return self.connect(self._traced_arg(n, values, tensor_arg), fragment)
        if target in _CAT:
            return self._cat(n, values, runtime, lead, prefix)
        if target in _RESHAPE:
            source = n.args[0]
            in_shape = tuple(runtime[source].shape)
            out_shape = tuple(runtime[n].shape)
            if in_shape[:lead] != out_shape[:lead]:
                raise TypeError(
                    f"{n.format_node()}: reshaping the batch or time dims has no NIR form"
                )
            node = _reshape_node(in_shape[lead:], out_shape[lead:], n)
            if node is None:
                return values[source]
            fragment = self.single(self.unique(f"{prefix}flatten"), node)
            return self.connect(values[source], fragment)
        raise TypeError(
            f"operation {name!r} ({n.format_node()}) on a traced tensor has no NIR export; "
            "supported: modules with an export, +, * by a number, torch.cat, flatten/view/"
            "reshape of feature dims"
        )

    def _cat(self, n: torch.fx.Node, values: dict, runtime: dict, lead: int, prefix: str) -> tuple:
        parts = n.args[0]
        dim = n.args[1] if len(n.args) > 1 else n.kwargs.get("dim", 0)
        out_shape = tuple(runtime[n].shape)
        axis = dim % len(out_shape) - lead
        features = out_shape[lead:]
        if axis != 0 or len(features) not in (1, 2, 3):
            raise TypeError(
                f"{n.format_node()}: only concatenation along the first feature dim (vector "
                "features or channels) has a NIR form"
            )
        total, offset, exits = features[0], 0, []
        name = self.unique(f"{prefix}cat")
        for k, part in enumerate(parts):
            size = int(runtime[part].shape[lead])
            weight = np.zeros((total, size), dtype=np.float32)
            weight[offset : offset + size] = np.eye(size, dtype=np.float32)
            offset += size
            if len(features) == 1:
                node = nir.Linear(weight=weight)
            else:
                spatial = features[1:]
                cls = nir.Conv1d if len(spatial) == 1 else nir.Conv2d
                node = cls(
                    input_shape=spatial[0] if len(spatial) == 1 else spatial,
                    weight=weight.reshape(total, size, *(1,) * len(spatial)),
                    stride=1,
                    padding=0,
                    dilation=1,
                    groups=1,
                    bias=np.zeros(total, dtype=np.float32),
                )
            if not isinstance(values.get(part), tuple):
                raise TypeError(f"{n.format_node()}: part {k} is not a traced tensor")
            exits += self.connect(values[part], self.single(f"{name}.{k}", node))
        return tuple(exits)


def _flat(args: Any) -> list:
    out = []
    for a in args:
        if isinstance(a, (tuple, list)):
            out += _flat(a)
        else:
            out.append(a)
    return out


def _flatten_node(shape: tuple[int, ...], start: int, end: int) -> nir.Flatten:
    return nir.Flatten(input_type={"input": np.array(shape)}, start_dim=start, end_dim=end)


def _reshape_node(
    in_shape: tuple[int, ...], out_shape: tuple[int, ...], n: torch.fx.Node
) -> nir.Flatten | None:
    """The ``Flatten`` that turns ``in_shape`` into ``out_shape`` (None if equal)."""
    if in_shape == out_shape:
        return None
    for start in range(len(in_shape)):
        for end in range(start, len(in_shape)):
            merged = (*in_shape[:start], math.prod(in_shape[start : end + 1]), *in_shape[end + 1 :])
            if merged == out_shape:
                return _flatten_node(in_shape, start, end)
    raise TypeError(
        f"{n.format_node()}: reshaping {in_shape} to {out_shape} is not a flatten of "
        "consecutive feature dims, the only reshape NIR has"
    )


def _is_sequence_module(module: nn.Module) -> bool:
    from norse.torch import Lift
    from norse.torch.module.snn import SNN, SNNRecurrent

    return any(isinstance(m, (SNN, SNNRecurrent, Lift)) for m in module.modules())


def to_nir(
    module: nn.Module,
    sample_input: torch.Tensor | None = None,
    dt: float | None = None,
    *,
    convention: str = "tau_over_dt",
    approximate_subtract_reset: bool = False,
    model_name: str = "norse",
    sample_data: torch.Tensor | None = None,
) -> nir.NIRGraph:
    """Export ``module`` as a NIR graph.

    Args:
        module: a Norse neuron, a supported torch layer, or any module built of them
            (``SequentialState``, ``nn.Sequential``, ``Lift``, user modules with branches,
            sums and concatenations; see the module docstring).
        sample_input: an example input: one step ``(B, *features)``, or a sequence
            ``(T, B, *features)`` when the module contains sequence modules (``LIF``,
            ``Lift``, ``LIFRecurrent``, ...). It is run once to record the shapes.
        dt: the time step in seconds; None (default) takes the modules' ``dt`` (which must
            agree); a value that differs from a module's ``dt`` is a ``ValueError``.
        convention: ``"tau_over_dt"`` (default: ``r = τ/dt`` with voltages scaled to match,
            the form snnTorch, SpikingJelly, Spyx and Lava-dl read) or ``"unit_r"``
            (``r = 1``, the Norse 1.x form); see :mod:`norse_nir.neurons`.
        approximate_subtract_reset: export ``reset_subtract`` neurons as a reset to
            ``v_reset`` (listed in ``graph.metadata["approximations"]``) instead of refusing.
        model_name: the node name of a module exported on its own (Norse 1.x: ``"norse"``).
        sample_data: Norse 1.x's name for ``sample_input``.

    Returns:
        A ``nir.NIRGraph`` with an ``input`` and an ``output`` node; ``metadata["dt"]`` holds
        the step. A ``dt`` other than 1e-4 s warns: snnTorch, Spyx and Lava-dl assume 1e-4.

    Raises:
        TypeError: for a module or operation that has no NIR export, or a non-tensor input.
        ValueError: for what NIR cannot express (subtractive reset, mixed dt, ...).
    """
    if sample_input is None:
        sample_input = sample_data
    elif sample_data is not None:
        raise TypeError("pass sample_input or sample_data (Norse 1.x), not both")
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(sample_input, torch.Tensor):
        raise TypeError(f"sample_input must be a torch.Tensor, got {type(sample_input).__name__}")
    if dt is not None and (isinstance(dt, bool) or not isinstance(dt, (int, float)) or not dt > 0):
        raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    lead = 2 if _is_sequence_module(module) else 1
    if sample_input.ndim <= lead:
        raise ValueError(
            f"sample_input must have {lead} leading dim(s) ({'T, B' if lead == 2 else 'B'}) "
            f"and features, got shape {tuple(sample_input.shape)}"
        )
    ctx = _Context(None if dt is None else float(dt), approximate_subtract_reset, convention)
    exporter = _Exporter(ctx)
    if isinstance(module, exporter.leaves()) or isinstance(module, nn.Flatten):
        with torch.no_grad():
            out = module(sample_input)
        fragment = exporter.convert_module(module, model_name, sample_input, lead)
        exits = (_IN,) if fragment is None else exporter.connect((_IN,), fragment)
    else:
        exits = exporter.trace(module, sample_input, lead)
        with torch.no_grad():
            out = module(sample_input)
    out = _first_tensor(out)
    nodes = {"input": nir.Input(input_type={"input": np.array(sample_input.shape[lead:])})}
    nodes.update(exporter.nodes)
    nodes["output"] = nir.Output(output_type={"output": np.array(out.shape[lead:])})
    edges = [("input" if s == _IN else s, d) for s, d in exporter.edges]
    edges += [("input" if s == _IN else s, "output") for s in exits]
    metadata: dict[str, Any] = {}
    if ctx.dt is not None:
        metadata["dt"] = ctx.dt
        if not np.isclose(ctx.dt, COMMON_DT, rtol=1e-9, atol=0.0):
            warnings.warn(
                f"to_nir: this graph uses dt={ctx.dt} s (in metadata['dt']); snnTorch, Spyx and "
                f"Lava-dl assume dt={COMMON_DT} s and will run its neurons "
                f"{ctx.dt / COMMON_DT:g} times faster; pass dt={ctx.dt} to SpikingJelly's "
                "import_from_nir; norse_nir.from_nir reads it from the metadata",
                stacklevel=2,
            )
    if ctx.approximations:
        metadata["approximations"] = "; ".join(ctx.approximations)
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata, type_check=False)
