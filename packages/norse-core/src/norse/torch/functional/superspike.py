"""SuperSpike (Zenke & Ganguli 2018, Neural Computation 30:1514, section 3.3.2) at Norse 1.x's
import path: :class:`SuperSpike` and :func:`super_fn`.

Forward ``H(x)``; backward ``grad / (alpha |x| + 1)^2``. ``alpha`` is honoured (Norse 1.1.0
ignored it and used ``1 / (|x| + 1)^2``; see the differences document).
"""

from __future__ import annotations

from norse.torch.functional.threshold import _Surrogate, heaviside, super_fn

__all__ = ["SuperSpike", "heaviside", "super_fn"]


class SuperSpike(_Surrogate):
    """``SuperSpike.apply(x, alpha)``: ``H(x)`` forward, ``1 / (alpha |x| + 1)^2`` backward."""

    method = "super"
