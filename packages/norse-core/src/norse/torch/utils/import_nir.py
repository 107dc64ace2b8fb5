"""Norse 1.x's import path ``norse.torch.utils.import_nir``: :func:`from_nir` from norse-nir.

``from_nir(node, ignore_warnings=False, reset_method=reset_value, dt=None)`` works as in
Norse 1.x, except that ``dt=None`` reads the graph's own ``metadata["dt"]`` (else 1e-4 s);
without norse-nir installed it raises an ``ImportError`` that says ``pip install norse-nir``.
"""

from norse.torch._nir import from_nir

__all__ = ["from_nir"]
