"""Norse: deep learning with spiking neural networks in PyTorch.

The public API lives in :mod:`norse.torch`; the plugin system in :mod:`norse.plugins`
and :mod:`norse.hookspecs`.
"""

import importlib.metadata

__version__ = importlib.metadata.version("norse-core")
"""The installed norse-core version (single source: the package metadata)."""
