"""Norse: deep learning with spiking neural networks in PyTorch.

The public API lives in :mod:`norse.torch`; the plugin system in :mod:`norse.plugins`
and :mod:`norse.hookspecs`.
"""

__version__ = "0.1.0"
