"""Runnable tasks for Norse: data sets, spiking models and training loops."""

__all__: list[str] = []
