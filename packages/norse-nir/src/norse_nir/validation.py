"""Validation of NIR graphs: fields, parameter shapes, edges and the shapes along edges.

Every graph that Norse reads or imports goes through :func:`validate`, whatever its source
(an HDF5 file, a graph built in memory, another library's exporter). Each problem raises a
:class:`~norse_nir.errors.NIRFormatError` that names the node (dotted for nested graphs,
``"hidden.lif"``) and the field. The checks:

* the node type is one of the 19 serialisable NIR types;
* every required field is present, numeric, finite and of the right rank; optional fields
  (``v_reset``, ``w_in``, ``Conv*.input_shape``, ``Flatten.input_type``) get NIR's defaults;
* the parameters of a neuron all have one shape (``w_in`` is broadcast, as NIR does);
  time constants are strictly positive;
* edges are pairs of names of existing nodes, without duplicates;
* shapes (without batch and time) agree along every edge, inferred through convolutions,
  pooling and flattening (:func:`infer_shapes`).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import nir
import numpy as np

from norse_nir import limits
from norse_nir.errors import NIRFormatError

__all__ = ["NODE_TYPES", "GraphShapes", "graph_to_dict", "infer_shapes", "validate"]

# field -> kind; kinds: "array" (real array), "positive" (real array > 0), "int", "pair"
# (int or length-2 int array), "padding" (int, pair or 'same'/'valid'), "shape" (int array)
_NEURON_FIELDS: dict[str, dict[str, str]] = {
    "I": {"r": "array"},
    "IF": {"r": "array", "v_threshold": "array", "v_reset": "array?"},
    "LI": {"tau": "positive", "r": "array", "v_leak": "array"},
    "LIF": {
        "tau": "positive",
        "r": "array",
        "v_leak": "array",
        "v_threshold": "array",
        "v_reset": "array?",
    },
    "CubaLI": {
        "tau_syn": "positive",
        "tau_mem": "positive",
        "r": "array",
        "v_leak": "array",
        "w_in": "array?",
    },
    "CubaLIF": {
        "tau_syn": "positive",
        "tau_mem": "positive",
        "r": "array",
        "v_leak": "array",
        "v_threshold": "array",
        "v_reset": "array?",
        "w_in": "array?",
    },
}

_FIELDS: dict[str, dict[str, str]] = {
    "Input": {"shape": "shape"},
    "Output": {"shape": "shape"},
    "Affine": {"weight": "matrix", "bias": "array"},
    "Linear": {"weight": "matrix"},
    "Scale": {"scale": "array"},
    "Threshold": {"threshold": "array"},
    "Delay": {"delay": "nonnegative"},
    "Flatten": {"start_dim": "int", "end_dim": "int", "input_type": "shape?"},
    "Conv1d": {
        "input_shape": "int?",
        "weight": "array",
        "stride": "int",
        "padding": "padding",
        "dilation": "int",
        "groups": "int",
        "bias": "array",
    },
    "Conv2d": {
        "input_shape": "pair?",
        "weight": "array",
        "stride": "pair",
        "padding": "padding",
        "dilation": "pair",
        "groups": "int",
        "bias": "array",
    },
    "SumPool2d": {"kernel_size": "pair", "stride": "pair", "padding": "pair"},
    "AvgPool2d": {"kernel_size": "pair", "stride": "pair", "padding": "pair"},
    **_NEURON_FIELDS,
}

NODE_TYPES: tuple[str, ...] = (*sorted(_FIELDS), "NIRGraph")
"""The 19 NIR node types that Norse reads, writes and imports."""


def _fail(node: str, field: str | None, message: str) -> NIRFormatError:
    return NIRFormatError(message, node=node, field=field)


def _real_array(node: str, field: str, value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes)):
        raise _fail(node, field, f"expected a numeric array, got the string {_str(value)!r}")
    try:
        array = np.asarray(value)
    except Exception as error:  # ragged lists, objects numpy cannot convert
        raise _fail(node, field, f"expected a numeric array, got {type(value).__name__}") from error
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise _fail(node, field, f"expected a real numeric array, got dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise _fail(node, field, f"expected a real numeric array, got dtype {array.dtype}")
    limits.check(node, field, array.size)
    if not np.all(np.isfinite(array)):
        raise _fail(node, field, "expected finite values, got NaN or infinity")
    if np.issubdtype(array.dtype, np.integer):
        array = array.astype(np.float32)
    return array


def _int_array(node: str, field: str, value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray) and value.dtype.kind in "SUO" and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, (str, bytes)):
        raise _fail(node, field, f"expected integers, got the string {_str(value)!r}")
    try:
        array = np.asarray(value)
    except Exception as error:  # ragged lists, objects numpy cannot convert
        raise _fail(node, field, f"expected integers, got {type(value).__name__}") from error
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise _fail(node, field, f"expected integers, got {value!r}")
    if not np.all(np.isfinite(array)) or np.any(np.round(array) != array):
        raise _fail(node, field, f"expected integers, got {array.tolist()!r}")
    return array.astype(np.int64)


def _check_field(node: str, field: str, kind: str, value: Any) -> Any:
    """Convert one field to its canonical form or raise NIRFormatError."""
    if kind in ("array", "positive", "nonnegative", "matrix"):
        array = _real_array(node, field, value)
        if kind == "positive" and np.any(array <= 0):
            raise _fail(node, field, f"expected time constants > 0, got min {array.min()}")
        if kind == "nonnegative" and np.any(array < 0):
            raise _fail(node, field, f"expected delays >= 0, got min {array.min()}")
        if kind == "matrix" and array.ndim < 2:
            raise _fail(
                node, field, f"expected a weight of 2 or more dims, got shape {array.shape}"
            )
        return array
    if kind == "int":
        array = _int_array(node, field, value)
        if array.size != 1:
            raise _fail(node, field, f"expected one integer, got shape {array.shape}")
        return int(array.reshape(()))
    if kind == "pair":
        array = _int_array(node, field, value).reshape(-1)
        if array.size == 1:
            array = np.repeat(array, 2)
        if array.size != 2:
            raise _fail(node, field, f"expected an integer or a pair, got {array.tolist()}")
        return array
    if kind == "padding":
        if isinstance(value, bytes):
            value = value.decode("utf8", errors="replace")
        if isinstance(value, np.ndarray) and value.dtype.kind in "SUO" and value.size == 1:
            value = value.reshape(()).item()
            value = value.decode("utf8", errors="replace") if isinstance(value, bytes) else value
        if isinstance(value, str):
            if value not in ("same", "valid"):
                raise _fail(node, field, f"expected an integer, 'same' or 'valid', got {value!r}")
            return value
        array = _int_array(node, field, value).reshape(-1)
        if np.any(array < 0):
            raise _fail(node, field, f"expected padding >= 0, got {array.tolist()}")
        return array
    if kind == "shape":
        array = _int_array(node, field, value).reshape(-1)
        if np.any(array < 1):
            raise _fail(node, field, f"expected a shape of positive sizes, got {array.tolist()}")
        return array
    raise AssertionError(f"unknown field kind {kind}")  # pragma: no cover


def _canonical_fields(node: str, node_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for field, kind in _FIELDS[node_type].items():
        optional = kind.endswith("?")
        kind = kind.rstrip("?")
        value = data.get(field)
        if value is None:
            if not optional:
                raise _fail(node, field, f"missing required field of {node_type}")
            fields[field] = None
            continue
        fields[field] = _check_field(node, field, kind, value)
    return fields


def _neuron_node(name: str, node_type: str, fields: dict[str, Any], meta: dict) -> nir.NIRNode:
    names = list(_NEURON_FIELDS[node_type])
    reference_field = names[-1] if node_type == "I" else "r"
    shape = fields[reference_field].shape
    for field in names:
        value = fields[field]
        if value is None:
            default = 1.0 if field == "w_in" else 0.0
            fields[field] = np.full(shape, default, dtype=fields["r"].dtype)
        elif field == "w_in" and value.shape != shape:
            if value.size != 1:
                raise _fail(
                    name, field, f"expected shape {shape} (the shape of r), got {value.shape}"
                )
            fields[field] = np.full(shape, value.reshape(()), dtype=value.dtype)
        elif value.shape != shape:
            raise _fail(name, field, f"expected shape {shape} (the shape of r), got {value.shape}")
    return getattr(nir, node_type)(**fields, metadata=meta)


def _conv_checks(name: str, node_type: str, fields: dict[str, Any]) -> None:
    weight, bias = fields["weight"], fields["bias"]
    rank = 3 if node_type == "Conv1d" else 4
    if weight.ndim != rank:
        raise _fail(
            name, "weight", f"expected {rank} dims (out, in/groups, kernel), got {weight.shape}"
        )
    if bias.shape != (weight.shape[0],):
        raise _fail(name, "bias", f"expected shape ({weight.shape[0]},), got {bias.shape}")
    groups = fields["groups"]
    if groups < 1 or weight.shape[0] % groups:
        raise _fail(
            name, "groups", f"expected a positive divisor of {weight.shape[0]}, got {groups}"
        )
    for field in ("stride", "dilation"):
        if np.any(np.asarray(fields[field]) < 1):
            raise _fail(name, field, f"expected values >= 1, got {fields[field]}")


def _make_node(name: str, data: Mapping[str, Any]) -> nir.NIRNode:
    if not isinstance(data, Mapping):
        raise _fail(name, None, f"expected a node, got {type(data).__name__}")
    node_type = data.get("type")
    if isinstance(node_type, bytes):
        node_type = node_type.decode("utf8", errors="replace")
    if isinstance(node_type, str) and node_type == "NIRGraph":
        return _graph_from_dict(data, name)
    if not isinstance(node_type, str) or node_type not in _FIELDS:
        raise _fail(name, "type", f"unknown NIR node type {node_type!r}; known: {list(NODE_TYPES)}")
    meta = data.get("metadata")
    meta = {} if meta is None else meta
    if not isinstance(meta, Mapping):
        raise _fail(name, "metadata", f"expected a mapping, got {type(meta).__name__}")
    fields = _canonical_fields(name, node_type, data)
    if node_type in _NEURON_FIELDS:
        return _neuron_node(name, node_type, fields, dict(meta))
    if node_type in ("Input", "Output"):
        key = "input_type" if node_type == "Input" else "output_type"
        return getattr(nir, node_type)(**{key: {key[:-5]: fields["shape"]}}, metadata=dict(meta))
    if node_type == "Affine":
        expected = fields["weight"].shape[:-1]
        if fields["bias"].shape != expected:
            raise _fail(
                name, "bias", f"expected shape {expected} (weight rows), got {fields['bias'].shape}"
            )
    if node_type in ("Conv1d", "Conv2d"):
        _conv_checks(name, node_type, fields)
    if node_type == "Flatten":
        fields["input_type"] = {"input": fields["input_type"]}
    if node_type in ("SumPool2d", "AvgPool2d") and np.any(fields["kernel_size"] < 1):
        raise _fail(name, "kernel_size", f"expected sizes >= 1, got {fields['kernel_size']}")
    if node_type in ("SumPool2d", "AvgPool2d") and np.any(fields["stride"] < 1):
        raise _fail(name, "stride", f"expected strides >= 1, got {fields['stride']}")
    try:
        return getattr(nir, node_type)(**fields, metadata=dict(meta))
    except Exception as error:  # a constructor check of nir itself
        raise _fail(name, None, f"invalid {node_type}: {type(error).__name__}: {error}") from error


def _str(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf8", errors="replace")
    if isinstance(value, np.str_):
        return str(value)
    return value


def _graph_from_dict(data: Mapping[str, Any], name: str | None) -> nir.NIRGraph:
    label = name if name is not None else "<graph>"
    nodes_data = data.get("nodes")
    if not isinstance(nodes_data, Mapping):
        raise _fail(label, "nodes", f"expected a mapping of nodes, got {type(nodes_data).__name__}")
    nodes = {}
    for key, value in nodes_data.items():
        key = _str(key)
        dotted = key if name is None else f"{name}.{key}"
        if not isinstance(key, str) or not key:
            raise _fail(label, "nodes", f"expected non-empty string node names, got {key!r}")
        nodes[key] = _make_node(dotted, value)
    raw_edges = data.get("edges")
    if raw_edges is None:
        raise _fail(label, "edges", "missing required field of NIRGraph")
    try:
        edge_array = np.asarray(raw_edges, dtype=object)
    except Exception as error:
        raise _fail(label, "edges", f"expected pairs of node names: {error}") from error
    if edge_array.size == 0:
        edge_array = edge_array.reshape(0, 2)
    if edge_array.ndim != 2 or edge_array.shape[1] != 2:
        raise _fail(
            label, "edges", f"expected an (n, 2) array of names, got shape {edge_array.shape}"
        )
    edges, seen = [], set()
    for src, dst in edge_array:
        src, dst = _str(src), _str(dst)
        for end in (src, dst):
            if not isinstance(end, str):
                raise _fail(label, "edges", f"expected node names, got {end!r}")
            if end not in nodes:
                raise _fail(
                    label,
                    "edges",
                    f"edge ({src!r}, {dst!r}) names node {end!r}, which does not exist; "
                    f"nodes are {sorted(nodes)}",
                )
        if (src, dst) in seen:
            raise _fail(label, "edges", f"duplicate edge ({src!r}, {dst!r})")
        seen.add((src, dst))
        edges.append((src, dst))
    meta = data.get("metadata")
    meta = {} if meta is None else meta
    if not isinstance(meta, Mapping):
        raise _fail(label, "metadata", f"expected a mapping, got {type(meta).__name__}")
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=dict(meta), type_check=False)


def graph_to_dict(graph: nir.NIRGraph) -> dict[str, Any]:
    """The plain-dict form of an in-memory graph (``type``, ``nodes``, ``edges``, fields)."""
    nodes = {}
    for name, node in graph.nodes.items():
        if isinstance(node, nir.NIRGraph):
            nodes[name] = graph_to_dict(node)
        elif isinstance(node, nir.NIRNode):
            data = {k: v for k, v in vars(node).items() if k not in ("input_type", "output_type")}
            if isinstance(node, (nir.Input, nir.Output)):
                types = node.input_type if isinstance(node, nir.Input) else node.output_type
                data["shape"] = next(iter(types.values())) if types else None
            if isinstance(node, nir.Flatten):
                data["input_type"] = (node.input_type or {}).get("input")
            data["type"] = type(node).__name__
            nodes[name] = data
        else:
            nodes[name] = node
    return {
        "type": "NIRGraph",
        "nodes": nodes,
        "edges": list(graph.edges),
        "metadata": graph.metadata,
    }


class GraphShapes(NamedTuple):
    """Shapes (without batch and time) of every node of one graph.

    Attributes:
        inputs: node name -> input shape.
        outputs: node name -> output shape.
        order: node names in execution order (edges into earlier nodes are recurrent).
        recurrent: the edges that close a cycle; they carry the previous step's value.
        subgraphs: node name -> the GraphShapes of that nested graph.
    """

    inputs: dict[str, tuple[int, ...]]
    outputs: dict[str, tuple[int, ...]]
    order: list[str]
    recurrent: set[tuple[str, str]]
    subgraphs: dict[str, GraphShapes]


def _execution_order(graph: nir.NIRGraph) -> tuple[list[str], set[tuple[str, str]]]:
    """Depth-first order from the Input nodes; edges to a node on the stack are recurrent."""
    children: dict[str, list[str]] = {name: [] for name in graph.nodes}
    for src, dst in graph.edges:
        children[src].append(dst)
    roots = [n for n, node in graph.nodes.items() if isinstance(node, nir.Input)]
    roots += sorted(n for n in graph.nodes if n not in roots)
    finished: list[str] = []
    state: dict[str, int] = {}  # 1: on stack, 2: done
    recurrent: set[tuple[str, str]] = set()
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(children[root]))]
        state[root] = 1
        while stack:
            name, it = stack[-1]
            child = next(it, None)
            if child is None:
                stack.pop()
                state[name] = 2
                finished.append(name)
            elif state.get(child) == 1:
                recurrent.add((name, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(children[child])))
    return finished[::-1], recurrent


def _conv_out(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)


def _node_shapes(
    name: str, node: nir.NIRNode, incoming: tuple[int, ...] | None
) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """(input shape, output shape) of one node; ``incoming`` is the shape fed to it."""

    def need_incoming() -> tuple[int, ...]:
        if incoming is None:
            raise _fail(name, "input_type", "cannot infer the input shape: no incoming edge")
        return incoming

    if isinstance(node, nir.Input):
        shape = tuple(int(s) for s in node.input_type["input"])
        return shape, shape
    if isinstance(node, nir.Output):
        shape = tuple(int(s) for s in node.output_type["output"])
        return shape, shape
    if isinstance(node, (nir.Affine, nir.Linear)):
        w = node.weight.shape
        return (*w[:-2], w[-1]), (*w[:-2], w[-2])
    for cls, field in (
        (nir.Scale, "scale"),
        (nir.Threshold, "threshold"),
        (nir.Delay, "delay"),
        (nir.I, "r"),
    ):
        if isinstance(node, cls):
            shape = getattr(node, field).shape
            return shape, shape
    if isinstance(node, (nir.IF, nir.LI, nir.LIF, nir.CubaLI, nir.CubaLIF)):
        return node.r.shape, node.r.shape
    if isinstance(node, (nir.Conv1d, nir.Conv2d)):
        spatial_rank = 1 if isinstance(node, nir.Conv1d) else 2
        in_channels = node.weight.shape[1] * node.groups
        if node.input_shape is not None:
            spatial = tuple(int(s) for s in np.atleast_1d(node.input_shape))
        else:
            shape = need_incoming()
            spatial = shape[1:]
        if len(spatial) != spatial_rank:
            raise _fail(
                name, "input_shape", f"expected {spatial_rank} spatial sizes, got {spatial}"
            )
        in_shape = (in_channels, *spatial)
        kernel = node.weight.shape[2:]
        if isinstance(node.padding, str):
            out_spatial = (
                spatial
                if node.padding == "same"
                else tuple(
                    _conv_out(s, k, st, 0, d)
                    for s, k, st, d in zip(
                        spatial,
                        kernel,
                        np.broadcast_to(node.stride, (spatial_rank,)),
                        np.broadcast_to(node.dilation, (spatial_rank,)),
                    )
                )
            )
        else:
            out_spatial = tuple(
                _conv_out(s, k, st, p, d)
                for s, k, st, p, d in zip(
                    spatial,
                    kernel,
                    np.broadcast_to(node.stride, (spatial_rank,)),
                    np.broadcast_to(node.padding, (spatial_rank,)),
                    np.broadcast_to(node.dilation, (spatial_rank,)),
                )
            )
        if any(s < 1 for s in out_spatial):
            raise _fail(
                name, "weight", f"kernel {kernel} is larger than the padded input {spatial}"
            )
        return in_shape, (node.weight.shape[0], *out_spatial)
    if isinstance(node, (nir.SumPool2d, nir.AvgPool2d)):
        shape = need_incoming()
        if len(shape) != 3:
            raise _fail(name, "input_type", f"expected (C, H, W) input, got {shape}")
        out = tuple(
            _conv_out(s, int(k), int(st), int(p), 1)
            for s, k, st, p in zip(shape[1:], node.kernel_size, node.stride, node.padding)
        )
        if any(s < 1 for s in out):
            raise _fail(name, "kernel_size", f"kernel {node.kernel_size} larger than input {shape}")
        return shape, (shape[0], *out)
    if isinstance(node, nir.Flatten):
        given = node.input_type.get("input")
        shape = tuple(int(s) for s in given) if given is not None else need_incoming()
        rank = len(shape)
        start = node.start_dim + rank if node.start_dim < 0 else node.start_dim
        end = node.end_dim + rank if node.end_dim < 0 else node.end_dim
        if not 0 <= start <= end < rank:
            raise _fail(
                name,
                "start_dim",
                f"dims {node.start_dim}..{node.end_dim} invalid for shape {shape}",
            )
        return shape, (*shape[:start], int(np.prod(shape[start : end + 1])), *shape[end + 1 :])
    raise _fail(name, "type", f"unsupported node {type(node).__name__}")  # pragma: no cover


def _single(name: str, shapes: dict[str, tuple[int, ...]], what: str) -> tuple[int, ...]:
    if len(shapes) != 1:
        raise _fail(
            name,
            what,
            f"a nested graph used as a node needs exactly one {what} node, got {len(shapes)}",
        )
    return next(iter(shapes.values()))


def infer_shapes(graph: nir.NIRGraph, prefix: str | None = None) -> GraphShapes:
    """Infer every node's input and output shape and check them along every edge.

    Raises:
        NIRFormatError: naming the destination node of an edge whose shapes disagree.
    """
    order, recurrent = _execution_order(graph)
    incoming: dict[str, list[str]] = {name: [] for name in graph.nodes}
    for src, dst in graph.edges:
        incoming[dst].append(src)
    inputs: dict[str, tuple[int, ...]] = {}
    outputs: dict[str, tuple[int, ...]] = {}
    subgraphs: dict[str, GraphShapes] = {}

    def dotted(name: str) -> str:
        return name if prefix is None else f"{prefix}.{name}"

    for name in order:
        node = graph.nodes[name]
        fed = [outputs[src] for src in incoming[name] if src in outputs]
        first = fed[0] if fed else None
        if isinstance(node, nir.NIRGraph):
            sub = infer_shapes(node, dotted(name))
            subgraphs[name] = sub
            in_types = {k: sub.inputs[k] for k, v in node.nodes.items() if isinstance(v, nir.Input)}
            out_types = {
                k: sub.outputs[k] for k, v in node.nodes.items() if isinstance(v, nir.Output)
            }
            in_shape = _single(dotted(name), in_types, "Input") if incoming[name] else None
            out_shape = _single(dotted(name), out_types, "Output")
        else:
            in_shape, out_shape = _node_shapes(dotted(name), node, first)
        if in_shape is not None:
            inputs[name] = tuple(int(s) for s in in_shape)
            limits.check(dotted(name), "input_type", math.prod(inputs[name]))
        outputs[name] = tuple(int(s) for s in out_shape)
        limits.check(dotted(name), "output_type", math.prod(outputs[name]))
    for src, dst in graph.edges:
        if isinstance(graph.nodes[dst], nir.Input):
            raise _fail(dotted(dst), "edges", f"an Input node cannot receive edges (from {src!r})")
        if isinstance(graph.nodes[src], nir.Output):
            raise _fail(dotted(src), "edges", f"an Output node cannot send edges (to {dst!r})")
        expected = inputs.get(dst)
        if expected is not None and outputs[src] != expected:
            raise _fail(
                dotted(dst),
                "input_type",
                f"edge ({src!r}, {dst!r}): {src!r} outputs shape {outputs[src]} "
                f"but {dst!r} takes {expected}",
            )
    return GraphShapes(inputs, outputs, order, recurrent, subgraphs)


def _neighbour_shape(node: Mapping[str, Any], side: str) -> tuple[int, ...] | None:
    """The input (``side="in"``) or output shape a node's own fields fix, if any."""
    node_type = _str(node.get("type"))
    if node_type in ("Affine", "Linear") and np.ndim(node.get("weight")) >= 2:
        weight = np.shape(node["weight"])
        return (*weight[:-2], weight[-1] if side == "in" else weight[-2])
    if node_type in _NEURON_FIELDS and node.get("r") is not None and np.ndim(node["r"]) > 0:
        return tuple(np.shape(node["r"]))
    return None


def _repair(data: dict[str, Any], prefix: str, repairs: list[str]) -> None:
    """Lenient mode: broadcast scalar neuron parameters, drop batch dims of Input/Output."""
    nodes = data.get("nodes")
    edges = data.get("edges")
    if not isinstance(nodes, dict) or edges is None:
        return
    pairs = [(_str(a), _str(b)) for a, b in np.asarray(edges, dtype=object).reshape(-1, 2)]
    for name, node in nodes.items():
        if not isinstance(node, dict):
            continue
        dotted = f"{prefix}{_str(name)}"
        node_type = _str(node.get("type"))
        if node_type == "NIRGraph":
            _repair(node, f"{dotted}.", repairs)
        if node_type not in _NEURON_FIELDS:
            continue
        present = {
            f: np.asarray(node[f]) for f in _NEURON_FIELDS[node_type] if node.get(f) is not None
        }
        try:
            shape = np.broadcast_shapes(*(v.shape for v in present.values()))
        except ValueError:
            continue  # left to validation, which names the field
        if shape == ():
            sources = [nodes.get(src) for src, dst in pairs if dst == _str(name)]
            found = [_neighbour_shape(n, "out") for n in sources if isinstance(n, dict)]
            shape = next((s for s in found if s is not None), ())
        if shape != () and any(v.shape != shape for v in present.values()):
            for f, v in present.items():
                node[f] = np.broadcast_to(v, shape).copy()
            repairs.append(f"{dotted}: parameters broadcast to shape {tuple(shape)}")
    for name, node in nodes.items():
        node_type = _str(node.get("type")) if isinstance(node, dict) else None
        if node_type not in ("Input", "Output") or node.get("shape") is None:
            continue
        if node_type == "Input":
            others = [nodes.get(dst) for src, dst in pairs if src == _str(name)]
        else:
            others = [nodes.get(src) for src, dst in pairs if dst == _str(name)]
        side = "in" if node_type == "Input" else "out"
        found = [_neighbour_shape(n, side) for n in others if isinstance(n, dict)]
        wanted = next((s for s in found if s is not None), None)
        shape = tuple(int(v) for v in np.asarray(node["shape"]).reshape(-1))
        if wanted and len(shape) > len(wanted) and shape[len(shape) - len(wanted) :] == wanted:
            node["shape"] = np.asarray(wanted, dtype=np.int64)
            repairs.append(f"{prefix}{_str(name)}: batch dims dropped, shape {shape} -> {wanted}")


def validate(
    graph: nir.NIRGraph | Mapping[str, Any], lenient: bool = False
) -> tuple[nir.NIRGraph, GraphShapes]:
    """Validate a graph (or its dict form) and return a clean copy and its shapes.

    Args:
        graph: a ``nir.NIRGraph`` or its dict form.
        lenient: repair what older exporters (Sinabs, Rockpool, nir <= 1.0.4) write: scalar
            or mismatched neuron parameters are broadcast to the layer shape (taken from the
            other parameters or the preceding ``Affine``/``Linear``), and batch dims in
            ``Input``/``Output`` shapes are dropped. A ``UserWarning`` lists every repair.

    Raises:
        TypeError: if ``graph`` is neither a ``nir.NIRGraph`` nor a mapping.
        NIRFormatError: for any malformed node, field, edge or shape.
    """
    if isinstance(graph, nir.NIRGraph):
        data = graph_to_dict(graph)
    elif isinstance(graph, Mapping):
        data = graph
    else:
        raise TypeError(f"graph must be a nir.NIRGraph, got {type(graph).__name__}")
    if lenient:
        data = copy.deepcopy(dict(data))
        repairs: list[str] = []
        _repair(data, "", repairs)
        if repairs:
            warnings.warn("lenient NIR import repaired: " + "; ".join(repairs), stacklevel=3)
    node_type = _str(data.get("type", "NIRGraph"))
    if not isinstance(node_type, str) or node_type != "NIRGraph":
        raise NIRFormatError(
            f"the top-level node must be a NIRGraph, got {node_type!r}", field="type"
        )
    clean = _graph_from_dict(data, None)
    shapes = infer_shapes(clean)
    if not any(isinstance(node, nir.Input) for node in clean.nodes.values()):
        raise NIRFormatError("the graph has no Input node", field="nodes")
    return clean, shapes
