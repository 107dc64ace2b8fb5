"""Plots for Norse spiking neural networks (matplotlib)."""

from norse_viz.raster import raster

__all__ = ["raster"]
