"""Lazy shims for NIR conversion; the implementation lives in the ``norse-nir`` plugin."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["from_nir", "to_nir"]

_MISSING = (
    "NIR conversion needs the norse-nir package, which is not installed: pip install norse-nir"
)


def _plugin() -> Any:
    try:
        return importlib.import_module("norse_nir")
    except ModuleNotFoundError as error:
        if error.name not in ("norse_nir", "nir"):
            raise
        raise ImportError(_MISSING) from error


def to_nir(module: Any, sample_input: Any, dt: float | None = None, **kwargs: Any) -> Any:
    """Export a module as a ``nir.NIRGraph``: :func:`norse_nir.to_nir` (needs norse-nir).

    Raises:
        ImportError: if norse-nir is not installed; the message says how to install it.
    """
    return _plugin().to_nir(module, sample_input, dt, **kwargs)


def from_nir(graph: Any, dt: float = 1e-4, **kwargs: Any) -> Any:
    """Import a NIR graph or ``.nir`` file as a module: :func:`norse_nir.from_nir`.

    Raises:
        ImportError: if norse-nir is not installed; the message says how to install it.
    """
    return _plugin().from_nir(graph, dt, **kwargs)
