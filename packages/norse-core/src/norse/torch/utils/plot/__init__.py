"""Norse 1.x's plotting helpers, implemented by the norse-viz plugin (matplotlib).

``plot_spikes_2d``, ``plot_heatmap_2d``, ``plot_heatmap_3d``, ``plot_histogram_2d``,
``plot_neuron_states``, ``plot_scatter_3d`` and ``plot_izhikevich`` resolve lazily to
:mod:`norse_viz.norse1` (also as ``norse.torch.plot_*`` and, as in Norse 1.x,
``norse.torch.utils.plot.plot.*``). Importing this module imports nothing heavy; looking a
name up without norse-viz installed raises an ``ImportError`` that says
``pip install norse-viz``.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "plot_heatmap_2d",
    "plot_heatmap_3d",
    "plot_histogram_2d",
    "plot_izhikevich",
    "plot_neuron_states",
    "plot_scatter_3d",
    "plot_spikes_2d",
]

MISSING = (
    "Norse's plots and TensorBoard hooks need the norse-viz package, which is not "
    "installed: pip install norse-viz"
)


def load_plugin_module(name: str) -> Any:
    """Import ``name`` from norse-viz; an ``ImportError`` saying how to install it if missing."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in ("norse_viz", "matplotlib"):
            raise
        raise ImportError(MISSING) from error


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(load_plugin_module("norse_viz.norse1"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
