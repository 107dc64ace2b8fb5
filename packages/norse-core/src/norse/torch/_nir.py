"""Lazy shims for NIR conversion; the implementation lives in the ``norse-nir`` plugin.

Norse 1.x's keyword arguments are accepted and forwarded: ``to_nir(module, sample_data=...,
model_name=...)`` and ``from_nir(graph, ignore_warnings=..., reset_method=..., dt=...)``.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["from_nir", "to_nir"]

_MISSING = (
    "NIR conversion needs the norse-nir package, which is not installed: pip install norse-nir"
)


def _plugin(name: str) -> Any:
    try:
        return getattr(importlib.import_module("norse_nir"), name)
    except ModuleNotFoundError as error:
        if error.name not in ("norse_nir", "nir", "h5py"):
            raise
        raise ImportError(_MISSING) from error


def to_nir(module: Any, sample_input: Any = None, dt: float | None = None, **kwargs: Any) -> Any:
    """Export a module as a ``nir.NIRGraph``: :func:`norse_nir.to_nir` (needs norse-nir).

    ``sample_input`` is one step ``(B, ...)`` (or ``(T, B, ...)`` for sequence modules);
    Norse 1.x's ``sample_data=`` and ``model_name=`` are accepted. ``dt=None`` takes the
    modules' ``dt`` (Norse 1.x defaulted to 0.001).

    Raises:
        ImportError: if norse-nir is not installed; the message says how to install it.
    """
    return _plugin("to_nir")(module, sample_input, dt, **kwargs)


def from_nir(graph: Any, dt: float | None = None, **kwargs: Any) -> Any:
    """Import a NIR graph or ``.nir`` file as a module: :func:`norse_nir.from_nir`.

    ``dt=None`` takes the graph's ``metadata["dt"]``, else 1e-4 s (Norse 1.x defaulted to
    0.001); Norse 1.x's ``ignore_warnings=`` and ``reset_method=`` are accepted.

    Raises:
        ImportError: if norse-nir is not installed; the message says how to install it.
    """
    return _plugin("from_nir")(graph, dt, **kwargs)
