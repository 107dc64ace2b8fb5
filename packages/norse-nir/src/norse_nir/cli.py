"""The ``norse nir`` command group.

* ``norse nir``: the NIR version and the registered NIR converters;
* ``norse nir inspect FILE [--json]``: the file's version, nodes (type, input and output
  shapes, a min/mean/max summary of every parameter), edges (recurrent ones marked) and
  graph metadata. A malformed file prints the error (naming node and field) to stderr and
  exits with status 1.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
from typing import TYPE_CHECKING, Any

from norse.hookspecs import CommandSpec

if TYPE_CHECKING:
    import nir

__all__ = ["NIR_COMMAND", "describe"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``norse nir`` subcommands to ``parser``."""
    subparsers = parser.add_subparsers(dest="nir_command", metavar="SUBCOMMAND")
    inspect = subparsers.add_parser("inspect", help="print a NIR file's nodes, edges, shapes")
    inspect.add_argument("file", help="a .nir (HDF5) file")
    inspect.add_argument("--json", action="store_true", help="print machine-readable JSON")


def _summary(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        if value.size == 0:
            return {"shape": list(value.shape)}
        return {
            "shape": list(value.shape),
            "min": float(value.min()),
            "mean": float(value.mean()),
            "max": float(value.max()),
        }
    if isinstance(value, np.generic):
        return value.item()
    return value


def describe(graph: nir.NIRGraph) -> dict[str, Any]:
    """A JSON-ready description of a validated graph (nested graphs are described inside)."""
    from norse_nir.validation import validate

    clean, shapes = validate(graph)
    return _describe(clean, shapes)


def _describe(graph: nir.NIRGraph, shapes: Any) -> dict[str, Any]:
    import nir

    nodes = {}
    for name in sorted(graph.nodes):
        node = graph.nodes[name]
        entry: dict[str, Any] = {
            "type": type(node).__name__,
            "input_shape": list(shapes.inputs[name]) if name in shapes.inputs else None,
            "output_shape": list(shapes.outputs[name]),
        }
        if isinstance(node, nir.NIRGraph):
            entry["graph"] = _describe(node, shapes.subgraphs[name])
        else:
            params = {
                key: _summary(value)
                for key, value in vars(node).items()
                if key not in ("input_type", "output_type", "metadata") and value is not None
            }
            if params and not isinstance(node, (nir.Input, nir.Output)):
                entry["parameters"] = params
        nodes[name] = entry
    edges = [
        {"source": src, "target": dst, "recurrent": (src, dst) in shapes.recurrent}
        for src, dst in graph.edges
    ]
    metadata = {key: _summary(value) for key, value in (graph.metadata or {}).items()}
    return {"nodes": nodes, "edges": edges, "metadata": metadata}


def _format_summary(value: Any) -> str:
    if isinstance(value, dict) and "min" in value:
        shape = "x".join(map(str, value["shape"])) or "scalar"
        if value["min"] == value["max"]:
            return f"[{shape}] = {value['min']:.6g}"
        return f"[{shape}] min {value['min']:.6g} mean {value['mean']:.6g} max {value['max']:.6g}"
    if isinstance(value, dict):
        return f"[{'x'.join(map(str, value['shape']))}]"
    return str(value)


def _print_text(description: dict[str, Any], indent: str = "") -> None:
    print(f"{indent}nodes ({len(description['nodes'])}):")
    for name, node in description["nodes"].items():
        shape_in = "x".join(map(str, node["input_shape"])) if node["input_shape"] else "-"
        shape_out = "x".join(map(str, node["output_shape"]))
        print(f"{indent}  {name}: {node['type']} ({shape_in} -> {shape_out})")
        for key, value in node.get("parameters", {}).items():
            print(f"{indent}    {key}: {_format_summary(value)}")
        if "graph" in node:
            _print_text(node["graph"], indent + "    ")
    print(f"{indent}edges ({len(description['edges'])}):")
    for edge in description["edges"]:
        mark = "  (recurrent: previous step)" if edge["recurrent"] else ""
        print(f"{indent}  {edge['source']} -> {edge['target']}{mark}")
    for key, value in description["metadata"].items():
        print(f"{indent}metadata {key}: {value}")


def _inspect(args: argparse.Namespace) -> int:
    from norse_nir.errors import NIRFormatError
    from norse_nir.io import read, read_version

    try:
        version = read_version(args.file)
        description = describe(read(args.file))
    except (NIRFormatError, FileNotFoundError) as error:
        print(f"norse nir inspect: {args.file}: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"file": args.file, "version": version, **description}, indent=2))
        return 0
    print(f"{args.file} (NIR version {version})")
    _print_text(description)
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``norse nir``: without a subcommand, print the NIR version and the converters."""
    if getattr(args, "nir_command", None) == "inspect":
        return _inspect(args)
    import norse.plugins

    print(f"nir {importlib.metadata.version('nir')}")
    converters = norse.plugins.registry("nir_converters")
    print(f"{len(converters)} NIR converters registered")
    for name, entry in sorted(converters.items()):
        print(f"  {name} (node {entry.spec.node_type}, from plugin {entry.plugin})")
    return 0


NIR_COMMAND = CommandSpec("nir", "convert between Norse and NIR graphs", configure, run)
