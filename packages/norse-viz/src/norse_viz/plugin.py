"""The Norse plugin of norse-viz: registers its plots through ``norse_register_plots``."""

from __future__ import annotations

from collections.abc import Callable

from norse.hookspecs import PlotSpec, hookimpl
from norse_viz.raster import raster


@hookimpl
def norse_register_plots(register: Callable[[PlotSpec], None]) -> None:
    """Register the ``raster`` plot."""
    register(PlotSpec("raster", "spike raster of a (T, N) spike tensor", raster))
