"""Conversion between Norse networks and NIR graphs (the Neuromorphic Intermediate Representation).

* :func:`to_nir` exports a Norse/PyTorch module as a ``nir.NIRGraph``;
* :func:`from_nir` imports any NIR graph or ``.nir`` file as a module of core neurons;
* :func:`read` and :func:`write` read and write validated NIR HDF5 files.

Every malformed graph or file raises :class:`NIRFormatError` naming the node and field.

The names are loaded on first use, so that loading the plugin (``norse_nir.plugin``, at
the first ``norse`` plugin lookup) imports neither nir, h5py nor numpy.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "GraphModule",
    "GraphState",
    "NIRFormatError",
    "from_nir",
    "read",
    "read_version",
    "to_nir",
    "validate",
    "write",
]

_WHERE = {
    "GraphModule": "norse_nir.importer",
    "GraphState": "norse_nir.importer",
    "NIRFormatError": "norse_nir.errors",
    "from_nir": "norse_nir.importer",
    "read": "norse_nir.io",
    "read_version": "norse_nir.io",
    "to_nir": "norse_nir.exporter",
    "validate": "norse_nir.validation",
    "write": "norse_nir.io",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'norse_nir' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
