"""Utilities at Norse 1.x's import paths: ``pytree``, ``state``, ``clone`` (and, from their
own packages, ``export_nir``/``import_nir``, ``plot``, ``tensorboard``).

This package imports nothing on its own; import the submodule you need, e.g.
``from norse.torch.utils import pytree``.
"""
