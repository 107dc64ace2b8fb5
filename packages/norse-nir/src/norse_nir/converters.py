"""Converters registered by plugins through ``norse_register_nir_converters``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import norse.plugins

__all__ = ["export_converter", "import_converter"]


def import_converter(node_type: str) -> Callable[..., Any] | None:
    """The ``from_nir(node, dt)`` of the converter registered for a NIR node type, or None."""
    for spec in norse.plugins.nir_converters().values():
        if spec.node_type == node_type and spec.from_nir is not None:
            return spec.from_nir
    return None


def export_converter(module: Any) -> Callable[..., Any] | None:
    """The ``to_nir(module, dt)`` of the converter registered for ``type(module)``, or None."""
    for spec in norse.plugins.nir_converters().values():
        if spec.to_nir is not None and type(module) in spec.module_types:
            return spec.to_nir
    return None
