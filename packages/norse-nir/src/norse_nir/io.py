"""Reading and writing NIR HDF5 files, with validation and clear errors.

:func:`read` parses the HDF5 layout of ``nir.write`` (``/version``, ``/node/type``,
``/node/nodes/<name>/<field>``, ``/node/edges``) itself, so that a truncated or corrupt file,
an unknown node type, a missing field or a bad edge raises one exception type,
:class:`~norse_nir.errors.NIRFormatError`, naming the node and the field. :func:`write` is
``nir.write`` after the same validation, so an invalid graph is never written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import h5py
import nir
import numpy as np

from norse_nir import limits
from norse_nir.errors import NIRFormatError
from norse_nir.validation import GraphShapes, validate

__all__ = ["read", "read_version", "write"]


def _dataset_value(dataset: h5py.Dataset, where: str) -> Any:
    parts = where.split("/")  # /node/nodes/<name>/[nodes/<inner>/...]<field>
    node = ".".join(p for p in parts[3:-1] if p != "nodes") or None
    limits.check(node, parts[-1], dataset.size if dataset.shape is not None else 0)
    try:
        value = dataset[()]
    except Exception as error:  # h5py raises OSError, ValueError, KeyError, ... on corruption
        raise NIRFormatError(
            f"cannot read dataset {where}: {type(error).__name__}: {error}"
        ) from error
    if isinstance(value, bytes):
        return value.decode("utf8", errors="replace")
    return value


def _group_to_dict(group: h5py.Group, where: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    try:
        keys = list(group.keys())
    except Exception as error:
        raise NIRFormatError(
            f"cannot list group {where}: {type(error).__name__}: {error}"
        ) from error
    for key in keys:
        path = f"{where}/{key}"
        item = _member(group, key, where)
        if isinstance(item, h5py.Group):
            data[key] = _group_to_dict(item, path)
        else:
            data[key] = _dataset_value(item, path)
    return data


def _member(group: h5py.Group, key: str, where: str) -> Any | None:
    """``group[key]`` or None when absent; corruption raises NIRFormatError."""
    try:
        return group[key] if key in group else None
    except Exception as error:  # h5py raises RuntimeError, OSError, ... on corruption
        raise NIRFormatError(
            f"cannot open {where}/{key}: {type(error).__name__}: {error}"
        ) from error


def _open(path: str | os.PathLike) -> h5py.File:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    if not Path(path).is_file():
        raise FileNotFoundError(f"no NIR file at {str(path)!r}")
    try:
        return h5py.File(path, "r")
    except Exception as error:
        raise NIRFormatError(
            f"{str(path)!r} is not a readable HDF5 file (truncated or corrupt?): {error}"
        ) from error


def read_version(path: str | os.PathLike) -> str | None:
    """The NIR version string stored in a file (``"1.0.8"``, ``"0.2.0"``), or None."""
    with _open(path) as f:
        dataset = _member(f, "version", "")
        if not isinstance(dataset, h5py.Dataset):
            return None
        return str(_dataset_value(dataset, "/version"))


def read(path: str | os.PathLike, lenient: bool = False) -> nir.NIRGraph:
    """Read and validate a NIR graph from an HDF5 file.

    Files of any NIR version (0.1.1 and 0.2.0 included) are read; a missing ``v_reset`` is
    filled with zeros and a missing ``w_in`` with ones, as in NIR. ``lenient=True`` repairs
    the files of Sinabs and Rockpool (see :func:`norse_nir.validation.validate`) with a
    warning that lists the repairs.

    Raises:
        FileNotFoundError: if there is no file at ``path``.
        NIRFormatError: if the file is not HDF5, is truncated or corrupt, or holds a graph
            that fails :func:`norse_nir.validation.validate`; the message names the node and
            field.
    """
    with _open(path) as f:
        node = _member(f, "node", "")
        if not isinstance(node, h5py.Group):
            raise NIRFormatError(f"{str(path)!r} has no /node group; it is not a NIR file")
        data = _group_to_dict(node, "/node")
    graph, _ = validate(data, lenient)
    return graph


WRITE_VERSIONS = ("1.0.8", "1.0.4")
"""The NIR versions :func:`write` can target (1.0.4: what Sinabs and Rockpool pin)."""


def write(path: str | os.PathLike, graph: nir.NIRGraph, nir_version: str = "1.0.8") -> None:
    """Validate ``graph`` and write it as a gzip-compressed NIR HDF5 file.

    Args:
        path: the file to write.
        graph: the graph.
        nir_version: ``"1.0.8"`` (default) or ``"1.0.4"``, the version Sinabs and Rockpool
            pin, which has no ``v_reset`` field and no ``CubaLI`` node. Both leave out
            ``v_reset`` where it is 0 (NIR's default since 1.0.7, 1.0.4's only reset), so a
            graph that nir 1.0.4 can express is readable by it either way; ``"1.0.4"``
            refuses, naming the node, any other reset and ``CubaLI``.

    Raises:
        NIRFormatError: if the graph is invalid, or not expressible in ``nir_version``
            (naming node and field); nothing is written then.
    """
    if nir_version not in WRITE_VERSIONS:
        raise ValueError(f"nir_version must be one of {WRITE_VERSIONS}, got {nir_version!r}")
    clean, shapes = validate(graph)
    _fill_shapes(clean, shapes)
    data = clean.to_dict()
    strict = nir_version == "1.0.4"
    _drop_zero_resets(data, "", strict)
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=nir_version, dtype=h5py.string_dtype())
        _write_group(f.create_group("node"), data)


def _drop_zero_resets(data: dict[str, Any], prefix: str, strict: bool) -> None:
    """Leave out zero ``v_reset`` fields; ``strict``: refuse what nir 1.0.4 cannot read."""
    for name, node in data["nodes"].items():
        where = f"{prefix}{name}"
        if node["type"] == "NIRGraph":
            _drop_zero_resets(node, f"{where}.", strict)
        elif node["type"] == "CubaLI" and strict:
            raise NIRFormatError("nir 1.0.4 has no CubaLI node", node=where, field="type")
        elif "v_reset" in node:
            if np.any(np.asarray(node["v_reset"]) != 0):
                if not strict:
                    continue
                raise NIRFormatError(
                    "nir 1.0.4 has no v_reset field and resets to 0; this node resets elsewhere",
                    node=where,
                    field="v_reset",
                )
            del node["v_reset"]


def _write_group(group: h5py.Group, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            if value or key != "metadata":
                _write_group(group.create_group(str(key)), value)
        elif isinstance(value, str):
            group.create_dataset(key, data=value, dtype=h5py.string_dtype())
        elif isinstance(value, np.ndarray):
            group.create_dataset(key, data=value, compression="gzip")
        else:
            group.create_dataset(key, data=value)


def _fill_shapes(graph: nir.NIRGraph, shapes: GraphShapes) -> None:
    """Write inferred shapes into fields NIR leaves as None (HDF5 cannot store None)."""
    for name, node in graph.nodes.items():
        if isinstance(node, nir.NIRGraph):
            _fill_shapes(node, shapes.subgraphs[name])
        elif isinstance(node, (nir.Conv1d, nir.Conv2d)) and node.input_shape is None:
            spatial = shapes.inputs[name][1:]
            node.input_shape = spatial[0] if isinstance(node, nir.Conv1d) else spatial
        elif isinstance(node, nir.Flatten) and node.input_type["input"] is None:
            node.input_type = {"input": np.asarray(shapes.inputs[name], dtype=np.int64)}
