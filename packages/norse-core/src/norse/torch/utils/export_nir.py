"""Norse 1.x's import path ``norse.torch.utils.export_nir``: :func:`to_nir` from norse-nir.

``to_nir(module, sample_data, model_name="norse", dt=None)`` works as in Norse 1.x (a bare
module's node is named ``model_name``); without norse-nir installed it raises an
``ImportError`` that says ``pip install norse-nir``.
"""

from norse.torch._nir import to_nir

__all__ = ["to_nir"]
