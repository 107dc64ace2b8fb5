"""Converters registered by plugins through ``norse_register_nir_converters``.

A plugin registers ``NIRConverterSpec(name, module_types, node_type, to_nir, from_nir)``:

* export: :func:`norse_nir.to_nir` calls ``to_nir(module, dt) -> nir.NIRNode`` for modules
  of ``module_types`` (before the built-in conversions);
* import: :func:`norse_nir.from_nir` calls ``from_nir(node, dt) -> torch.nn.Module`` for
  nodes whose ``metadata["norse_converter"]`` is the converter's ``name`` (a neuron that
  NIR cannot express exports a standard node as a fallback for other tools and tags it, so
  Norse restores the exact model), or else for every node of type ``node_type``.

An imported stateful module must have ``nir_stateful = True`` and
``forward(x, state) -> (output, state)``; a stateless one ``forward(x) -> output``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import norse.plugins

__all__ = ["CONVERTER_KEY", "export_converter", "import_converter"]


CONVERTER_KEY = "norse_converter"
"""The node metadata key that names the converter that exported a node."""


def import_converter(node_type: str, metadata: dict | None = None) -> Callable[..., Any] | None:
    """The ``from_nir(node, dt)`` of the converter for a node (by tag, then type), or None."""
    converters = norse.plugins.nir_converters()
    tag = (metadata or {}).get(CONVERTER_KEY)
    if isinstance(tag, str) and tag in converters and converters[tag].from_nir is not None:
        return converters[tag].from_nir
    for spec in converters.values():
        if spec.node_type == node_type and spec.from_nir is not None:
            return spec.from_nir
    return None


def export_converter(module: Any) -> Callable[..., Any] | None:
    """The ``to_nir(module, dt)`` of the converter registered for ``type(module)``, or None."""
    for spec in norse.plugins.nir_converters().values():
        if spec.to_nir is not None and type(module) in spec.module_types:
            return spec.to_nir
    return None
