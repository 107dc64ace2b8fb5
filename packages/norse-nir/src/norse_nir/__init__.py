"""Conversion between Norse networks and NIR graphs (the Neuromorphic Intermediate Representation).

* :func:`to_nir` exports a Norse/PyTorch module as a ``nir.NIRGraph``;
* :func:`from_nir` imports any NIR graph or ``.nir`` file as an executable module;
* :func:`read` and :func:`write` read and write validated NIR HDF5 files.

Every malformed graph or file raises :class:`NIRFormatError` naming the node and field.
"""

from norse_nir.errors import NIRFormatError
from norse_nir.exporter import to_nir
from norse_nir.importer import GraphModule, GraphState, from_nir
from norse_nir.io import read, read_version, write
from norse_nir.validate import validate

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
